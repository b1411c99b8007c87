//! docs/protocol.md §1 at the byte level, where a library client would not misbehave: oversize
//! headers, silence, packets before CONNECT, bad CONNECTs, duplicate QoS 2 publishes.

use std::{
    io::Write,
    time::{Duration, Instant},
};

use mqtt::{
    control::variable_header::ConnectReturnCode,
    packet::{ConnectPacket, PublishPacket, PubrelPacket, QoSWithPacketIdentifier, VariablePacket},
    TopicName,
};

use crate::support::{
    harness::{events_topic, invalid_data_term, rss_kib, term, unknown_request, TestServer},
    raw::{connack_code, Raw},
};

#[test]
fn oversize_header_closes_the_connection_without_buffering() {
    let server = TestServer::with(|c| c.server.max_packet_size = 4096);
    let mut raw = Raw::connect(&server, "emqttd_reg_big", 0);
    // PUBLISH claiming 256 MB; nothing of the body follows.
    raw.0.write_all(&[0x30, 0x80, 0x80, 0x80, 0x01]).unwrap();
    raw.wait_closed();
    // Just over the limit is refused too, just under is fine.
    let mut ok = Raw::connect(&server, "emqttd_reg_big2", 0);
    let topic = TopicName::new(events_topic("emqttd_reg_big2")).unwrap();
    ok.send(PublishPacket::new(
        topic,
        QoSWithPacketIdentifier::Level0,
        unknown_request(),
    ));
    assert!(matches!(ok.recv(), VariablePacket::PublishPacket(_)));
}

#[test]
fn a_silent_client_is_closed_after_one_and_a_half_keep_alives() {
    let server = TestServer::start();
    let mut raw = Raw::connect(&server, "emqttd_reg_quiet", 1);
    let start = Instant::now();
    raw.wait_closed();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(1400),
        "closed too early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(4),
        "closed too late: {waited:?}"
    );
}

#[test]
fn pings_keep_a_client_alive() {
    let server = TestServer::start();
    let mut raw = Raw::connect(&server, "emqttd_reg_pinger", 1);
    let start = Instant::now();
    // Four pings 0.8 s apart outlive 1.5 × keep-alive several times over.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(800)); // the client's own ping cadence
        raw.send(mqtt::packet::PingreqPacket::new());
        assert!(matches!(raw.recv(), VariablePacket::PingrespPacket(_)));
    }
    assert!(start.elapsed() > Duration::from_secs(3));
}

#[test]
fn no_connect_within_the_timeout_closes_the_socket() {
    let server = TestServer::with(|c| c.server.connect_timeout_secs = 1);
    let start = Instant::now();
    let mut raw = Raw::open(&server);
    raw.wait_closed();
    assert!(start.elapsed() >= Duration::from_millis(900));
}

#[test]
fn packets_before_connect_close_the_socket() {
    let server = TestServer::start();
    let mut raw = Raw::open(&server);
    raw.send(mqtt::packet::PingreqPacket::new());
    raw.wait_closed();
}

#[test]
fn wrong_protocol_level_gets_connack_1() {
    let server = TestServer::start();
    let mut raw = Raw::open(&server);
    let c = ConnectPacket::with_level("MQTT", "emqttd_reg_v5", 5).unwrap();
    raw.send(c);
    assert_eq!(
        connack_code(&mut raw),
        ConnectReturnCode::UnacceptableProtocolVersion
    );
    raw.wait_closed();
}

#[test]
fn mqtt_3_1_is_accepted() {
    let server = TestServer::start();
    let mut raw = Raw::open(&server);
    raw.send(ConnectPacket::with_level("MQIsdp", "emqttd_reg_old", 3).unwrap());
    assert_eq!(
        connack_code(&mut raw),
        ConnectReturnCode::ConnectionAccepted
    );
}

#[test]
fn wrong_protocol_name_closes_without_connack() {
    let server = TestServer::start();
    let mut raw = Raw::open(&server);
    raw.send(ConnectPacket::with_level("MQTX", "emqttd_reg_x", 4).unwrap());
    raw.wait_closed();
}

#[test]
fn reserved_connect_flag_closes() {
    let server = TestServer::start();
    let mut raw = Raw::open(&server);
    // CONNECT, "MQTT" level 4, flags 0x03 (reserved bit set, clean session), ka 0, id "reg_r".
    let body = [
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x03, 0x00, 0x00, 0x00, 0x05, b'r', b'e', b'g',
        b'_', b'r',
    ];
    let mut pkt = vec![0x10, body.len() as u8];
    pkt.extend_from_slice(&body);
    raw.0.write_all(&pkt).unwrap();
    raw.wait_closed();
}

#[test]
fn empty_and_non_utf8_client_ids_are_refused() {
    let server = TestServer::start();
    let mut raw = Raw::open(&server);
    raw.send(ConnectPacket::new(""));
    assert_eq!(
        connack_code(&mut raw),
        ConnectReturnCode::IdentifierRejected
    );
    // Client id bytes 0xFF 0xFE are not UTF-8: a malformed packet, closed at once.
    let mut raw = Raw::open(&server);
    let body = [
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x02, 0xFF, 0xFE,
    ];
    let mut pkt = vec![0x10, body.len() as u8];
    pkt.extend_from_slice(&body);
    raw.0.write_all(&pkt).unwrap();
    raw.wait_closed();
}

