//! One session's limits against a client that misbehaves on a live connection: the
//! inflight window and the queue behind it, and the write backlog of a client that
//! does not read its replies.

use std::{io::Write, time::Instant};

use mqtt::{
    packet::{PubackPacket, PublishPacket, QoSWithPacketIdentifier, VariablePacket},
    TopicName,
};

use crate::{
    auth::register,
    support::{
        etf::{atom, bin, encode, pair, tail_token, tuple},
        harness::{events_topic, rss_kib, TestServer, DEADLINE},
        raw::Raw,
    },
};

/// `{'Auth', Token}`: refused as invalid_data with `Token` echoed, so replies can be
/// told apart.
fn tagged(token: &str) -> Vec<u8> {
    encode(&tuple(vec![atom("Auth"), bin(token)]))
}

/// Reads packets until a PUBLISH; PUBACKs for our own publishes are skipped.
fn next_publish(raw: &mut Raw) -> PublishPacket {
    loop {
        match raw.recv() {
            VariablePacket::PublishPacket(p) => return p,
            VariablePacket::PubackPacket(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The token a tagged reply echoes.
fn tag_of(p: &PublishPacket) -> String {
    let (result, tail) = crate::support::etf::io(p.payload());
    assert_eq!(result, pair("error", "invalid_data"));
    tail_token(&tail)
}

#[test]
fn a_session_holds_at_most_its_inflight_window_and_queue() {
    let server = TestServer::with(|c| {
        c.session.max_inflight = 2;
        c.session.max_queued = 3;
    });
    let id = "emqttd_reg_window";
    let mut raw = Raw::connect(&server, id, 0);
    let topic = TopicName::new(events_topic(id)).unwrap();
    let publish = |qos, tag: &str| PublishPacket::new(topic.clone(), qos, tagged(tag));
    for i in 0..10u16 {
        raw.send(publish(
            QoSWithPacketIdentifier::Level1(i + 1),
            &format!("t{i}"),
        ));
    }
    // A QoS 0 request is answered outside the window, after the ten (requests are
    // answered in order): when its reply comes, all ten replies have been made.
    raw.send(publish(QoSWithPacketIdentifier::Level0, "marker"));
    let mut window = Vec::new();
    loop {
        let p = next_publish(&mut raw);
        let tag = tag_of(&p);
        if tag == "marker" {
            break;
        }
        assert!(matches!(p.qos(), QoSWithPacketIdentifier::Level1(_)));
        window.push(p);
    }
    let tags: Vec<String> = window.iter().map(tag_of).collect();
    assert_eq!(tags, ["t0", "t1"], "only the window is in flight");
    // Acknowledging lets the queue through: the three newest; the five oldest of
    // the queue were dropped when it overflowed.
    let mut rest = Vec::new();
    for p in &window {
        raw.send(PubackPacket::new(p.qos().split().1.unwrap()));
    }
    while rest.len() < 3 {
        let p = next_publish(&mut raw);
        raw.send(PubackPacket::new(p.qos().split().1.unwrap()));
        rest.push(tag_of(&p));
    }
    assert_eq!(rest, ["t7", "t8", "t9"]);
    // Nothing else was held back: the next reply is the next request's.
    raw.send(publish(QoSWithPacketIdentifier::Level0, "last"));
    assert_eq!(tag_of(&next_publish(&mut raw)), "last");
}

#[tokio::test]
async fn a_client_that_does_not_read_its_replies_is_closed_and_memory_stays_bounded() {
    let server = TestServer::with(|c| {
        c.session.max_write_buffer_bytes = 262_144;
        c.session.max_pending_requests = 2_000;
    });
    let id = "emqttd_reg_deaf";
    let mut raw = Raw::connect(&server, id, 0);
    // A compressed request of about 100 bytes whose 60 KB token the invalid_data
    // reply echoes: 1,500 of them ask for 90 MB of replies.
    let inner = encode(&tuple(vec![atom("Auth"), bin(&"x".repeat(60_000))]));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&inner[1..]).unwrap();
    let mut payload = vec![131, 80];
    payload.extend_from_slice(&(inner.len() as u32 - 1).to_be_bytes());
    payload.extend_from_slice(&z.finish().unwrap());
    assert!(payload.len() < 200);
    let topic = TopicName::new(events_topic(id)).unwrap();
    let request = PublishPacket::new(topic, QoSWithPacketIdentifier::Level0, payload);
    let mut one = Vec::new();
    mqtt::Encodable::encode(&VariablePacket::from(request), &mut one).unwrap();
    let before = rss_kib();
    raw.0.write_all(&one.repeat(1_500)).unwrap();
    // Never reads. Pings until the server has closed the connection (a write fails).
    let deadline = Instant::now() + DEADLINE;
    while raw.0.write_all(&[0xC0, 0x00]).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still open: replies pile up unread"
        );
    }
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
    let (token, id) = register(&server, "emqttd_reg_afterdeaf", "380501119904").await;
    server.login(&id, &token).await;
}
