//! Criterion bench of the ETF edge: decode + parse of a 15-element Auth request
//! (target < 2 µs) and encode of a Profile reply with two accounts (target < 1 µs).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use roster_server::term::{decode, encode, Limits, ProfileRecord, Reply, Request, RosterRecord};

/// `{'Auth', ...}` with all 15 elements, made by OTP's `term_to_binary`.
const AUTH_15: &[u8] = include_bytes!("../src/term/vectors/auth_15_verify.bin");

fn profile_reply() -> Reply {
    let account = |id: i64, names: &str| RosterRecord {
        id,
        names: Some(names.into()),
        surnames: Some("Lee".into()),
        size: 0,
        phone: Some("380001122".into()),
        avatar: Some("https://cdn.example/a.png".into()),
        update: 1_700_000_000_000,
        status: None,
    };
    Reply::Profile(ProfileRecord {
        phone: "380001122".into(),
        data: b"{\"theme\":\"dark\"}".to_vec(),
        person_id: Some("person-1".into()),
        accounts: vec![account(1, "Ann"), account(2, "Bob")],
        update: 1_700_000_000_001,
        presence: "online",
        status: "get",
    })
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    assert!(matches!(decode(AUTH_15, &limits), Ok(Request::Auth(_))));
    c.bench_function("decode auth 15", |b| {
        b.iter(|| decode(black_box(AUTH_15), &limits))
    });
    let reply = profile_reply();
    c.bench_function("encode profile 2 accounts", |b| {
        b.iter(|| encode(black_box(&reply)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
