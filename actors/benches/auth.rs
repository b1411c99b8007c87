//! Durable reg+verify pairs per second through the AuthActor on a real SQLite file in
//! `synchronous = FULL`: one pair at a time, then 256 concurrent devices, so group
//! commit carries the load. Test numbers give the fixed code (the SMS leg is the
//! channel's, measured elsewhere).
//!
//! Run: `cargo bench -p roster-actors --bench auth` (`-- PAIRS` to change the count).

use std::{sync::Arc, time::Instant};

use actix::prelude::*;
use roster_actors::{
    auth::{AuthActor, AuthCall, AuthConfig, AuthOk, AuthRequest, JwtConfig, Proof, Reg, Verify},
    caller::Caller,
    channel::{start_channels, ChannelConfig},
    hub::NoHub,
    phone::{Phone, PhoneSlot},
    profile::ProfileCache,
    secret::CodeKey,
    store::{Store, StoreConfig, Synchronous},
};

/// One device: reg, then verify with the fixed code; panics on any other answer.
async fn pair(auth: Addr<AuthActor>, n: usize) {
    let client_id = format!("reg_bench{n}");
    let caller = Caller {
        client_id: client_id.clone(),
        logged_in: false,
        token: None,
    };
    let reg = AuthRequest::Reg(Reg {
        phone: Phone::parse(&format!("99900{n:07}")).expect("a phone"),
        dev_key: None,
        services: Vec::new(),
        comments: None,
    });
    let answer = auth
        .send(AuthCall {
            caller: caller.clone(),
            req: reg,
        })
        .await
        .expect("mailbox");
    assert_eq!(answer.result, Ok(AuthOk::SmsSent));
    let verify = AuthRequest::Verify(Verify {
        token: answer.issued.expect("a token"),
        phone: PhoneSlot::Absent,
        dev_key: None,
        proof: Some(Proof::new("903182".into())),
    });
    let answer = auth
        .send(AuthCall {
            caller,
            req: verify,
        })
        .await
        .expect("mailbox");
    assert!(
        matches!(answer.result, Ok(AuthOk::Verified { .. })),
        "{answer:?}"
    );
}

async fn run(pairs: usize) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir on disk");
    let store = Store::open(&StoreConfig {
        path: dir.path().join("auth.db"),
        synchronous: Synchronous::Full,
        ..StoreConfig::default()
    })
    .expect("store");
    let mut sms = ChannelConfig::sms_default();
    sms.outbox = dir.path().join("sms.jsonl");
    let mut voice = ChannelConfig::voice_default();
    voice.outbox = dir.path().join("voice.jsonl");
    let channels = start_channels(&sms, &voice).expect("channels");
    let mut cfg = AuthConfig::default();
    cfg.test_numbers.enabled = true;
    let auth = AuthActor::new(
        store.clone(),
        channels,
        cfg,
        &JwtConfig::default(),
        CodeKey::from_bytes([9; 32]),
        Arc::new(NoHub),
        ProfileCache::new(0),
    )
    .expect("auth")
    .start();

    let serial = (pairs / 8).max(50);
    let t = Instant::now();
    for n in 0..serial {
        pair(auth.clone(), n).await;
    }
    let rate = serial as f64 / t.elapsed().as_secs_f64();
    println!("one at a time:  {serial:>6} pairs  {rate:>9.0} pairs/s");

    let before = store.stats();
    let t = Instant::now();
    let mut next = serial;
    let end = serial + pairs;
    let mut tasks = Vec::new();
    for _ in 0..256 {
        // 256 devices, each registering its share one after another.
        let auth = auth.clone();
        let start = next;
        let share = (end - start).div_ceil(256).min(end - next);
        next += share;
        tasks.push(actix_rt::spawn(async move {
            for n in start..start + share {
                pair(auth.clone(), n).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = t.elapsed().as_secs_f64();
    let after = store.stats();
    let jobs = after.write_jobs - before.write_jobs;
    let batches = (after.batches - before.batches).max(1);
    println!(
        "256 concurrent: {pairs:>6} pairs  {:>9.0} pairs/s  ({:.1} jobs per commit)",
        pairs as f64 / elapsed,
        jobs as f64 / batches as f64
    );
    store.close();
}

fn main() {
    let pairs = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    actix::System::new().block_on(run(pairs));
}
