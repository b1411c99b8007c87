//! Tests of the channel actors: outbox contract through `start_channels`, the
//! deadline, the in-flight bound and the queue.

use std::{
    collections::HashSet,
    fs,
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use actix::{Actor, Addr};
use tokio::{
    sync::{mpsc, Semaphore},
    time::Instant,
};

use crate::channel::{
    start_channels, ChannelActor, ChannelConfig, ChannelError, Delivery, DeliveryError,
    DeliveryFuture, Lang, Limits, Provider, SendCode, SmsActor,
};

/// A provider the test steers: phones ending in "00" hang forever; others report
/// that they entered, then wait for a permit from `release`.
struct Scripted {
    /// Tells the test which code entered the provider.
    entered: mpsc::UnboundedSender<String>,
    /// The test adds permits to let deliveries finish.
    release: Arc<Semaphore>,
    /// Deliveries inside the provider right now.
    in_flight: AtomicUsize,
    /// The most ever inside at once.
    peak: AtomicUsize,
}

impl Scripted {
    fn new(permits: usize) -> (Arc<Self>, mpsc::UnboundedReceiver<String>) {
        let (entered, rx) = mpsc::unbounded_channel();
        let me = Self {
            entered,
            release: Arc::new(Semaphore::new(permits)),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        };
        (Arc::new(me), rx)
    }
}

impl Provider for Scripted {
    fn deliver<'a>(&'a self, d: &'a Delivery) -> DeliveryFuture<'a> {
        Box::pin(async move {
            if d.phone.ends_with("00") {
                std::future::pending::<()>().await;
            }
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            let _ = self.entered.send(d.code.clone());
            self.release
                .acquire()
                .await
                .expect("semaphore open")
                .forget();
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        })
    }
}

fn limits(ms: u64, max_concurrent: usize, max_queued: usize) -> Limits {
    Limits {
        deadline: Duration::from_millis(ms),
        max_concurrent,
        max_queued,
    }
}

fn sms_actor(p: Arc<Scripted>, l: Limits) -> Addr<SmsActor> {
    ChannelActor::new(p, l).start()
}

fn simulated(dir: &Path) -> (ChannelConfig, ChannelConfig) {
    let mut sms = ChannelConfig::sms_default();
    sms.outbox = dir.join("out/sms.jsonl");
    let mut voice = ChannelConfig::voice_default();
    voice.outbox = dir.join("out/voice.jsonl");
    (sms, voice)
}

fn outbox(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is one JSON object"))
        .collect()
}

#[actix_rt::test]
async fn the_line_is_on_disk_when_send_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (sms_cfg, voice_cfg) = simulated(dir.path());
    let (sms, voice) = start_channels(&sms_cfg, &voice_cfg).unwrap();
    for i in 0..5 {
        let code = format!("10000{i}");
        sms.send(SendCode(Delivery::sms("380501234522", code.clone())))
            .await
            .unwrap()
            .unwrap();
        let lines = outbox(&sms_cfg.outbox);
        assert_eq!(lines.len(), i + 1);
        assert_eq!(lines[i]["code"], code.as_str());
    }
    voice
        .send(SendCode(Delivery::voice(
            "390612345600",
            "424242",
            Lang::Ua,
        )))
        .await
        .unwrap()
        .unwrap();
    let lines = outbox(&voice_cfg.outbox);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["channel"], "voice");
    assert_eq!(lines[0]["lang"], "ua");
    assert_eq!(lines[0]["text"], "Ваш код roster: 4, 2, 4, 2, 4, 2");
}

