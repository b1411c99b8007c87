//! The real `roster` binary as a child process: a config file in a temp folder,
//! `mqtt_listen = "127.0.0.1:0"`, the bound address read from its "listening" log
//! line (and a second listener's from its own line), its stderr kept for inspection,
//! SIGKILL on demand.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{mpsc, Arc, Mutex},
    thread::JoinHandle,
};

use super::harness::DEADLINE;

/// Writes `<dir>/config.toml`: the data folder is `dir`, the listener port 0, two
/// workers, then `extra` (whole TOML sections) appended.
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[server]\nmqtt_listen = \"127.0.0.1:0\"\nworkers = 2\n\
         [storage]\npath = {:?}\nbusy_timeout_ms = 300\n\
         [sms]\noutbox = {:?}\n[voice]\noutbox = {:?}\n{extra}",
        dir.join("roster.db").display().to_string(),
        dir.join("sms-outbox.jsonl").display().to_string(),
        dir.join("voice-outbox.jsonl").display().to_string(),
    );
    std::fs::write(&path, text).expect("write config");
    path
}

/// A running `roster` process.
pub struct Roster {
    /// The child; killed on drop.
    child: Option<Child>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every stderr line so far.
    lines: Arc<Mutex<Vec<String>>>,
    /// Each stderr line after the first listener's, as it comes.
    rx: mpsc::Receiver<String>,
    /// Reads stderr until EOF.
    reader: Option<JoinHandle<()>>,
}

/// What `spawn` starts: the child, its stderr lines so far, each new line as it
/// comes, and the thread reading them (it ends at EOF, once the child is gone).
type Spawned = (
    Child,
    Arc<Mutex<Vec<String>>>,
    mpsc::Receiver<String>,
    JoinHandle<()>,
);

/// Starts the binary and collects its stderr.
fn spawn(config: &Path, rust_log: &str) -> Spawned {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", rust_log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start roster");
    let stderr = child.stderr.take().expect("stderr");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let keep = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            keep.lock().unwrap().push(line.clone());
            let _ = tx.send(line);
        }
    });
    (child, lines, rx, reader)
}

impl Roster {
    /// Starts `roster --config <config>` at log level `rust_log` and waits until it
    /// listens.
    pub fn start(config: &Path, rust_log: &str) -> Roster {
        Roster::try_start(config, rust_log)
            .unwrap_or_else(|stderr| panic!("roster did not start: {stderr}"))
    }

    /// As `start`, but a process that exits before it listens is an `Err` with its
    /// stderr (a config it refuses, say), not a failure; silence past DEADLINE still is.
    pub fn try_start(config: &Path, rust_log: &str) -> Result<Roster, String> {
        let (mut child, lines, rx, reader) = spawn(config, rust_log);
        let addr = loop {
            match rx.recv_timeout(DEADLINE) {
                Ok(line) => {
                    if let Some(addr) = address_after(&line, "listening for MQTT on ") {
                        break addr;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // stderr closed: the process is gone (or going).
                    let status = wait_bounded(child);
                    reader.join().expect("stderr reader");
                    let text = lines.lock().unwrap().join("\n");
                    return Err(format!("{status}: {text}"));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    panic!(
                        "roster did not start: {:?} {:?}",
                        child.wait(),
                        lines.lock().unwrap()
                    );
                }
            }
        };
        Ok(Roster {
            child: Some(child),
            addr,
            lines,
            rx,
            reader: Some(reader),
        })
    }

    /// Waits for a further "listening for `what` on ADDR" line (a second listener's)
    /// and returns ADDR; fails the test after DEADLINE.
    pub fn listening_on(&self, what: &str) -> SocketAddr {
        let needle = format!("listening for {what} on ");
        // The line may have come before the first listener's: look at those first.
        let seen = self.lines.lock().unwrap().clone();
        if let Some(addr) = seen.iter().find_map(|l| address_after(l, &needle)) {
            return addr;
        }
        let until = std::time::Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = address_after(&line, &needle) {
                        return addr;
                    }
                }
                Err(_) => panic!(
                    "no {needle:?} line within {DEADLINE:?}: {:?}",
                    self.lines.lock().unwrap()
                ),
            }
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
    }

    /// SIGTERM (graceful shutdown): its exit status and everything it wrote to stderr.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let status = wait_bounded(child);
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stderr reader");
        }
        let text = self.lines.lock().unwrap().join("\n");
        (status, text)
    }
}

impl Drop for Roster {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits for `child` to exit; kills it and fails the test after DEADLINE.
fn wait_bounded(mut child: Child) -> ExitStatus {
    let pid = child.id().to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(status) => status.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("roster still running after {DEADLINE:?}");
        }
    }
}

/// The address written after `needle` in a log line, text or JSON: it ends at the
/// first character an address cannot hold; a `ws://` or `wss://` before it is skipped.
fn address_after(line: &str, needle: &str) -> Option<SocketAddr> {
    let rest = line.split(needle).nth(1)?;
    let rest = rest
        .strip_prefix("ws://")
        .or_else(|| rest.strip_prefix("wss://"))
        .unwrap_or(rest);
    let end = rest
        .find(|c: char| !(c.is_ascii_hexdigit() || ".:[]".contains(c)))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Runs the binary on `config` where it must fail to start: its exit status and stderr.
pub fn start_fails(config: &Path) -> (ExitStatus, String) {
    let (child, lines, _rx, reader) = spawn(config, "info");
    let status = wait_bounded(child);
    // stderr reaches EOF once the process is gone.
    reader.join().expect("stderr reader");
    let text = lines.lock().unwrap().join("\n");
    (status, text)
}

#[test]
fn the_address_is_read_from_text_and_json_log_lines() {
    let addr: SocketAddr = "127.0.0.1:8083".parse().unwrap();
    let ws = "listening for MQTT over WebSocket on ";
    for line in [
        "INFO roster listening for MQTT over WebSocket on 127.0.0.1:8083",
        "roster listening for MQTT over WebSocket on ws://127.0.0.1:8083/mqtt",
        r#"{"msg":"roster listening for MQTT over WebSocket on 127.0.0.1:8083","level":"INFO"}"#,
    ] {
        assert_eq!(address_after(line, ws), Some(addr), "{line}");
    }
    let tcp = "listening for MQTT on ";
    assert_eq!(address_after(ws, tcp), None);
    assert_eq!(
        address_after("roster listening for MQTT on [::1]:1883", tcp),
        Some("[::1]:1883".parse().unwrap())
    );
}
