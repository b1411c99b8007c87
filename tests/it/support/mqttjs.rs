//! mqtt.js (node) as a test client, driven line by line through
//! `tests/clients/mqttjs_client.js`: requests in as hex on its stdin, replies out on
//! its stdout. mqtt.js comes from `clients/web/node_modules` when the browser client's
//! packages are wholly installed (as `.ci/run` leaves them), else from `npm install
//! mqtt` into a cache folder under the temp dir (once per run): never from a
//! `clients/web` install another test may be running.

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{mpsc, OnceLock},
};

use super::harness::DEADLINE;

/// The `node_modules` folder holding mqtt.js, or why there is none.
pub fn node_modules() -> Result<PathBuf, String> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND.get_or_init(find_or_install).clone()
}

fn find_or_install() -> Result<PathBuf, String> {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/web/node_modules");
    // What tests/it/web.rs checks before it installs, and npm's record of a finished one.
    let installed = [
        "mqtt/dist/mqtt.min.js",
        "puppeteer-core/package.json",
        ".package-lock.json",
    ];
    if installed.iter().all(|f| web.join(f).exists()) {
        return Ok(web);
    }
    let cache = std::env::temp_dir().join("roster-it-npm");
    let modules = cache.join("node_modules");
    if modules.join("mqtt/package.json").exists() {
        return Ok(modules);
    }
    std::fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    let out = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&cache)
        .arg("mqtt@5")
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    if !out.status.success() || !modules.join("mqtt/package.json").exists() {
        return Err(format!(
            "npm install mqtt: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(modules)
}

/// A running mqtt.js client.
pub struct MqttJs {
    /// The node process; killed on drop.
    child: Child,
    /// Its stdin, for requests; `None` once closed.
    stdin: Option<ChildStdin>,
    /// Its stdout, line by line.
    lines: mpsc::Receiver<String>,
}

impl MqttJs {
    /// Connects to `url` as `client_id` with the script's `flags` (`--ca FILE`,
    /// `--password TOKEN`, `--persistent`); waits for its CONNACK and SUBACK.
    pub fn connect(modules: &Path, url: &str, client_id: &str, flags: &[&str]) -> MqttJs {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/clients/mqttjs_client.js"
        );
        let mut child = Command::new("node")
            .arg(script)
            .args([url, client_id])
            .args(flags)
            .env("NODE_PATH", modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stdin = child.stdin.take();
        let mut js = MqttJs {
            child,
            stdin,
            lines,
        };
        let connack = js.line("connack ");
        assert!(connack.starts_with("connack 0 "), "{connack}");
        js.line("suback ");
        js
    }

    /// The next stdout line starting with `prefix` (others are skipped); fails the
    /// test on an error line, EOF, or silence past DEADLINE.
    pub fn line(&mut self, prefix: &str) -> String {
        loop {
            match self.lines.recv_timeout(DEADLINE) {
                Ok(l) if l.starts_with(prefix) => return l,
                Ok(l) if l.starts_with("error") => panic!("mqtt.js: {l}"),
                Ok(_) => {}
                Err(e) => panic!("mqtt.js: no {prefix:?} line: {e}"),
            }
        }
    }

    /// Publishes `payload` as a request; the payload of the next message received.
    pub fn request(&mut self, payload: &[u8]) -> Vec<u8> {
        let hex: String = payload.iter().map(|b| format!("{b:02x}")).collect();
        let stdin = self.stdin.as_mut().expect("open");
        writeln!(stdin, "{hex}").expect("write to node");
        let reply = self.line("reply ");
        let hex = reply.rsplit(' ').next().unwrap();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Disconnects (stdin closed) and waits for node to exit cleanly.
    pub fn end(mut self) {
        drop(self.stdin.take());
        let until = std::time::Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "node: {status}");
                return;
            }
            assert!(std::time::Instant::now() < until, "node still running");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for MqttJs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