#[actix_rt::test]
async fn two_hundred_concurrent_deliveries_write_two_hundred_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (sms_cfg, voice_cfg) = simulated(dir.path());
    let (sms, _voice) = start_channels(&sms_cfg, &voice_cfg).unwrap();
    let codes: Vec<String> = (0..200).map(|i| format!("{:06}", 500_000 + i)).collect();
    let pending: Vec<_> = codes
        .iter()
        .map(|c| actix_rt::spawn(sms.send(SendCode(Delivery::sms("380501234522", c.clone())))))
        .collect();
    for p in pending {
        p.await.unwrap().unwrap().unwrap();
    }
    let lines = outbox(&sms_cfg.outbox);
    assert_eq!(lines.len(), 200);
    let written: HashSet<String> = lines
        .iter()
        .map(|l| l["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(written, codes.into_iter().collect::<HashSet<_>>());
}

#[actix_rt::test]
async fn a_hanging_provider_times_out_while_others_complete() {
    let (p, _entered) = Scripted::new(100);
    let addr = sms_actor(p, limits(500, 8, 8));
    let started = Instant::now();
    let hung = actix_rt::spawn(addr.send(SendCode(Delivery::sms("380501234500", "111111"))));
    addr.send(SendCode(Delivery::sms("380501234522", "222222")))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !hung.is_finished(),
        "the quick delivery finished while the hung one still waits"
    );
    let result = hung.await.unwrap().unwrap();
    assert!(matches!(result, Err(DeliveryError::Timeout)), "{result:?}");
    assert!(started.elapsed() >= Duration::from_millis(500));
}

#[actix_rt::test]
async fn beyond_the_slots_and_the_queue_deliveries_are_busy() {
    let (p, mut entered) = Scripted::new(0);
    let addr = sms_actor(Arc::clone(&p), limits(10_000, 1, 1));
    let first = actix_rt::spawn(addr.send(SendCode(Delivery::sms("380501234522", "000001"))));
    let second = actix_rt::spawn(addr.send(SendCode(Delivery::sms("380501234522", "000002"))));
    let third = addr
        .send(SendCode(Delivery::sms("380501234522", "000003")))
        .await
        .unwrap();
    assert!(matches!(third, Err(DeliveryError::Busy)), "{third:?}");

    assert_eq!(entered.recv().await.unwrap(), "000001");
    p.release.add_permits(1);
    first.await.unwrap().unwrap().unwrap();
    assert_eq!(
        entered.recv().await.unwrap(),
        "000002",
        "the queued delivery ran after the first"
    );
    p.release.add_permits(1);
    second.await.unwrap().unwrap().unwrap();
    assert_eq!(p.peak.load(Ordering::SeqCst), 1);
}

#[actix_rt::test]
async fn no_more_than_max_concurrent_are_in_flight() {
    let (p, mut entered) = Scripted::new(0);
    let addr = sms_actor(Arc::clone(&p), limits(10_000, 3, 100));
    let pending: Vec<_> = (0..12)
        .map(|i| {
            actix_rt::spawn(addr.send(SendCode(Delivery::sms("380501234522", format!("{i:06}")))))
        })
        .collect();
    for _ in 0..12 {
        entered.recv().await.unwrap();
        assert!(p.in_flight.load(Ordering::SeqCst) <= 3);
        p.release.add_permits(1);
    }
    for r in pending {
        r.await.unwrap().unwrap().unwrap();
    }
    assert_eq!(p.peak.load(Ordering::SeqCst), 3);
}

#[actix_rt::test]
async fn a_voice_delivery_sent_to_the_sms_actor_is_refused() {
    let (p, _entered) = Scripted::new(1);
    let addr = sms_actor(p, limits(1000, 1, 1));
    let r = addr
        .send(SendCode(Delivery::voice(
            "380501234522",
            "123456",
            Lang::En,
        )))
        .await
        .unwrap();
    assert!(matches!(r, Err(DeliveryError::WrongChannel)), "{r:?}");
}

#[actix_rt::test]
async fn bad_limits_and_outboxes_stop_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (sms, mut voice) = simulated(dir.path());
    voice.max_concurrent = 0;
    let err = start_channels(&sms, &voice).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[voice] max_concurrent: must be at least 1"
    );

    let blocker = dir.path().join("file");
    fs::write(&blocker, b"").unwrap();
    let (mut sms, voice) = simulated(dir.path());
    sms.outbox = blocker.join("sms.jsonl");
    let err = start_channels(&sms, &voice).unwrap_err();
    assert!(
        matches!(err, ChannelError::Outbox { section: "sms", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("sms.jsonl"), "{err}");
}

#[test]
fn starting_outside_a_system_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (sms, voice) = simulated(dir.path());
    assert!(matches!(
        start_channels(&sms, &voice),
        Err(ChannelError::NoSystem)
    ));
}

#[test]
fn debug_of_a_message_hides_the_code() {
    let shown = format!("{:?}", SendCode(Delivery::sms("380501234522", "987654")));
    assert!(!shown.contains("987654"), "{shown}");
}
