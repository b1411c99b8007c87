//! The PROXY header reader on byte literals: each version and command, what follows
//! the header left unread, and the truncated, oversize and garbage cases refused.

use super::*;

/// The balancer's own address, as the socket shows it.
fn proxy() -> SocketAddr {
    "10.0.0.9:50000".parse().unwrap()
}

/// Reads the header from `bytes` and returns the address and what is left unread.
async fn read(bytes: &[u8]) -> (Result<SocketAddr, ProxyError>, Vec<u8>) {
    let mut r = bytes;
    let got = peer_address(&mut r, proxy(), Duration::from_secs(1)).await;
    (got, r.to_vec())
}

/// A v2 header: signature, version 2 with `command`, `family`, then `block`.
fn v2(command: u8, family: u8, block: &[u8]) -> Vec<u8> {
    let mut b = V2_SIGNATURE.to_vec();
    b.push(0x20 | command);
    b.push(family);
    b.extend_from_slice(&(block.len() as u16).to_be_bytes());
    b.extend_from_slice(block);
    b
}

/// The CONNECT that follows every header below: it must be left for the session.
const CONNECT: &[u8] = b"\x10\x0d\0\x04MQTT\x04\x02\0\x3c\0\x01x";

fn with_connect(header: &[u8]) -> Vec<u8> {
    [header, CONNECT].concat()
}

#[tokio::test]
async fn v1_tcp4_gives_the_source_and_leaves_the_rest() {
    let (got, rest) = read(&with_connect(
        b"PROXY TCP4 127.0.0.2 127.0.0.1 40001 1883\r\n",
    ))
    .await;
    assert_eq!(got.unwrap(), "127.0.0.2:40001".parse().unwrap());
    assert_eq!(rest, CONNECT);
}

#[tokio::test]
async fn v1_tcp6_gives_the_source() {
    let line = b"PROXY TCP6 2001:db8::7 2001:db8::1 65535 1883\r\n";
    let (got, rest) = read(&with_connect(line)).await;
    assert_eq!(got.unwrap(), "[2001:db8::7]:65535".parse().unwrap());
    assert_eq!(rest, CONNECT);
}

#[tokio::test]
async fn v1_unknown_keeps_the_proxy_address() {
    // The shortest header there is, then one with (ignored) addresses.
    let (got, rest) = read(&with_connect(b"PROXY UNKNOWN\r\n")).await;
    assert_eq!(got.unwrap(), proxy());
    assert_eq!(rest, CONNECT);
    let (got, rest) = read(&with_connect(b"PROXY UNKNOWN ::1 ::1 1 2\r\n")).await;
    assert_eq!(got.unwrap(), proxy());
    assert_eq!(rest, CONNECT);
}

#[tokio::test]
async fn v2_proxy_tcp4_and_tcp6_give_the_source() {
    // PROXY, TCP over IPv4: 127.0.0.3:40002 -> 127.0.0.1:1883.
    let h = v2(
        1,
        0x11,
        &[127, 0, 0, 3, 127, 0, 0, 1, 0x9c, 0x42, 0x07, 0x5b],
    );
    let (got, rest) = read(&with_connect(&h)).await;
    assert_eq!(got.unwrap(), "127.0.0.3:40002".parse().unwrap());
    assert_eq!(rest, CONNECT);
    // PROXY, TCP over IPv6: [2001:db8::7]:443 -> [::1]:1883.
    let mut block = vec![0x20, 0x01, 0x0d, 0xb8];
    block.extend_from_slice(&[0; 11]);
    block.push(7);
    block.extend_from_slice(&[0; 15]);
    block.push(1);
    block.extend_from_slice(&[0x01, 0xbb, 0x07, 0x5b]);
    let (got, rest) = read(&with_connect(&v2(1, 0x21, &block))).await;
    assert_eq!(got.unwrap(), "[2001:db8::7]:443".parse().unwrap());
    assert_eq!(rest, CONNECT);
}

#[tokio::test]
async fn v2_tlvs_are_skipped() {
    // An IPv4 block, then a NOOP TLV of 3 bytes (type 4, length 3).
    let block = [127, 0, 0, 3, 127, 0, 0, 1, 0, 1, 0, 2, 4, 0, 3, 9, 9, 9];
    let (got, rest) = read(&with_connect(&v2(1, 0x11, &block))).await;
    assert_eq!(got.unwrap(), "127.0.0.3:1".parse().unwrap());
    assert_eq!(rest, CONNECT);
}

#[tokio::test]
async fn v2_local_and_unspecified_keep_the_proxy_address() {
    // LOCAL (a health check): no address block at all.
    let (got, rest) = read(&with_connect(&v2(0, 0x00, &[]))).await;
    assert_eq!(got.unwrap(), proxy());
    assert_eq!(rest, CONNECT);
    // LOCAL with an address block, which the receiver ignores.
    let h = v2(0, 0x11, &[1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2]);
    assert_eq!(read(&h).await.0.unwrap(), proxy());
    // PROXY with the UNSPEC family.
    assert_eq!(read(&v2(1, 0x00, &[])).await.0.unwrap(), proxy());
}

#[tokio::test]
async fn truncated_headers_are_refused() {
    for cut in [
        &b"PROXY TCP4 127.0.0.2 127.0.0.1 40001 1883"[..],
        &b"PROXY"[..],
        &v2(1, 0x11, &[127, 0, 0, 3, 127, 0, 0, 1, 0, 1, 0, 2])[..20],
        &V2_SIGNATURE[..],
    ] {
        let (got, _) = read(cut).await;
        assert!(matches!(got, Err(ProxyError::Io(_))), "{cut:?}: {got:?}");
    }
}

