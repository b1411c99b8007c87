//! The browser client in clients/web/: its node unit tests (the BERT codec, the
//! protocol), and the page walked through the whole flow in two headless-Chromium tabs
//! against the real binary's WebSocket listener. Missing node, npm, Chromium or python3
//! skip with a note, unless ROSTER_REQUIRE_TOOLS=1 (set by .ci/run).

use std::{
    io::{BufRead, BufReader},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::{
    clients::have,
    support::{
        harness::DEADLINE,
        process::{write_config, Roster},
    },
};

/// Where the page and its tests live.
fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/web")
}

/// Runs `cmd` in its own process group; past `limit` the group is killed (by its id)
/// and the test fails.
fn run_bounded(mut cmd: Command, limit: Duration) -> Output {
    let what = format!("{cmd:?}");
    let child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let group = format!("-{}", child.id());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            panic!("{what} still running after {limit:?}");
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn web_client_node_unit_tests_pass() {
    if !have("node", &["--version"], true) {
        return;
    }
    // Every test/*.test.mjs: node 20's `--test test/` would also run browser.mjs.
    let mut files: Vec<PathBuf> = std::fs::read_dir(web_dir().join("test"))
        .expect("clients/web/test")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "unit tests in clients/web/test: {files:?}"
    );
    let mut cmd = Command::new("node");
    cmd.arg("--test").args(&files).current_dir(web_dir());
    let out = run_bounded(cmd, Duration::from_secs(120));
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("# fail 0"), "{report}");
}

/// A helper process this test started (a static server, a broker): killed by its pid
/// and reaped when dropped.
struct Background {
    /// The process.
    child: Child,
}

