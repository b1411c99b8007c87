//! MQTT abuse at the socket level: floods of trickled oversize claims, random bytes,
//! malformed CONNECTs, idle sockets, the connection caps (total and per address) and
//! the per-address connection rate.

use std::{
    io::{ErrorKind, Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use mqtt::{
    packet::{
        ConnectPacket, PublishPacket, QoSWithPacketIdentifier, SubscribePacket, VariablePacket,
    },
    QualityOfService, TopicFilter, TopicName,
};

use crate::{
    auth::register,
    support::{
        harness::{events_topic, rss_kib, TestServer, DEADLINE},
        raw::Raw,
    },
};

/// Whether the server has closed `s`, without waiting: EOF or reset is closed; no
/// data yet is open.
fn is_closed(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let closed = match (&*s).read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(_) => true,
    };
    s.set_nonblocking(false).unwrap();
    closed
}

/// Writes one byte to every socket in turn, for every byte of `bytes`: each arrives
/// alone, as from a client trickling a packet. Errors (the server closed) are ignored.
fn trickle(socks: &mut [Raw], bytes: &[u8]) {
    for &b in bytes {
        for s in socks.iter_mut() {
            let _ = s.0.write_all(&[b]);
        }
    }
}

#[tokio::test]
async fn two_hundred_trickled_256mb_claims_are_closed_and_memory_stays_bounded() {
    let server = TestServer::with(|c| c.server.connect_rate_per_ip = 0);
    // Half claim 256 MB in their first packet (a CONNECT), half after CONNACK.
    let mut early: Vec<Raw> = (0..100).map(|_| Raw::open(&server)).collect();
    let mut late: Vec<Raw> = (0..100)
        .map(|i| Raw::connect(&server, &format!("emqttd_reg_trickle{i}"), 0))
        .collect();
    for s in early.iter_mut().chain(late.iter_mut()) {
        s.0.set_nodelay(true).unwrap();
    }
    let before = rss_kib();
    // Remaining length 0x80 0x80 0x80 0x01 = 2^21 × 128 = 256 MB, one byte at a time;
    // then body bytes, which the server must not wait for.
    trickle(&mut early, &[0x10, 0x80, 0x80, 0x80, 0x01]);
    trickle(&mut late, &[0x30, 0x80, 0x80, 0x80, 0x01]);
    trickle(&mut early, b"\x00\x04MQTT");
    trickle(&mut late, b"\x00\x05event");
    for s in early.iter_mut().chain(late.iter_mut()) {
        s.wait_closed();
    }
    let grown = rss_kib().saturating_sub(before);
    // 200 × 256 MB were claimed; a few MB of growth at most is allowed.
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
    let (token, id) = register(&server, "emqttd_reg_aftertrickle", "380501119901").await;
    server.login(&id, &token).await;
}

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[tokio::test]
async fn random_bytes_before_and_after_connect_are_closed() {
    // Random bytes may claim a packet under the limit and never finish it: the
    // CONNECT timeout and the keep-alive (1 s, so 1.5 s) close those.
    let server = TestServer::with(|c| c.server.connect_timeout_secs = 1);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut socks = Vec::new();
    for i in 0..40 {
        let mut s = if i % 2 == 0 {
            Raw::open(&server)
        } else {
            Raw::connect(&server, &format!("emqttd_reg_noise{i}"), 1)
        };
        let n = 1 + (rng.next() % 4096) as usize;
        let _ = s.0.write_all(&rng.bytes(n));
        socks.push(s);
    }
    for s in socks.iter_mut() {
        s.wait_closed();
    }
    let (token, id) = register(&server, "emqttd_reg_afternoise", "380501119902").await;
    server.login(&id, &token).await;
}

/// A CONNECT for `emqttd_reg_<id>` with the given flags byte (MQTT 3.1.1).
fn connect_with_flags(id: &str, flags: u8) -> Vec<u8> {
    let mut body = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, flags, 0x00, 0x00];
    body.extend_from_slice(&(id.len() as u16).to_be_bytes());
    body.extend_from_slice(id.as_bytes());
    let mut pkt = vec![0x10, body.len() as u8];
    pkt.extend_from_slice(&body);
    pkt
}

