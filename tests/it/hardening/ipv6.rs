//! Per-address limits over IPv6 (`server.ipv6_prefix_len`), on a server bound to
//! `[::1]`: clients from `::1` and from a second local IPv6 address count as one
//! address when the prefix covers both, and as two when it does not.

use std::{
    net::{IpAddr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket},
    time::{Duration, Instant},
};

use mqtt::{control::variable_header::ConnectReturnCode, packet::ConnectPacket};

use crate::{
    support::harness::{TestServer, DEADLINE},
    support::raw::{connack_code, Raw},
};

/// A local IPv6 address other than `::1` (not link-local), if the host has one: the
/// source the kernel would pick towards a documentation address (a UDP connect sends
/// nothing).
fn second_local_ipv6() -> Option<Ipv6Addr> {
    let probe = UdpSocket::bind("[::]:0").ok()?;
    probe.connect("[2001:db8::1]:9").ok()?;
    match probe.local_addr().ok()?.ip() {
        IpAddr::V6(ip) if !ip.is_loopback() && !ip.is_unicast_link_local() => Some(ip),
        _ => None,
    }
}

/// A raw connection to `to` from the local address `from`.
fn open_from(from: Ipv6Addr, to: SocketAddr) -> Raw {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let stream = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v6().unwrap();
        socket.bind(SocketAddr::new(from.into(), 0)).unwrap();
        socket.connect(to).await.expect("connect")
    });
    let stream: TcpStream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    Raw(stream)
}

/// Sends a CONNECT as `id`: whether a CONNACK 0 came back (false: closed first).
fn accepted(raw: &mut Raw, id: &str) -> bool {
    raw.send(ConnectPacket::new(id));
    let mut peek = [0u8; 1];
    match raw.0.peek(&mut peek) {
        Ok(1) => {
            assert_eq!(connack_code(raw), ConnectReturnCode::ConnectionAccepted);
            true
        }
        _ => false,
    }
}

#[test]
fn one_prefix_is_one_address_for_the_connection_cap() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    }
    let Some(other) = second_local_ipv6() else {
        eprintln!("no second local IPv6 address here: skipped");
        return;
    };
    let shared = (u128::from(other) ^ u128::from(Ipv6Addr::LOCALHOST)).leading_zeros() as u8;
    // `::1` and `other` share the first `shared` bits: one address at that prefix,
    // two at any longer one.
    for (prefix, apart) in [(shared, false), (shared + 1, true), (128, true)] {
        let server = TestServer::listening(tempfile::tempdir().unwrap(), "[::1]:0", |c| {
            c.server.max_connections_per_ip = 1;
            c.server.ipv6_prefix_len = prefix;
        });
        let mut first = Raw::open(&server);
        assert!(accepted(&mut first, "emqttd_reg_v6a"), "/{prefix}: ::1");
        let mut second = open_from(other, server.addr);
        assert_eq!(
            accepted(&mut second, "emqttd_reg_v6b"),
            apart,
            "/{prefix}: {other} while ::1 holds its one connection"
        );
        // Once both are gone, the key is free again.
        drop((first, second));
        let deadline = Instant::now() + DEADLINE;
        while !accepted(&mut open_from(other, server.addr), "emqttd_reg_v6c") {
            assert!(Instant::now() < deadline, "/{prefix}: never released");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
