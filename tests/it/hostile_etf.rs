//! docs/protocol.md §2 over MQTT: hostile ETF payloads. Each one gets `{error,invalid_data}` (or,
//! beyond the packet size, a closed connection); the server's memory stays bounded,
//! and a new client completes a registration right after.

use std::io::Write;

use flate2::{write::ZlibEncoder, Compression};
use rumqttc::QoS;

use crate::{
    auth::register,
    support::{
        etf::{io, pair, Auth},
        harness::{events_topic, rss_kib, TestServer},
    },
};

/// `131` and a term.
fn etf(term: &[u8]) -> Vec<u8> {
    let mut p = vec![131];
    p.extend_from_slice(term);
    p
}

/// `{'Auth', X, [], ...}` with `inner` (raw term bytes) in the token slot: the trap
/// sits where a real request's field would be.
fn in_auth(inner: &[u8]) -> Vec<u8> {
    let mut p = vec![131, 104, 12, 119, 4, b'A', b'u', b't', b'h'];
    p.extend_from_slice(inner);
    p.extend(std::iter::repeat_n(106, 11));
    p
}

/// A compressed term (tag 80) declaring `declared` bytes, inflating to `inner`.
fn compressed(declared: u32, inner: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(inner).unwrap();
    let mut p = vec![131, 80];
    p.extend_from_slice(&declared.to_be_bytes());
    p.extend_from_slice(&z.finish().unwrap());
    p
}

/// `opener` repeated `levels` times around `[]`.
fn nested(opener: &[u8], levels: usize) -> Vec<u8> {
    let mut p = vec![131];
    for _ in 0..levels {
        p.extend_from_slice(opener);
    }
    p.push(106);
    p
}

/// Every hostile payload, named for the failure message. All fit a 262,144-byte packet.
fn hostile() -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, p: Vec<u8>| all.push((name.to_owned(), p));
    // Tags a naive decoder leaves unimplemented (and panics on), bare and in a field:
    // atom cache ref, distribution header, old float, refs, ports, pids, funs,
    // export, bit binary, map, local.
    for tag in [
        82u8, 68, 99, 101, 102, 103, 112, 113, 114, 117, 77, 88, 89, 90, 116, 120, 121,
    ] {
        add(&format!("tag {tag}"), etf(&[tag, 0, 0, 0, 1, 0, 0, 0, 0]));
        add(
            &format!("tag {tag} in a field"),
            in_auth(&[tag, 0, 0, 0, 1, 0]),
        );
    }
    // Length prefixes far beyond the bytes that follow.
    let huge = [0xFF, 0xFF, 0xFF, 0xFF];
    for (name, tag) in [
        ("list", 108u8),
        ("binary", 109),
        ("tuple", 105),
        ("map", 116),
    ] {
        let mut t = vec![tag];
        t.extend_from_slice(&huge);
        t.extend_from_slice(&[106, 106]);
        add(&format!("huge {name}"), etf(&t));
        add(&format!("huge {name} in a field"), in_auth(&t));
    }
    let mut bignum = vec![111];
    bignum.extend_from_slice(&huge);
    bignum.extend_from_slice(&[0, 1, 2, 3]);
    add("huge bignum", etf(&bignum));
    add("huge bignum in a field", in_auth(&bignum));
    add("huge small bignum", etf(&[110, 255, 0, 1]));
    add("huge string", etf(&[107, 0xFF, 0xFF, b'a']));
    add("huge atom", etf(&[118, 0xFF, 0xFF, b'a']));
    add(
        "bignum beyond i64",
        etf(&[110, 9, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    );
    // Deep nesting, within the payload size: tuples, lists, and list tails.
    add("deep tuples", nested(&[104, 1], 30_000));
    add("deep lists", nested(&[108, 0, 0, 0, 1], 12_000));
    add("deep list tails", nested(&[108, 0, 0, 0, 1, 97, 1], 9_000));
    // Wide: more elements than max_list_len, and more terms than max_elements.
    let mut wide = vec![108, 0, 0, 0xEA, 0x60];
    wide.extend(std::iter::repeat_n(106, 60_001));
    add("list longer than max_list_len", etf(&wide));
    // zlib bombs: one that declares its real size, one that lies (declares little,
    // inflates to 4 MB), one that declares more than it holds.
    add("honest zlib bomb", compressed(4 << 20, &vec![106; 4 << 20]));
    add("lying zlib bomb", compressed(200_000, &vec![106; 4 << 20]));
    add("short zlib", compressed(200_000, &[106]));
    add("corrupt zlib", {
        let mut p = compressed(100, &[106]);
        let n = p.len();
        p[n - 3] ^= 0xFF;
        p
    });
    add("compressed inside compressed", {
        let inner = compressed(1, &[106]);
        compressed(inner.len() as u32 - 1, &inner[1..])
    });
    // Truncated: a real request cut at every length.
    let whole = Auth {
        phone: Some("380501119999"),
        dev_key: Some("DEV"),
        ..Default::default()
    }
    .encode("reg");
    for cut in [1, 2, 3, 9, whole.len() / 2, whole.len() - 1] {
        add(&format!("truncated at {cut}"), whole[..cut].to_vec());
    }
    add("empty payload", Vec::new());
    add("no version byte", whole[1..].to_vec());
    add("bytes after the term", [whole.as_slice(), &[106]].concat());
    // Larger than limits.max_payload_bytes, within the packet size.
    add("payload over max_payload_bytes", {
        let mut t = vec![109];
        t.extend_from_slice(&100_000u32.to_be_bytes());
        t.extend(std::iter::repeat_n(0, 100_000));
        etf(&t)
    });
    all
}

#[tokio::test]
async fn hostile_payloads_get_invalid_data_memory_stays_bounded_and_others_register() {
    let server = TestServer::start();
    let mut opts = server.options("emqttd_reg_hostile");
    opts.set_max_packet_size(1 << 20, 1 << 20);
    let mut attacker = server.connect(opts).await.expect("connects");
    let payloads = hostile();
    let before = rss_kib();
    assert!(payloads.len() > 60);
    for (name, payload) in payloads {
        assert!(payload.len() < 262_144, "{name} fits a packet");
        let (result, _) = io(&attacker.request(payload).await);
        assert_eq!(result, pair("error", "invalid_data"), "{name}");
    }
    // A packet beyond server.max_packet_size: the connection is closed instead.
    attacker
        .client
        .publish(
            events_topic("emqttd_reg_hostile"),
            QoS::AtLeastOnce,
            false,
            vec![131; 300_000],
        )
        .await
        .expect("queued");
    attacker.closed().await;
    let grown = rss_kib().saturating_sub(before);
    // Payloads claimed gigabytes and a bomb inflates to 4 MB; a few MB are allowed.
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");

    let (token, id) = register(&server, "emqttd_reg_afterhostile", "380501119998").await;
    assert_eq!(id, "emqttd_afterhostile");
    server.login(&id, &token).await;
}
