//! `server.proxy_protocol` end to end: HAProxy from Debian in front of roster
//! (`send-proxy-v2` and `send-proxy`), clients reaching it from their own loopback
//! addresses, and the per-address cap counting the client's address, not HAProxy's;
//! and without HAProxy, headers written by hand and connections refused (untrusted
//! addresses, no header).

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

use crate::{
    clients::have,
    support::{harness::TestServer, logs},
};

/// A roster that wants the PROXY protocol from 127.0.0.1 and lets each client
/// address hold two connections.
fn behind_proxy() -> TestServer {
    TestServer::with(|c| {
        c.server.proxy_protocol = true;
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.server.max_connections_per_ip = 2;
        c.server.connect_timeout_secs = 2;
    })
}

/// `127.0.0.<n>`.
fn lo(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A TCP connection from `from` (any port) to `to`.
async fn connect_from(from: IpAddr, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind source");
    socket.connect(to).await.expect("connect")
}

/// A CONNECT for `emqttd_reg_<id>`, MQTT 3.1.1, clean session, no keep-alive.
fn connect_packet(id: &str) -> Vec<u8> {
    let id = format!("emqttd_reg_{id}");
    let mut body = vec![0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 0];
    body.extend_from_slice(&(id.len() as u16).to_be_bytes());
    body.extend_from_slice(id.as_bytes());
    let mut p = vec![0x10, body.len() as u8];
    p.extend_from_slice(&body);
    p
}

/// What the server answered: the four bytes of a CONNACK, or `None` when it closed
/// the connection first.
async fn answer(s: &mut TcpStream) -> Option<[u8; 4]> {
    let mut got = [0u8; 4];
    let read = tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut got)).await;
    match read.expect("an answer or the close within 10 s") {
        Ok(_) => Some(got),
        Err(_) => None,
    }
}

/// Opens a connection from `from` to `to`, writes `head` then a CONNECT as `id`.
async fn mqtt(from: IpAddr, to: SocketAddr, head: &[u8], id: &str) -> (TcpStream, Option<[u8; 4]>) {
    let mut s = connect_from(from, to).await;
    s.write_all(&[head, &connect_packet(id)].concat())
        .await
        .expect("write");
    let got = answer(&mut s).await;
    (s, got)
}

const ACCEPTED: Option<[u8; 4]> = Some([0x20, 0x02, 0x00, 0x00]);

/// Debian's HAProxy (in /usr/sbin, which a user's PATH may lack).
const HAPROXY: &str = "/usr/sbin/haproxy";

/// A free port on 127.0.0.1 (bound, then released for HAProxy to take).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// `haproxy -db` with its own configuration, killed by pid when dropped.
struct Haproxy {
    /// The child process.
    child: Child,
    /// Where clients reach it.
    addr: SocketAddr,
}