impl Background {
    /// Starts `cmd` and waits until a line of its stdout or stderr contains `ready`;
    /// returns it with that line.
    fn start(mut cmd: Command, ready: &str) -> (Background, String) {
        let what = format!("{cmd:?}");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let out = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = out.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut seen = Vec::new();
        let background = Background { child };
        loop {
            match rx.recv_timeout(DEADLINE) {
                Ok(line) if line.contains(ready) => return (background, line),
                Ok(line) => seen.push(line),
                Err(_) => panic!("{what}: no {ready:?} within {DEADLINE:?}: {seen:?}"),
            }
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `python3 -m http.server` serving clients/web on 127.0.0.1 at a free port: the
/// process and the port.
fn static_server() -> (Background, u16) {
    let mut cmd = Command::new("python3");
    cmd.args([
        "-u",
        "-m",
        "http.server",
        "0",
        "--bind",
        "127.0.0.1",
        "--directory",
    ])
    .arg(web_dir());
    // "Serving HTTP on 127.0.0.1 port 40393 (http://127.0.0.1:40393/) ..."
    let (server, line) = Background::start(cmd, "Serving HTTP on 127.0.0.1 port ");
    let port = line
        .split(" port ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (server, port)
}

/// `npm install` in clients/web when mqtt.js or puppeteer-core is not there yet.
fn npm_install_if_missing() {
    // Tests run in parallel: one install at a time, the others then find it done.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let web = web_dir();
    let mqtt = web.join("node_modules/mqtt/dist/mqtt.min.js");
    let puppeteer = web.join("node_modules/puppeteer-core/package.json");
    if mqtt.exists() && puppeteer.exists() {
        return;
    }
    let mut cmd = Command::new("npm");
    cmd.args(["install", "--no-audit", "--no-fund"])
        .current_dir(&web);
    let out = run_bounded(cmd, Duration::from_secs(300));
    assert!(out.status.success(), "npm install: {}", text(&out));
    assert!(mqtt.exists(), "npm install left no {}", mqtt.display());
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let signature = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || &bytes[..8] != signature || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    Some((be(16), be(20)))
}

/// The tools the browser flow needs (a skip note, or a failure under
/// ROSTER_REQUIRE_TOOLS=1, for each one missing).
fn have_browser_tools() -> bool {
    let tools = [
        have("node", &["--version"], true),
        have("npm", &["--version"], true),
        have("/usr/bin/chromium", &["--version"], true),
        have("python3", &["--version"], true),
    ];
    !tools.contains(&false)
}

/// Serves clients/web and runs test/browser.mjs against `server` (a ws:// URL); then
/// checks its verdict and that its screenshot is a PNG big enough to show the profile.
fn walk_the_page(server: &str, dir: &Path) {
    npm_install_if_missing();
    let (http, port) = static_server();
    let shot = dir.join("web.png");
    let mut cmd = Command::new("node");
    cmd.arg("test/browser.mjs")
        .args(["--server", server])
        .args(["--page", &format!("http://127.0.0.1:{port}/index.html")])
        .arg("--screenshot")
        .arg(&shot)
        .current_dir(web_dir());
    // browser.mjs bounds itself at 90 s; this bound only catches a hang of node.
    let out = run_bounded(cmd, Duration::from_secs(120));
    drop(http);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("browser flow: all steps passed"),
        "{report}"
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}\n{report}", shot.display()));
    let (width, height) =
        png_size(&png).unwrap_or_else(|| panic!("{} is not a PNG", shot.display()));
    assert!(
        width >= 800 && height >= 600 && png.len() > 20_000,
        "a {width}x{height} screenshot of {} bytes is too small to show the profile",
        png.len()
    );
}

/// The page in Chromium against the real binary's own WebSocket listener.
#[test]
fn web_page_walks_the_whole_flow_in_two_headless_chromium_tabs() {
    if !have_browser_tools() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = "[websocket]\nlisten = \"127.0.0.1:0\"\n";
    let roster = match roster_with(dir.path(), listener) {
        Ok(roster) => roster,
        Err(stderr) if unknown_section(&stderr, "websocket") => {
            eprintln!("SKIPPED: no WebSocket listener yet");
            return;
        }
        Err(stderr) => panic!("roster did not start: {stderr}"),
    };
    let ws = roster.listening_on("MQTT over WebSocket");
    walk_the_page(&format!("ws://{ws}/mqtt"), dir.path());
    roster.kill();
}

/// The real binary on its TCP listener with test numbers on, plus `extra` config:
/// `Err` with its stderr when it does not start.
fn roster_with(dir: &Path, extra: &str) -> Result<Roster, String> {
    let extra = format!("[auth.test_numbers]\nenabled = true\n{extra}");
    Roster::try_start(&write_config(dir, &extra), "info")
}

/// Whether roster refused to start because it does not know the config `section`.
fn unknown_section(stderr: &str, section: &str) -> bool {
    stderr.contains(&format!("unknown field `{section}`"))
}

/// Runs test/flow.mjs (link.js, roster.js and bert.js in node, two devices of one
/// phone) against `server` with `args`, and checks its verdict.
fn flow(server: &str, args: &[&str], passed: &str) {
    npm_install_if_missing();
    let mut cmd = Command::new("node");
    cmd.arg("test/flow.mjs")
        .args(["--server", server])
        .args(args)
        .current_dir(web_dir());
    let out = run_bounded(cmd, Duration::from_secs(90));
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains(passed), "{report}");
}

#[test]
fn web_protocol_layer_walks_the_flow_against_the_real_server_over_tcp() {
    if !have("node", &["--version"], true) || !have("npm", &["--version"], true) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let roster = roster_with(dir.path(), "").expect("roster starts");
    flow(
        &format!("mqtt://{}", roster.addr),
        &[],
        "protocol flow: all steps passed",
    );
    roster.kill();
}

/// A client of 2017 writes ATOM_EXT and reads only tags 97 98 100 104 106 107 108 109:
/// with `[wire] reply_atoms = "latin1"` every reply and push must be readable to it.
#[test]
fn web_old_client_reads_every_reply_with_reply_atoms_latin1() {
    if !have("node", &["--version"], true) || !have("npm", &["--version"], true) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let wire = "[wire]\nreply_atoms = \"latin1\"\n";
    let roster = match roster_with(dir.path(), wire) {
        Ok(roster) => roster,
        Err(stderr) if unknown_section(&stderr, "wire") => {
            eprintln!("SKIPPED: no [wire] reply_atoms yet");
            return;
        }
        Err(stderr) => panic!("roster did not start: {stderr}"),
    };
    let passed = "protocol flow (old client): all steps passed";
    flow(
        &format!("mqtt://{}", roster.addr),
        &["--old-client"],
        passed,
    );
    roster.kill();
}

/// The page in Chromium against the real server today: test/ws-bridge.mjs carries
/// MQTT over WebSocket (subprotocol mqtt, binary frames) to roster's TCP listener.
#[test]
fn web_page_walks_the_whole_flow_through_a_websocket_bridge_to_the_real_server() {
    if !have_browser_tools() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let roster = roster_with(dir.path(), "").expect("roster starts");
    npm_install_if_missing();
    let mut cmd = Command::new("node");
    cmd.arg("test/ws-bridge.mjs")
        .args(["--to", &roster.addr.to_string()])
        .current_dir(web_dir());
    // "ws bridge listening on ws://127.0.0.1:PORT/mqtt for 127.0.0.1:PORT"
    let (bridge, line) = Background::start(cmd, "ws bridge listening on ");
    let url = line
        .split(" on ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    walk_the_page(url, dir.path());
    drop(bridge);
    roster.kill();
}

#[test]
fn png_size_reads_the_ihdr_and_refuses_other_bytes() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&1100u32.to_be_bytes());
    png.extend_from_slice(&1413u32.to_be_bytes());
    assert_eq!(png_size(&png), Some((1100, 1413)));
    assert_eq!(png_size(b"GIF89a not a png at all, no"), None);
    assert_eq!(png_size(&png[..20]), None);
}
