//! Bounds in time and count on what a connection may leave open: a packet left
//! incomplete (`server.packet_timeout_secs`, whatever the keep-alive), a registering
//! connection silent at keep-alive 0 (`session.max_anonymous_idle_secs`), and QoS 2
//! publishes never released (at most `session.max_inflight` awaiting PUBREL).

use std::{
    io::Write,
    time::{Duration, Instant},
};

use mqtt::{
    packet::{PublishPacket, PubrelPacket, QoSWithPacketIdentifier, VariablePacket},
    TopicName,
};

use crate::{
    auth::register,
    budgets::raw_login,
    support::{
        harness::{rss_kib, TestServer},
        logs,
        raw::Raw,
    },
};

/// The fixed header of a PUBLISH announcing `len` bytes, then all of them but `short`.
fn nearly_complete(len: usize, short: usize) -> Vec<u8> {
    let mut out = vec![0x30];
    let mut n = len;
    loop {
        let digit = (n % 128) as u8;
        n /= 128;
        out.push(if n > 0 { digit | 0x80 } else { digit });
        if n == 0 {
            break;
        }
    }
    // Topic "x/y", then the payload.
    out.extend_from_slice(&[0, 3, b'x', b'/', b'y']);
    out.resize(out.len() + len - 5 - short, 0);
    out
}

/// Waits for the server to close `raw`; how long it took.
fn closed_after(raw: &mut Raw) -> Duration {
    let start = Instant::now();
    raw.wait_closed();
    start.elapsed()
}

#[test]
fn a_packet_left_incomplete_is_closed_after_the_packet_timeout() {
    let server = TestServer::with(|c| {
        c.server.packet_timeout_secs = 1;
        c.session.max_anonymous_idle_secs = 0;
    });
    let before = rss_kib();
    let mut held: Vec<Raw> = (0..50)
        .map(|i| Raw::connect(&server, &format!("emqttd_reg_partial{i}"), 0))
        .collect();
    for raw in &mut held {
        raw.0.write_all(&nearly_complete(262_139, 4)).unwrap();
    }
    let grown = rss_kib().saturating_sub(before);
    for raw in &mut held {
        let waited = closed_after(raw);
        assert!(waited < Duration::from_secs(4), "closed after {waited:?}");
    }
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
    assert!(!logs::containing("server.packet_timeout_secs").is_empty());
    // A small packet one byte short is closed too, and not before the timeout.
    let mut late = Raw::connect(&server, "emqttd_reg_partial_late", 0);
    late.0.write_all(&nearly_complete(1000, 1)).unwrap();
    let waited = closed_after(&mut late);
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "closed after {waited:?}"
    );
}

#[test]
fn packets_that_each_complete_in_time_are_not_cut_off() {
    let server = TestServer::with(|c| c.server.packet_timeout_secs = 1);
    let mut raw = Raw::connect(&server, "emqttd_reg_steady", 0);
    // Each PINGREQ arrives in two halves 0.6 s apart: every packet takes less than
    // the timeout, the stream as a whole several times more.
    for _ in 0..4 {
        raw.0.write_all(&[0xC0]).unwrap();
        std::thread::sleep(Duration::from_millis(600));
        raw.0.write_all(&[0x00]).unwrap();
        assert!(matches!(raw.recv(), VariablePacket::PingrespPacket(_)));
    }
}

#[tokio::test]
async fn a_registering_connection_silent_at_keep_alive_0_is_closed() {
    let server = TestServer::with(|c| c.session.max_anonymous_idle_secs = 1);
    let (token, id) = register(&server, "emqttd_reg_idlelogin", "380505550001").await;
    let (mut logged_in, _) = raw_login(&server, &id, &token, true);
    let start = Instant::now();
    let mut anonymous = Raw::connect(&server, "emqttd_reg_idle", 0);
    anonymous.wait_closed();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(4),
        "closed after {waited:?}"
    );
    // The limit is for registering connections only: a logged-in one at keep-alive 0
    // is still there, and answers.
    logged_in.send(mqtt::packet::PingreqPacket::new());
    assert!(matches!(
        logged_in.recv(),
        VariablePacket::PingrespPacket(_)
    ));
}

#[test]
fn qos2_publishes_never_released_are_bounded_by_the_window() {
    let server = TestServer::with(|c| c.session.max_inflight = 8);
    let topic = TopicName::new("x/y").unwrap();
    let publish = |id| {
        PublishPacket::new(
            topic.clone(),
            QoSWithPacketIdentifier::Level2(id),
            Vec::new(),
        )
    };
    // Released as they go: any number.
    let mut polite = Raw::connect(&server, "emqttd_reg_released", 0);
    for id in 1..=50 {
        polite.send(publish(id));
        assert!(matches!(polite.recv(), VariablePacket::PubrecPacket(_)));
        polite.send(PubrelPacket::new(id));
        assert!(matches!(polite.recv(), VariablePacket::PubcompPacket(_)));
    }
    // Never released: the ninth id waiting closes the connection. (Nine, no more:
    // bytes left unread at the close would reset the connection, losing PUBRECs.)
    let mut hoarder = Raw::connect(&server, "emqttd_reg_hoarder", 0);
    let mut all = Vec::new();
    for id in 1..=9 {
        mqtt::Encodable::encode(&VariablePacket::from(publish(id)), &mut all).unwrap();
    }
    hoarder.0.write_all(&all).unwrap();
    let mut pubrecs = 0;
    loop {
        match mqtt::Decodable::decode(&mut hoarder.0) {
            Ok(VariablePacket::PubrecPacket(_)) => pubrecs += 1,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => break,
        }
    }
    assert_eq!(pubrecs, 8, "one PUBREC per id the window holds");
    hoarder.wait_closed();
    assert!(!logs::containing("awaiting PUBREL").is_empty());
}
