//! Other people's clients: Debian's mosquitto_pub/mosquitto_sub and Python's paho-mqtt.
//! Missing tools skip with a note, unless ROSTER_REQUIRE_TOOLS=1 (set by .ci/run).

use std::process::Command;

use crate::support::harness::{events_topic, invalid_data_term, term, unknown_request, TestServer};

/// Whether a required tool is there: `probe` runs and succeeds (or, for tools whose
/// `--help` exits non-zero, merely starts). Missing: a skip note, or a failure when
/// ROSTER_REQUIRE_TOOLS=1.
pub fn have(tool: &str, probe: &[&str], must_succeed: bool) -> bool {
    let ok = match Command::new(tool).args(probe).output() {
        Ok(out) => out.status.success() || !must_succeed,
        Err(_) => false,
    };
    if !ok {
        if std::env::var("ROSTER_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("{tool} {probe:?} is required (ROSTER_REQUIRE_TOOLS=1); .ci/run installs it");
        }
        eprintln!("SKIPPED: {tool} {probe:?} not available (see .ci/run)");
    }
    ok
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn mosquitto_pub_publishes_at_each_qos() {
    if !have("mosquitto_pub", &["--help"], false) {
        return;
    }
    let server = TestServer::start();
    let port = server.addr.port().to_string();
    let file = server.dir.path().join("request.bin");
    std::fs::write(&file, unknown_request()).unwrap();
    for qos in ["0", "1", "2"] {
        let id = format!("emqttd_reg_mpub{qos}");
        let out = Command::new("mosquitto_pub")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-V",
                "mqttv311",
                "-i",
                &id,
                "-q",
                qos,
            ])
            .args(["-t", &events_topic(&id), "-f"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "qos {qos}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // An id outside the rules is refused.
    let out = Command::new("mosquitto_pub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-V",
            "mqttv311",
            "-i",
            "nobody",
            "-t",
            "events/x",
            "-m",
            "x",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a bad id must be refused");
}

#[test]
fn mosquitto_sub_may_only_subscribe_to_its_own_actions() {
    if !have("mosquitto_sub", &["--help"], false) {
        return;
    }
    let server = TestServer::start();
    let port = server.addr.port().to_string();
    // A foreign topic: every subscription denied, mosquitto_sub gives up.
    let out = Command::new("mosquitto_sub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-V",
            "mqttv311",
            "-i",
            "emqttd_reg_msub",
        ])
        .args(["-t", "actions/1/api/emqttd_reg_someone_else", "-W", "5"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("denied"), "mosquitto_sub said: {text}");
    // Its own topic: subscribed; it then waits (-W 1) and times out normally with no message.
    let out = Command::new("mosquitto_sub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-V",
            "mqttv311",
            "-i",
            "emqttd_reg_msub",
            "-q",
            "2",
        ])
        .args(["-t", "actions/1/api/emqttd_reg_msub", "-W", "1", "-d"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("SUBACK"), "mosquitto_sub said: {text}");
    assert!(!text.contains("denied"), "own topic denied: {text}");
}

#[test]
fn paho_connects_subscribes_publishes_and_gets_replies() {
    if !have("python3", &["-c", "import paho.mqtt.client"], true) {
        return;
    }
    let server = TestServer::start();
    let id = "emqttd_reg_paho";
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/paho_roundtrip.py"
    );
    let out = Command::new("python3")
        .args([
            script,
            "127.0.0.1",
            &server.addr.port().to_string(),
            id,
            &hex(&unknown_request()),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "paho: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("connack 0") || stdout.contains("connack Success"),
        "{stdout}"
    );
    assert!(stdout.contains("suback [2]"), "{stdout}");
    for qos in 0..3 {
        assert!(
            stdout.contains(&format!("published qos {qos} acked True")),
            "{stdout}"
        );
    }
    let mut qos_seen = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with("reply ")) {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts[1], format!("actions/1/api/{id}"));
        qos_seen.push(parts[3].to_string());
        assert_eq!(term(&unhex(parts[4])), invalid_data_term());
    }
    qos_seen.sort();
    assert_eq!(qos_seen, ["0", "1", "2"], "{stdout}");
}
