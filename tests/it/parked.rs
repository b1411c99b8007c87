//! A persistent device that is away, in bytes (docs/protocol.md §1.7): profile changes
//! queued for it are coalesced (the newest replaces a queued older one), a change over
//! `session.max_session_bytes` is made good by its current profile on its return, and
//! what was kept is redelivered as the client reads, never refused.

use std::time::{Duration, Instant};

use mqtt::packet::{PubackPacket, PublishPacket, VariablePacket};

use crate::{
    auth::register,
    budgets::{big_login, compressed, get_publish, grow_profile, raw_login, set},
    support::{
        harness::{Client, TestServer, DEADLINE},
        profile_wire::{profile, Profile},
        raw::Raw,
    },
};

/// Two devices of one phone: a persistent one, parked, and one that changes the
/// profile; the parked one's id and token.
async fn parked_and_setter(
    server: &TestServer,
    tag: &str,
    phone: &str,
) -> ((String, String), Client) {
    let (token, id) = register(server, &format!("emqttd_reg_{tag}a"), phone).await;
    let (setter_token, setter_id) = register(server, &format!("emqttd_reg_{tag}b"), phone).await;
    let setter = big_login(server, &setter_id, &setter_token).await;
    let (raw, _) = raw_login(server, &id, &token, false);
    drop(raw);
    wait_parked(server, 1).await;
    ((id, token), setter)
}

/// Waits until the registry holds `n` parked sessions.
async fn wait_parked(server: &TestServer, n: usize) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (_, parked) = server
            .registry
            .send(roster_server::registry::Counts)
            .await
            .unwrap();
        if parked == n {
            return;
        }
        assert!(Instant::now() < deadline, "{parked} parked, not {n}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Sets the profile's data to `fill` repeated `len` times; the reply.
async fn set_data(dev: &mut Client, fill: u8, len: usize) -> Profile {
    let reply = dev
        .request(compressed(&set(Some(&vec![fill; len]), vec![])))
        .await;
    profile(&reply).expect("a Profile reply")
}

/// The next PUBLISH, acknowledged; PUBACKs for our own publishes are skipped.
fn next_publish(raw: &mut Raw) -> PublishPacket {
    loop {
        match raw.recv() {
            VariablePacket::PublishPacket(p) => {
                if let (_, Some(id)) = p.qos().split() {
                    raw.send(PubackPacket::new(id));
                }
                return p;
            }
            VariablePacket::PubackPacket(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The DUP flag as sent (mqtt-protocol 0.12's `dup()` tests the wrong bit).
fn dup(p: &PublishPacket) -> bool {
    use mqtt::packet::EncodablePacket;
    p.fixed_header().packet_type.flags() & 0x08 != 0
}

#[tokio::test]
async fn profile_changes_for_a_parked_device_are_coalesced() {
    let server = TestServer::start();
    let ((id, token), mut setter) = parked_and_setter(&server, "coal", "380504440001").await;
    let mut last = None;
    for i in 0..20u8 {
        last = Some(set_data(&mut setter, b'a' + i, 1000).await);
    }
    let last = last.unwrap();
    let (mut away, present) = raw_login(&server, &id, &token, false);
    assert!(present);
    let change = profile(next_publish(&mut away).payload()).expect("a Profile");
    assert_eq!(change.status, "update");
    assert_eq!((change.update, change.data), (last.update, last.data));
    // Nothing else was kept: the next message answers a request of its own.
    away.0.set_read_timeout(Some(DEADLINE)).unwrap();
    std::io::Write::write_all(&mut away.0, &get_publish(&id, 7)).unwrap();
    let answer = profile(next_publish(&mut away).payload()).expect("a Profile");
    assert_eq!(answer.status, "get", "one change was kept, not twenty");
}

#[tokio::test]
async fn a_dropped_change_is_made_good_by_the_current_profile_on_return() {
    // 64 KiB per session: a change carrying 64 KiB of data and more cannot be kept.
    let server = TestServer::with(|c| c.session.max_session_bytes = 65_536);
    let ((id, token), mut setter) = parked_and_setter(&server, "drop", "380504440002").await;
    let big = set_data(&mut setter, b'z', 65_536).await;
    let (mut away, present) = raw_login(&server, &id, &token, false);
    assert!(present);
    let current = profile(next_publish(&mut away).payload()).expect("a Profile");
    assert_eq!(
        current.status, "get",
        "its current profile, as if it had asked"
    );
    assert_eq!((current.update, current.data), (big.update, big.data));
}

#[tokio::test]
async fn what_a_returning_device_kept_is_redelivered_as_it_reads() {
    let server = TestServer::start();
    let phone = "380504440003";
    let (token, id) = register(&server, "emqttd_reg_piecesa", phone).await;
    let (setter_token, setter_id) = register(&server, "emqttd_reg_piecesb", phone).await;
    let mut setter = big_login(&server, &setter_id, &setter_token).await;
    let size = grow_profile(&mut setter).await;
    // The device reads four changes of ~375 KB and acknowledges none, then leaves.
    let (mut away, _) = raw_login(&server, &id, &token, false);
    let mut updates = Vec::new();
    for i in 0..4u8 {
        updates.push(set_data(&mut setter, b'0' + i, 65_536).await.update);
    }
    let mut seen = 0;
    while seen < 2 {
        if let VariablePacket::PublishPacket(_) = away.recv() {
            seen += 1;
        }
    }
    drop(away);
    wait_parked(&server, 1).await;
    // 1.5 MB at once would pass the 1 MiB write buffer: it goes in pieces instead,
    // each as the client has read the last.
    let (mut back, present) = raw_login(&server, &id, &token, false);
    assert!(present);
    back.0
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut got = Vec::new();
    while let Some(p) = try_next(&mut back) {
        assert!(p.payload().len() + 100 >= size);
        got.push((profile(p.payload()).expect("a Profile").update, dup(&p)));
    }
    assert_eq!(
        got.last().map(|g| g.0),
        Some(updates[3]),
        "every kept change reached it: {got:?}"
    );
    assert!(
        got.iter().any(|g| g.1),
        "unacknowledged ones carry DUP: {got:?}"
    );
    // And the connection is still open: it answers a request.
    back.0.set_read_timeout(Some(DEADLINE)).unwrap();
    std::io::Write::write_all(&mut back.0, &get_publish(&id, 9)).unwrap();
    let answer = try_next(&mut back).expect("still connected");
    assert_eq!(profile(answer.payload()).expect("a Profile").status, "get");
}

/// The next PUBLISH (acknowledged), or `None` once the connection is quiet or closed.
fn try_next(raw: &mut Raw) -> Option<PublishPacket> {
    loop {
        match mqtt::Decodable::decode(&mut raw.0) {
            Ok(VariablePacket::PublishPacket(p)) => {
                if let (_, Some(id)) = p.qos().split() {
                    raw.send(PubackPacket::new(id));
                }
                return Some(p);
            }
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}