#[test]
fn malformed_connects_and_early_packets_are_closed_without_a_connack() {
    let server = TestServer::start();
    let topic = TopicName::new(events_topic("emqttd_reg_early")).unwrap();
    let early_packets: Vec<VariablePacket> = vec![
        PublishPacket::new(
            topic,
            QoSWithPacketIdentifier::Level1(1),
            crate::support::harness::unknown_request(),
        )
        .into(),
        SubscribePacket::new(
            1,
            vec![(
                TopicFilter::new("actions/1/api/emqttd_reg_early").unwrap(),
                QualityOfService::Level0,
            )],
        )
        .into(),
        mqtt::packet::DisconnectPacket::new().into(),
    ];
    for p in early_packets {
        let mut raw = Raw::open(&server);
        raw.send(p);
        raw.wait_closed();
    }
    // Will QoS 3; will QoS 1 without a will; will retain without a will.
    for flags in [0b0001_1110u8, 0b0000_1010, 0b0010_0010] {
        let mut raw = Raw::open(&server);
        raw.0
            .write_all(&connect_with_flags("emqttd_reg_will", flags))
            .unwrap();
        let mut buf = Vec::new();
        // Closed, and nothing was sent: no CONNACK for a malformed CONNECT.
        let _ = raw.0.read_to_end(&mut buf);
        assert!(buf.is_empty(), "flags {flags:#010b}: got {buf:?}");
    }
    // A second CONNECT on a live connection [MQTT-3.1.0-2].
    let mut raw = Raw::connect(&server, "emqttd_reg_twice", 0);
    raw.send(ConnectPacket::new("emqttd_reg_twice"));
    raw.wait_closed();
    // The server still serves.
    Raw::connect(&server, "emqttd_reg_stillok", 0);
}

#[tokio::test]
async fn idle_sockets_without_connect_delay_no_one_and_close_after_the_timeout() {
    let server = TestServer::with(|c| {
        c.server.connect_timeout_secs = 3;
        c.server.connect_rate_per_ip = 0;
    });
    let opened = Instant::now();
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(server.addr).expect("connect"))
        .collect();
    // A full registration while all 300 hold their slots.
    let (token, id) = register(&server, "emqttd_reg_busy", "380501119903").await;
    server.login(&id, &token).await;
    assert!(
        opened.elapsed() < Duration::from_secs(3),
        "registering took until the idle sockets' timeout"
    );
    assert!(
        idle.iter().all(|s| !is_closed(s)),
        "idle sockets are closed only at the CONNECT timeout"
    );
    for s in &idle {
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut buf = [0u8; 16];
        // EOF (or reset) with no bytes: closed without a word.
        assert!(matches!((&*s).read(&mut buf), Ok(0) | Err(_)));
    }
    assert!(opened.elapsed() >= Duration::from_millis(2900));
}

/// With a cap of 3 connections: a fourth is closed at once, before a byte is read
/// (no CONNACK, no slot taken), and a slot frees when a connection closes.
fn three_slots(server: &TestServer) {
    let mut held: Vec<Raw> = (0..3)
        .map(|i| Raw::connect(server, &format!("emqttd_reg_cap{i}"), 0))
        .collect();
    for _ in 0..10 {
        let mut extra = Raw::open(server);
        let _ = extra
            .0
            .write_all(&connect_with_flags("emqttd_reg_extra", 0x02));
        let mut buf = Vec::new();
        let _ = extra.0.read_to_end(&mut buf);
        assert!(buf.is_empty(), "refused without a CONNACK: {buf:?}");
    }
    // One leaves: its slot frees as soon as the server has seen it go.
    drop(held.pop());
    let deadline = Instant::now() + DEADLINE;
    let back = loop {
        let mut raw = Raw::open(server);
        raw.send(ConnectPacket::new("emqttd_reg_back"));
        let mut first = [0u8; 1];
        if matches!(raw.0.read(&mut first), Ok(1)) {
            assert_eq!(first[0], 0x20, "CONNACK");
            break raw;
        }
        assert!(Instant::now() < deadline, "the slot never came back");
    };
    // And the cap holds again.
    let mut extra = Raw::open(server);
    extra.wait_closed();
    drop(back);
}

#[test]
fn max_connections_refuses_cleanly_and_frees_slots_on_close() {
    three_slots(&TestServer::with(|c| c.server.max_connections = 3));
}

#[test]
fn max_connections_per_ip_refuses_cleanly_and_frees_slots_on_close() {
    three_slots(&TestServer::with(|c| c.server.max_connections_per_ip = 3));
}

#[test]
fn connections_per_address_are_rate_limited() {
    let server = TestServer::with(|c| {
        c.server.connect_rate_per_ip = 2;
        c.server.connect_burst_per_ip = 5;
    });
    let start = Instant::now();
    let _burst: Vec<Raw> = (0..5)
        .map(|i| Raw::connect(&server, &format!("emqttd_reg_rate{i}"), 0))
        .collect();
    let mut sixth = Raw::open(&server);
    sixth.send(ConnectPacket::new("emqttd_reg_rate6"));
    let mut buf = Vec::new();
    let _ = sixth.0.read_to_end(&mut buf);
    assert!(buf.is_empty(), "refused without a CONNACK: {buf:?}");
    // Half a second later the bucket holds a token again. The client retries
    // every 100 ms, as a well-behaved one would.
    let deadline = Instant::now() + DEADLINE;
    loop {
        let mut raw = Raw::open(&server);
        raw.send(ConnectPacket::new("emqttd_reg_rate7"));
        let mut first = [0u8; 1];
        if matches!(raw.0.read(&mut first), Ok(1)) {
            break;
        }
        assert!(Instant::now() < deadline, "never admitted again");
        std::thread::sleep(Duration::from_millis(100)); // the client's retry pacing
    }
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "admitted again after {:?}, faster than 2 per second",
        start.elapsed()
    );
}
