//! MQTT rules at the byte level that `mqtt-protocol` alone lets through: a string
//! length running past the end of the packet ([MQTT-2.2.3]), U+0000 in a topic name
//! or filter ([MQTT-1.5.3-2]), SUBSCRIBE and UNSUBSCRIBE without a filter
//! ([MQTT-3.8.3-3], [MQTT-3.10.3-2]). Each closes the connection, answering nothing.

use std::io::{Read, Write};

use crate::{support::harness::TestServer, support::raw::Raw};

/// A packet of type-and-flags `first` around `body` (bodies here are < 128 bytes).
fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 128);
    let mut p = vec![first, body.len() as u8];
    p.extend_from_slice(body);
    p
}

/// A CONNECT body: "MQTT" level 4, clean session, keep-alive 0, then `client_id`
/// behind the length `claimed`.
fn connect(claimed: u16, client_id: &[u8]) -> Vec<u8> {
    let mut body = vec![0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 0];
    body.extend_from_slice(&claimed.to_be_bytes());
    body.extend_from_slice(client_id);
    packet(0x10, &body)
}

/// Sends `bytes` and reads until the server closes; what it sent back meanwhile.
fn answer_until_closed(raw: &mut Raw, bytes: &[u8]) -> Vec<u8> {
    raw.0.write_all(bytes).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        match raw.0.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                panic!("still open after {got:?}")
            }
            // A reset is a close too.
            Err(_) => return got,
        }
    }
}

#[test]
fn a_client_id_longer_than_its_connect_gets_no_connack() {
    let server = TestServer::start();
    // The id claims 100 bytes; the 12 of "emqttd_reg_x" follow, and the packet ends.
    let mut raw = Raw::open(&server);
    let got = answer_until_closed(&mut raw, &connect(100, b"emqttd_reg_x"));
    assert!(got.is_empty(), "closed without a CONNACK, got {got:?}");
    // The same CONNECT with the true length is accepted.
    let mut raw = Raw::open(&server);
    raw.0.write_all(&connect(12, b"emqttd_reg_x")).unwrap();
    assert_eq!(
        crate::support::raw::connack_code(&mut raw),
        mqtt::control::variable_header::ConnectReturnCode::ConnectionAccepted
    );
}

#[test]
fn a_topic_length_past_the_packet_closes() {
    let server = TestServer::start();
    let mut raw = Raw::connect(&server, "emqttd_reg_long", 0);
    // PUBLISH QoS 0: the topic claims 64 bytes, 6 follow.
    let got = answer_until_closed(&mut raw, &packet(0x30, b"\0\x40events"));
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn nul_in_a_topic_name_or_filter_closes() {
    let server = TestServer::start();
    let id = "emqttd_reg_nul";
    let topic = format!("events/1//api/anon/{id}/\0");
    let mut publish = (topic.len() as u16).to_be_bytes().to_vec();
    publish.extend_from_slice(topic.as_bytes());
    publish.extend_from_slice(b"payload");
    let filter = format!("actions/1/api/{id}\0");
    let mut subscribe = vec![0, 1];
    subscribe.extend_from_slice(&(filter.len() as u16).to_be_bytes());
    subscribe.extend_from_slice(filter.as_bytes());
    let unsubscribe = subscribe.clone();
    subscribe.push(1);
    for (what, bad) in [
        ("PUBLISH", packet(0x30, &publish)),
        ("SUBSCRIBE", packet(0x82, &subscribe)),
        ("UNSUBSCRIBE", packet(0xA2, &unsubscribe)),
    ] {
        let mut raw = Raw::connect(&server, id, 0);
        let got = answer_until_closed(&mut raw, &bad);
        assert!(
            got.is_empty(),
            "{what}: closed without an answer, got {got:?}"
        );
    }
}

#[test]
fn subscribe_and_unsubscribe_without_a_filter_close() {
    let server = TestServer::start();
    for (what, bad) in [
        ("SUBSCRIBE", packet(0x82, &[0, 7])),
        ("UNSUBSCRIBE", packet(0xA2, &[0, 7])),
    ] {
        let mut raw = Raw::connect(&server, "emqttd_reg_empty", 0);
        let got = answer_until_closed(&mut raw, &bad);
        assert!(got.is_empty(), "{what}: no SUBACK/UNSUBACK, got {got:?}");
    }
}
