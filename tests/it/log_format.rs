//! `[log] format = "json"`: the real binary writes one JSON object per line, each with
//! its time, level, target and message, through start-up, a client's visit and the
//! graceful shutdown.

use std::time::Duration;

use crate::support::process::{write_config, Roster};

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "[log]\nformat = \"json\"\n");
    let roster = Roster::start(&config, "debug");
    // A visit that logs: a refused ClientId (CONNACK 2) at debug level or above.
    let mut sock = std::net::TcpStream::connect(roster.addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let connect = [
        0x10, 0x0f, 0, 4, b'M', b'Q', b'T', b'T', 4, 2, 0, 60, 0, 3, b'b', b'a', b'd',
    ];
    std::io::Write::write_all(&mut sock, &connect).unwrap();
    let mut connack = [0u8; 4];
    std::io::Read::read_exact(&mut sock, &mut connack).unwrap();
    assert_eq!(connack, [0x20, 2, 0, 2], "CONNACK 2 for a foreign ClientId");
    drop(sock);
    let (status, text) = roster.terminate();
    assert!(status.success(), "{status:?}\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 3, "start-up and shutdown lines: {text}");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        for key in ["time", "level", "target", "message"] {
            assert!(v[key].is_string(), "{key} missing in {line}");
        }
        let time = v["time"].as_str().unwrap();
        assert!(
            time.ends_with('Z') && time.contains('T'),
            "RFC 3339 UTC: {time}"
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("listening for MQTT")),
        "{text}"
    );
    assert!(lines.iter().any(|l| l.contains("\"stopped\"")), "{text}");
}
