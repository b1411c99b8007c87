//! A real (HTTP) SMS provider behind the server, end to end over MQTT: a provider that
//! hangs delays only the request waiting on it, and its failure is the client's
//! `{error,sms_not_sent}` with the new token to resend with.

use std::{
    io::Read,
    net::{SocketAddr, TcpListener},
    sync::mpsc,
};

use roster_actors::channel::{ProviderKind, Secret};
use rumqttc::QoS;

use crate::support::{
    etf::{ask, pair, tail_token, Auth},
    harness::{events_topic, TestServer},
    profile_wire::{self, Req},
};

/// A webhook that accepts one request, says so, and hangs until told to drop it.
struct HangingWebhook {
    addr: SocketAddr,
    accepted: mpsc::Receiver<Vec<u8>>,
    release: mpsc::Sender<()>,
}

impl HangingWebhook {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (accepted_tx, accepted) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let Ok((mut socket, _)) = listener.accept() else {
                return;
            };
            let mut head = vec![0u8; 4096];
            let n = socket.read(&mut head).unwrap_or(0);
            head.truncate(n);
            let _ = accepted_tx.send(head);
            // Hold the request unanswered until released, then close without a reply.
            let _ = release_rx.recv();
        });
        HangingWebhook {
            addr,
            accepted,
            release,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_provider_delays_only_its_own_request_then_fails_as_sms_not_sent() {
    let hook = HangingWebhook::start();
    let server = TestServer::with(|c| {
        c.auth.test_numbers.enabled = true;
        c.sms.provider = ProviderKind::Http;
        c.sms.url = Some(Secret::new(format!("http://{}/send", hook.addr)));
        c.sms.max_retries = 0;
        c.sms.timeout_ms = 60_000;
    });

    // A device on a test number registers without the provider and logs in.
    let mut b = server.reg("emqttd_reg_prov_b").await;
    let (r, tail) = ask(&mut b, Auth::phone("99900111222"), "reg").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    let token_b = tail_token(&tail);
    ask(&mut b, Auth::code(&token_b, "903182"), "verify").await;
    let mut b = server.login("emqttd_prov_b", &token_b).await;

    // Device A's reg goes to the hanging provider.
    let mut a = server.reg("emqttd_reg_prov_a").await;
    let reg = Auth::phone("380501113344").encode("reg");
    a.client
        .publish(events_topic(&a.id), QoS::AtLeastOnce, false, reg)
        .await
        .unwrap();
    // A's event loop must run for its publish to leave; nothing comes back to it
    // until the provider answers, so no reply is consumed here.
    let accepted = tokio::task::spawn_blocking(move || {
        hook.accepted
            .recv_timeout(crate::support::harness::DEADLINE)
            .map(|h| (h, hook.release))
    });
    tokio::pin!(accepted);
    let (request, release) = loop {
        tokio::select! {
            seen = &mut accepted => break seen.unwrap().expect("the provider was called"),
            event = a.events.poll() => {
                event.expect("A stays connected");
            }
        }
    };
    let request = String::from_utf8_lossy(&request);
    assert!(request.starts_with("POST /send "), "{request}");
    assert!(request.contains("\"to\":\"+380501113344\""), "{request}");

    // While it hangs, B's Profile get is answered.
    let profile = profile_wire::ask(&mut b, Req::default(), "get").await;
    assert_eq!(profile.phone, "99900111222");

    // The provider gives up without answering: A is told, with its new token.
    release.send(()).unwrap();
    let reply = a.next_publish().await;
    let (r, tail) = crate::support::etf::io(&reply.payload);
    assert_eq!(r, pair("error", "sms_not_sent"));
    assert_eq!(tail_token(&tail).len(), 32, "the new token, to resend with");
}
