//! The real `roster` binary as a child process: a config file in a temp folder,
//! `mqtt_listen = "127.0.0.1:0"`, the bound address read from its "listening" log
//! line, its stderr kept for inspection, SIGKILL on demand.

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
        let (mut child, lines, rx, reader) = spawn(config, rust_log);
        let addr = loop {
            match rx.recv_timeout(DEADLINE) {
                Ok(line) => {
                    // The line may be text or a JSON object: the address ends at
                    // the first character an address cannot hold.
                    if let Some(rest) = line.split("listening for MQTT on ").nth(1) {
                        let end = rest
                            .find(|c: char| !(c.is_ascii_hexdigit() || ".:[]".contains(c)))
                            .unwrap_or(rest.len());
                        break rest[..end].parse().expect("an address");
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "roster did not start: {:?} {:?}",
                        child.wait(),
                        lines.lock().unwrap()
                    );
                }
            }
        };
        Roster {
            child: Some(child),
            addr,
            lines,
            reader: Some(reader),
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

/// Runs the binary on `config` where it must fail to start: its exit status and stderr.
pub fn start_fails(config: &Path) -> (ExitStatus, String) {
    let (child, lines, _rx, reader) = spawn(config, "info");
    let status = wait_bounded(child);
    // stderr reaches EOF once the process is gone.
    reader.join().expect("stderr reader");
    let text = lines.lock().unwrap().join("\n");
    (status, text)
}