impl Haproxy {
    /// HAProxy in TCP mode on a free port of 127.0.0.1, forwarding to `roster` with
    /// `send` (`send-proxy-v2` or `send-proxy`) from 127.0.0.1.
    fn start(dir: &Path, roster: SocketAddr, send: &str) -> Haproxy {
        let port = free_port();
        let cfg = dir.join("haproxy.cfg");
        let text = format!(
            "global\n  maxconn 256\n\
             defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n\
             frontend mqtt\n  bind 127.0.0.1:{port}\n  default_backend roster\n\
             backend roster\n  source 127.0.0.1\n  server roster {roster} {send}\n"
        );
        std::fs::write(&cfg, text).expect("write haproxy.cfg");
        let child = Command::new(HAPROXY)
            .arg("-f")
            .arg(&cfg)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start haproxy");
        let addr = SocketAddr::new(lo(1), port);
        let started = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "haproxy is not listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Haproxy { child, addr }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Through HAProxy sending `send`: two connections from `a` are accepted, a third is
/// refused, and one from `b` is still accepted.
async fn the_cap_counts_the_client_through(send: &str, a: IpAddr, b: IpAddr) {
    let server = behind_proxy();
    let proxy = Haproxy::start(server.dir.path(), server.addr, send);
    let (_a1, got) = mqtt(a, proxy.addr, b"", "a1").await;
    assert_eq!(got, ACCEPTED, "first from {a}");
    let (_a2, got) = mqtt(a, proxy.addr, b"", "a2").await;
    assert_eq!(got, ACCEPTED, "second from {a}");
    let (_a3, got) = mqtt(a, proxy.addr, b"", "a3").await;
    assert_eq!(
        got, None,
        "third from {a}: over server.max_connections_per_ip"
    );
    let (_b1, got) = mqtt(b, proxy.addr, b"", "b1").await;
    assert_eq!(
        got, ACCEPTED,
        "{b} is counted on its own, not as HAProxy's 127.0.0.1"
    );
    let refused = logs::containing("refused, server.max_connections_per_ip reached");
    assert!(
        refused.iter().any(|l| l.contains(&format!("{a}:"))),
        "the refusal names the client's address: {refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn haproxy_send_proxy_v2_the_cap_counts_the_client_address() {
    if !have(HAPROXY, &["-v"], true) {
        return;
    }
    the_cap_counts_the_client_through("send-proxy-v2", lo(2), lo(3)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn haproxy_send_proxy_v1_the_cap_counts_the_client_address() {
    if !have(HAPROXY, &["-v"], true) {
        return;
    }
    the_cap_counts_the_client_through("send-proxy", lo(4), lo(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_addresses_and_missing_headers_are_refused() {
    let server = behind_proxy();
    // Straight from a client address that is not a trusted proxy, header or not.
    let (_s, got) = mqtt(lo(2), server.addr, b"", "direct").await;
    assert_eq!(got, None);
    let header = b"PROXY TCP4 127.0.0.2 127.0.0.1 40000 1883\r\n";
    let (_s, got) = mqtt(lo(2), server.addr, header, "spoof").await;
    assert_eq!(got, None, "an untrusted sender's header is not believed");
    // From the trusted address without a header, and with a broken one.
    let (_s, got) = mqtt(lo(1), server.addr, b"", "noheader").await;
    assert_eq!(got, None);
    let (_s, got) = mqtt(lo(1), server.addr, b"PROXY TCP4 1.2.3.4\r\n", "broken").await;
    assert_eq!(got, None);
    // A trusted proxy that sends nothing is closed after connect_timeout_secs.
    let mut silent = connect_from(lo(1), server.addr).await;
    assert_eq!(answer(&mut silent).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_by_hand_from_the_trusted_address() {
    let server = behind_proxy();
    let v1 = |port: u16| format!("PROXY TCP4 127.0.0.7 127.0.0.1 {port} 1883\r\n").into_bytes();
    let (_c1, got) = mqtt(lo(1), server.addr, &v1(40001), "h1").await;
    assert_eq!(got, ACCEPTED);
    let (_c2, got) = mqtt(lo(1), server.addr, &v1(40002), "h2").await;
    assert_eq!(got, ACCEPTED);
    let (_c3, got) = mqtt(lo(1), server.addr, &v1(40003), "h3").await;
    assert_eq!(got, None, "127.0.0.7 holds two already");
    // v2 LOCAL (a health check) counts as the proxy itself: twice, then refused.
    let local = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
    let (_l1, got) = mqtt(lo(1), server.addr, local, "l1").await;
    assert_eq!(got, ACCEPTED);
    let (_l2, got) = mqtt(lo(1), server.addr, local, "l2").await;
    assert_eq!(got, ACCEPTED);
    let (_l3, got) = mqtt(lo(1), server.addr, local, "l3").await;
    assert_eq!(got, None, "127.0.0.1 holds two already");
    // v2 PROXY naming an IPv6 client: a third address, counted on its own.
    let mut v2 = b"\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24".to_vec();
    v2.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    v2.extend_from_slice(&[0; 15]);
    v2.extend_from_slice(&[1, 0x9c, 0x41, 0x07, 0x5b]);
    let (_v6, got) = mqtt(lo(1), server.addr, &v2, "v6").await;
    assert_eq!(got, ACCEPTED);
}