#[test]
fn a_duplicate_qos2_publish_is_processed_once() {
    let server = TestServer::start();
    let id = "emqttd_reg_once";
    let mut raw = Raw::connect(&server, id, 0);
    let topic = TopicName::new(events_topic(id)).unwrap();
    let publish = PublishPacket::new(topic, QoSWithPacketIdentifier::Level2(7), unknown_request());
    let mut dup = publish.clone();
    dup.set_dup(true);
    raw.send(publish);
    raw.send(dup);
    raw.send(PubrelPacket::new(7));
    // Expected, in some order: PUBREC 7 twice, PUBCOMP 7, and exactly one reply.
    let (mut pubrecs, mut pubcomps, mut replies) = (0, 0, 0);
    while pubrecs < 2 || pubcomps < 1 || replies < 1 {
        match raw.recv() {
            VariablePacket::PubrecPacket(p) => {
                assert_eq!(p.packet_identifier(), 7);
                pubrecs += 1
            }
            VariablePacket::PubcompPacket(p) => {
                assert_eq!(p.packet_identifier(), 7);
                pubcomps += 1
            }
            VariablePacket::PublishPacket(p) => {
                assert_eq!(term(p.payload()), invalid_data_term());
                // Our reply is QoS 2: complete its flow.
                if let (_, Some(pkid)) = p.qos().split() {
                    raw.send(mqtt::packet::PubrecPacket::new(pkid));
                }
                replies += 1
            }
            VariablePacket::PubrelPacket(p) => {
                raw.send(mqtt::packet::PubcompPacket::new(p.packet_identifier()))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // A fresh id after PUBREL is a new message: one more reply, and only one.
    let topic = TopicName::new(events_topic(id)).unwrap();
    raw.send(PublishPacket::new(
        topic,
        QoSWithPacketIdentifier::Level1(8),
        unknown_request(),
    ));
    let mut publishes = 0;
    let mut acked = false;
    while !(acked && publishes == 1) {
        match raw.recv() {
            VariablePacket::PubackPacket(p) => acked = p.packet_identifier() == 8,
            VariablePacket::PublishPacket(_) => publishes += 1,
            VariablePacket::PubrelPacket(p) => {
                raw.send(mqtt::packet::PubcompPacket::new(p.packet_identifier()))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn max_connections_refuses_beyond_the_limit() {
    let server = TestServer::with(|c| c.server.max_connections = 2);
    let _a = Raw::connect(&server, "emqttd_reg_c1", 0);
    let _b = Raw::connect(&server, "emqttd_reg_c2", 0);
    let mut c = Raw::open(&server);
    c.wait_closed();
}

#[test]
fn a_flood_of_oversize_claims_is_closed_and_memory_stays_bounded() {
    let server = TestServer::with(|c| c.server.max_packet_size = 262_144);
    let before = rss_kib();
    let mut socks: Vec<Raw> = (0..100)
        .map(|i| Raw::connect(&server, &format!("emqttd_reg_flood{i}"), 0))
        .collect();
    for s in socks.iter_mut() {
        // Each claims 256 MB.
        s.0.write_all(&[0x30, 0x80, 0x80, 0x80, 0x01, 0x00, 0x05])
            .unwrap();
    }
    for s in socks.iter_mut() {
        s.wait_closed();
    }
    let grown = rss_kib().saturating_sub(before);
    // 100 × 256 MB were claimed; a few MB of growth at most is allowed.
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
}

#[test]
fn a_qos1_request_is_acknowledged_with_its_reply_and_other_publishes_at_once() {
    let server = TestServer::start();
    let id = "emqttd_reg_acker";
    let mut raw = Raw::connect(&server, id, 0);
    // Elsewhere: nothing to answer, PUBACK at once.
    raw.send(PublishPacket::new(
        TopicName::new("elsewhere/x").unwrap(),
        QoSWithPacketIdentifier::Level1(3),
        b"ignored".to_vec(),
    ));
    match raw.recv() {
        VariablePacket::PubackPacket(p) => assert_eq!(p.packet_identifier(), 3),
        other => panic!("expected PUBACK 3, got {other:?}"),
    }
    // A request: PUBACK, then the reply, in one go.
    raw.send(PublishPacket::new(
        TopicName::new(events_topic(id)).unwrap(),
        QoSWithPacketIdentifier::Level1(4),
        unknown_request(),
    ));
    match raw.recv() {
        VariablePacket::PubackPacket(p) => assert_eq!(p.packet_identifier(), 4),
        other => panic!("expected PUBACK 4 first, got {other:?}"),
    }
    match raw.recv() {
        VariablePacket::PublishPacket(p) => assert_eq!(term(p.payload()), invalid_data_term()),
        other => panic!("expected the reply, got {other:?}"),
    }
}
