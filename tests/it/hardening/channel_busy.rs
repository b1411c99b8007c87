//! A channel whose delivery slots and queue are full (`sms.max_queued`,
//! `voice.max_queued`) is the server being busy, not the provider failing: the client
//! is told `{error,too_many_requests}`, while a provider that fails is still
//! `sms_not_sent` / `call_failed`.

use std::{
    net::{SocketAddr, TcpListener},
    sync::mpsc,
};

use roster_actors::channel::{ChannelConfig, ProviderKind, Secret};
use rumqttc::QoS;

use crate::{
    support::etf::{ask, io, pair, tail_token, Auth},
    support::harness::{events_topic, Client, TestServer, DEADLINE},
};

/// A webhook that takes one request and holds it unanswered until released; then it
/// closes without a reply (a provider failure).
struct Hook {
    /// Where it listens.
    addr: SocketAddr,
    /// Says when the request has arrived.
    arrived: mpsc::Receiver<()>,
    /// Lets the held request go.
    release: mpsc::Sender<()>,
}

impl Hook {
    fn start() -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (arrived_tx, arrived) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let Ok((socket, _)) = listener.accept() else {
                return;
            };
            let _ = arrived_tx.send(());
            let _ = release_rx.recv();
            drop(socket);
        });
        Hook {
            addr,
            arrived,
            release,
        }
    }

    /// One slot, no queue, one attempt that may take a minute: the hook's request
    /// holds the channel.
    fn channel(&self, c: &mut ChannelConfig) {
        c.provider = ProviderKind::Http;
        c.url = Some(Secret::new(format!("http://{}/send", self.addr)));
        c.max_retries = 0;
        c.timeout_ms = 60_000;
        c.max_concurrent = 1;
        c.max_queued = 0;
    }
}

/// Publishes `request` from `dev` and keeps its connection served until `hook` has
/// the delivery it causes (no reply comes before the hook answers).
async fn publish_until_held(dev: &mut Client, request: Vec<u8>, hook: Hook) -> mpsc::Sender<()> {
    dev.client
        .publish(events_topic(&dev.id), QoS::AtLeastOnce, false, request)
        .await
        .unwrap();
    let Hook {
        arrived, release, ..
    } = hook;
    let held = tokio::task::spawn_blocking(move || arrived.recv_timeout(DEADLINE));
    tokio::pin!(held);
    loop {
        tokio::select! {
            got = &mut held => {
                got.unwrap().expect("the provider was called");
                return release;
            }
            event = dev.events.poll() => {
                event.expect("stays connected");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sms_queue_answers_too_many_requests() {
    let hook = Hook::start();
    let server = TestServer::with(|c| hook.channel(&mut c.sms));
    // A's code holds the one slot.
    let mut a = server.reg("emqttd_reg_busy_a").await;
    let release = publish_until_held(&mut a, Auth::phone("380501110101").encode("reg"), hook).await;
    // B finds slot and queue full: the server is busy.
    let mut b = server.reg("emqttd_reg_busy_b").await;
    let (r, tail) = ask(&mut b, Auth::phone("380501110102"), "reg").await;
    assert_eq!(r, pair("error", "too_many_requests"));
    assert_eq!(tail_token(&tail).len(), 32, "the token, to resend with");
    // A's provider fails: that is still sms_not_sent.
    release.send(()).unwrap();
    let (r, _) = io(&a.next_publish().await.payload);
    assert_eq!(r, pair("error", "sms_not_sent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_voice_queue_answers_too_many_requests() {
    let hook = Hook::start();
    let server = TestServer::with(|c| {
        hook.channel(&mut c.voice);
        c.auth.resend_cooldown_secs = 0;
    });
    let voice = |token| {
        Auth {
            token: Some(token),
            services: vec!["en"],
            ..Default::default()
        }
        .encode("voice")
    };
    let mut a = server.reg("emqttd_reg_call_a").await;
    let (_, tail) = ask(&mut a, Auth::phone("380501110201"), "reg").await;
    let token_a = tail_token(&tail);
    let mut b = server.reg("emqttd_reg_call_b").await;
    let (_, tail) = ask(&mut b, Auth::phone("380501110202"), "reg").await;
    let token_b = tail_token(&tail);
    let release = publish_until_held(&mut a, voice(&token_a), hook).await;
    let (r, _) = io(&b.request(voice(&token_b)).await);
    assert_eq!(r, pair("error", "too_many_requests"));
    release.send(()).unwrap();
    let (r, _) = io(&a.next_publish().await.payload);
    assert_eq!(r, pair("error", "call_failed"));
}