#[tokio::test]
async fn an_address_block_shorter_than_its_family_is_malformed() {
    // IPv4 claims 12 bytes of addresses; the header carries 4.
    let (got, _) = read(&v2(1, 0x11, &[127, 0, 0, 3])).await;
    assert!(matches!(got, Err(ProxyError::Malformed(_))), "{got:?}");
}

#[tokio::test]
async fn oversize_headers_are_refused_without_reading_on() {
    // A v1 line with no CRLF in its first 107 bytes.
    let mut long = b"PROXY TCP4 ".to_vec();
    long.resize(200, b'1');
    let (got, rest) = read(&long).await;
    assert!(matches!(got, Err(ProxyError::TooLong(107))), "{got:?}");
    assert_eq!(rest.len(), 200 - 107, "stops at the bound");
    // A v2 header announcing 217 bytes of addresses and TLVs.
    let (got, rest) = read(&v2(1, 0x11, &[0; 217])).await;
    assert!(matches!(got, Err(ProxyError::TooLong(232))), "{got:?}");
    assert_eq!(rest.len(), 217, "nothing past the fixed 16 bytes is read");
    // 216 is the most, and accepted.
    let mut block = vec![127, 0, 0, 3, 127, 0, 0, 1, 0, 1, 0, 2, 4, 0, 201];
    block.resize(216, 0);
    assert_eq!(
        read(&v2(1, 0x11, &block)).await.0.unwrap(),
        "127.0.0.3:1".parse().unwrap()
    );
}

#[tokio::test]
async fn garbage_is_refused() {
    // A client speaking MQTT straight to a PROXY-protocol listener.
    let (got, _) = read(&with_connect(b"")).await;
    assert!(matches!(got, Err(ProxyError::NotProxy)), "{got:?}");
    for bad in [
        &b"PROXY TCP5 127.0.0.2 127.0.0.1 1 2\r\n"[..],
        &b"PROXY TCP4 127.0.0.2 127.0.0.1 1\r\n"[..],
        &b"PROXY TCP4 ::1 ::1 1 2\r\n"[..],
        &b"PROXY TCP4 127.0.0.2 127.0.0.1 70000 2\r\n"[..],
        &b"PROXY TCP4 127.0.0.2 127.0.0.1 1 2\n\r\n"[..],
    ] {
        let (got, _) = read(bad).await;
        assert!(
            matches!(got, Err(ProxyError::Malformed(_))),
            "{bad:?}: {got:?}"
        );
    }
    // v2 with version 1 in its high nibble, and with command 2.
    let mut h = v2(1, 0x11, &[0; 12]);
    h[12] = 0x11;
    assert!(matches!(read(&h).await.0, Err(ProxyError::Malformed(_))));
    assert!(matches!(
        read(&v2(2, 0x11, &[0; 12])).await.0,
        Err(ProxyError::Malformed(_))
    ));
}

#[tokio::test]
async fn a_header_that_does_not_come_times_out() {
    let (mut client, mut server) = tokio::io::duplex(64);
    tokio::io::AsyncWriteExt::write_all(&mut client, b"PROXY TCP4 127.0.0.2 ")
        .await
        .unwrap();
    let got = peer_address(&mut server, proxy(), Duration::from_millis(50)).await;
    assert!(matches!(got, Err(ProxyError::Timeout(_))), "{got:?}");
}

#[test]
fn cidrs_parse_and_match() {
    let c = |s: &str| s.parse::<Cidr>().unwrap();
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(c("127.0.0.1").contains(ip("127.0.0.1")));
    assert!(!c("127.0.0.1").contains(ip("127.0.0.2")));
    assert!(c("10.0.0.0/8").contains(ip("10.200.3.4")));
    assert!(!c("10.0.0.0/8").contains(ip("11.0.0.1")));
    assert!(
        c("10.1.2.3/8").contains(ip("10.9.9.9")),
        "host bits are cleared"
    );
    assert_eq!(c("10.1.2.3/8").to_string(), "10.0.0.0/8");
    assert!(c("0.0.0.0/0").contains(ip("203.0.113.5")));
    assert!(
        !c("0.0.0.0/0").contains(ip("2001:db8::1")),
        "families stay apart"
    );
    assert!(
        c("10.0.0.0/8").contains(ip("::ffff:10.0.0.1")),
        "mapped IPv4 is IPv4"
    );
    assert!(c("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
    assert!(!c("2001:db8::/32").contains(ip("2001:db9::1")));
    assert!(c("::/0").contains(ip("::1")));
    assert!(c("::1").contains(ip("::1")));
    for bad in [
        "",
        "10.0.0.0/33",
        "::/129",
        "10.0.0/8",
        "host.example",
        "10.0.0.0/x",
    ] {
        let err = bad.parse::<Cidr>().unwrap_err();
        assert!(err.contains(&format!("{bad:?}")), "{err}");
    }
    let list = [c("10.0.0.0/8"), c("::1")];
    assert!(is_trusted(&list, ip("10.1.1.1")) && is_trusted(&list, ip("::1")));
    assert!(!is_trusted(&list, ip("127.0.0.1")));
    assert!(!is_trusted(&[], ip("127.0.0.1")));
}
