//! Persistent sessions (docs/protocol.md §1.7): a logged-in device with clean_session=false keeps its
//! unacknowledged replies across disconnects and takeovers, gets them again with DUP
//! and the same packet id, and loses them after `session.expiry_secs`.

use mqtt::{
    control::variable_header::ConnectReturnCode,
    packet::{ConnectPacket, PubackPacket, PublishPacket, QoSWithPacketIdentifier, VariablePacket},
    TopicName,
};

use mqtt::packet::EncodablePacket;

use crate::{
    auth::register,
    support::{
        etf::Auth,
        harness::{events_topic, TestServer},
        raw::Raw,
    },
};

/// Connects `id` with `token`; the CONNACK's session-present flag.
fn login(server: &TestServer, id: &str, token: &str, clean: bool) -> (Raw, bool) {
    let mut raw = Raw::open(server);
    let mut c = ConnectPacket::new(id);
    c.set_clean_session(clean);
    c.set_user_name(Some("ignored".into()));
    c.set_password(Some(token.into()));
    raw.send(c);
    match raw.recv() {
        VariablePacket::ConnackPacket(a) => {
            assert_eq!(
                a.connect_return_code(),
                ConnectReturnCode::ConnectionAccepted
            );
            (raw, a.connack_flags().session_present)
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

/// Sends a `login` request at QoS 1 and returns the reply PUBLISH without acking it.
fn unacked_reply(raw: &mut Raw, id: &str, token: &str) -> PublishPacket {
    let topic = TopicName::new(events_topic(id)).unwrap();
    let payload = Auth::token(token).encode("login");
    raw.send(PublishPacket::new(
        topic,
        QoSWithPacketIdentifier::Level1(1),
        payload,
    ));
    loop {
        match raw.recv() {
            VariablePacket::PubackPacket(_) => continue,
            VariablePacket::PublishPacket(p) => return p,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The DUP flag as sent (mqtt-protocol 0.12's `PublishPacket::dup()` tests the wrong
/// bit, so the fixed header is read directly).
fn dup(p: &PublishPacket) -> bool {
    p.fixed_header().packet_type.flags() & 0x08 != 0
}

fn next_publish(raw: &mut Raw) -> PublishPacket {
    loop {
        match raw.recv() {
            VariablePacket::PublishPacket(p) => return p,
            VariablePacket::PubackPacket(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn unacknowledged_replies_are_redelivered_with_dup_on_reconnect() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_keep1", "380502220001").await;
    let (mut first, present) = login(&server, &id, &token, false);
    assert!(!present, "nothing kept yet");
    let reply = unacked_reply(&mut first, &id, &token);
    let (_, pkid) = reply.qos().split();
    assert!(!dup(&reply));
    drop(first);

    let (mut second, present) = login(&server, &id, &token, false);
    assert!(present, "the session was kept");
    let again = next_publish(&mut second);
    assert!(dup(&again), "redelivery carries DUP");
    assert_eq!(again.qos().split().1, pkid, "same packet id");
    assert_eq!(again.payload(), reply.payload());
    second.send(PubackPacket::new(pkid.unwrap()));
    drop(second);

    // Acknowledged: nothing more to redeliver, yet the session itself is kept.
    let (mut third, present) = login(&server, &id, &token, false);
    assert!(present);
    // The next publish is the answer to a fresh request, not an old reply.
    let fresh = unacked_reply(&mut third, &id, &token);
    assert!(!dup(&fresh));
}

#[tokio::test]
async fn a_takeover_hands_the_session_to_the_new_connection() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_keep2", "380502220002").await;
    let (mut first, _) = login(&server, &id, &token, false);
    let reply = unacked_reply(&mut first, &id, &token);
    let (mut second, present) = login(&server, &id, &token, false);
    first.wait_closed();
    assert!(present);
    let again = next_publish(&mut second);
    assert!(dup(&again));
    assert_eq!(again.payload(), reply.payload());
}

#[tokio::test]
async fn clean_session_discards_what_was_kept() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_keep3", "380502220003").await;
    let (mut first, _) = login(&server, &id, &token, false);
    unacked_reply(&mut first, &id, &token);
    drop(first);
    let (mut clean, present) = login(&server, &id, &token, true);
    assert!(!present, "clean_session=true starts afresh");
    let fresh = unacked_reply(&mut clean, &id, &token);
    assert!(!dup(&fresh));
    drop(clean);
    // And a clean session is not kept either.
    let (_, present) = login(&server, &id, &token, false);
    assert!(!present);
}

#[tokio::test]
async fn kept_sessions_expire() {
    let server = TestServer::with(|c| c.session.expiry_secs = 1);
    let (token, id) = register(&server, "emqttd_reg_keep4", "380502220004").await;
    let (mut first, _) = login(&server, &id, &token, false);
    unacked_reply(&mut first, &id, &token);
    drop(first);
    // Wait for the server to have noticed the disconnect: a takeover-free reconnect
    // before expiry would resume, so poll the registry until the session is parked.
    let deadline = std::time::Instant::now() + crate::support::harness::DEADLINE;
    loop {
        let (live, parked) = server
            .registry
            .send(roster_server::registry::Counts)
            .await
            .unwrap();
        if live == 0 && parked == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never parked");
        tokio::task::yield_now().await;
    }
    // The expiry is time passing: wait it out, then the session is gone.
    std::thread::sleep(std::time::Duration::from_millis(1300));
    let (_, present) = login(&server, &id, &token, false);
    assert!(!present, "expired after session.expiry_secs");
}
