//! `roster load` against a test server: each scenario briefly (a few devices, a second
//! or so), asserting the report: work completed, nothing failed. Performance targets
//! live in BENCHMARKS.md, not here.

use std::{
    collections::BTreeMap,
    net::{SocketAddr, TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use clap::Parser;
use roster_load::{self as load, LoadArgs, Report};

use crate::support::harness::TestServer;

fn args(scenario: &str, server: SocketAddr, extra: &[&str]) -> LoadArgs {
    let server = server.to_string();
    let mut argv = vec!["load", scenario, "--server", &server, "--timeout", "5"];
    argv.extend_from_slice(extra);
    LoadArgs::try_parse_from(argv).expect("arguments parse")
}

async fn run(args: LoadArgs) -> Report {
    load::run(args).await.expect("load run starts")
}

/// Until Profile is served, roster answers `{error,not_authorized}` to a Profile
/// request; that, and only that, is tolerated.
fn assert_no_errors_but_pending_profile(report: &Report) {
    let pending = |k: &String| {
        k.contains("{error,not_authorized}")
            && (k.contains("(profile_get)") || k.contains("(get)") || k.contains("(set)"))
    };
    let errors: BTreeMap<_, _> = report.errors.iter().filter(|(k, _)| !pending(k)).collect();
    assert!(errors.is_empty(), "errors: {errors:?}\n{report}");
    if let Some(setup) = &report.setup {
        assert!(setup.errors.is_empty(), "start-up errors\n{report}");
        assert_eq!(setup.ready as usize, setup.of, "{report}");
    }
}

/// Many devices from one address: the per-address limits are off, as for any load
/// test run from one machine.
fn unlimited(c: &mut roster_server::config::Config) {
    c.server.max_connections_per_ip = 0;
    c.server.connect_rate_per_ip = 0;
    c.server.connect_burst_per_ip = 0;
}

fn test_numbers() -> TestServer {
    TestServer::with(|c| {
        unlimited(c);
        c.auth.test_numbers.enabled = true;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_with_test_numbers() {
    let server = test_numbers();
    let report = run(args(
        "register",
        server.addr,
        &["--clients", "4", "--duration", "1"],
    ))
    .await;
    assert!(report.completed > 0, "{report}");
    assert_no_errors_but_pending_profile(&report);
    let steps: Vec<_> = report.steps.iter().map(|s| (s.name, s.count)).collect();
    assert!(
        steps.iter().all(|(_, n)| *n >= report.completed),
        "{steps:?}"
    );
    assert_eq!(
        report.replies["{ok,sms_sent}"],
        report.replies["{ok2,login}"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_reading_codes_from_the_outbox_at_qos2() {
    let server = TestServer::with(unlimited);
    let outbox = server.dir.path().join("sms-outbox.jsonl");
    let outbox = outbox.to_str().expect("utf-8 path");
    let extra = [
        "--clients",
        "3",
        "--requests",
        "6",
        "--qos",
        "2",
        "--outbox",
        outbox,
        "--phone-prefix",
        "38050",
    ];
    let report = run(args("register", server.addr, &extra)).await;
    assert_eq!(report.completed, 6, "{report}");
    assert_no_errors_but_pending_profile(&report);
    let json = serde_json::to_string(&report).expect("json");
    for line in server.outbox("sms") {
        let code = line["code"].as_str().expect("code");
        assert!(!json.contains(code), "the report shows a code");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_get_and_set_closed_and_open_loop() {
    let server = test_numbers();
    let closed = ["--clients", "4", "--duration", "1", "--set-percent", "30"];
    let report = run(args("profile", server.addr, &closed)).await;
    assert!(report.completed > 0, "{report}");
    assert_no_errors_but_pending_profile(&report);
    let open = ["--clients", "4", "--requests", "100", "--rate", "400"];
    let report = run(args("profile", server.addr, &open)).await;
    assert_eq!(report.completed, 100, "{report}");
    assert_eq!(report.loop_kind, "open");
    assert_no_errors_but_pending_profile(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_holds_anonymous_and_logged_in_sessions() {
    let server = test_numbers();
    let reg = ["--clients", "50", "--duration", "1.2", "--ramp-up", "0.2"];
    let report = run(args("connect", server.addr, &reg)).await;
    let held = report.held.as_ref().expect("held figures");
    assert_eq!(held.sessions, 50, "{report}");
    assert!(report.errors.is_empty(), "{report}");
    // The server runs in this process: its RSS is ours.
    let pid = std::process::id().to_string();
    let logged_in = [
        "--clients",
        "10",
        "--duration",
        "1.2",
        "--as",
        "logged-in",
        "--server-pid",
        &pid,
    ];
    let report = run(args("connect", server.addr, &logged_in)).await;
    let held = report.held.as_ref().expect("held figures");
    assert_eq!(held.sessions, 10, "{report}");
    assert!(held.server_rss_held.is_some(), "{report}");
    assert_no_errors_but_pending_profile(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_refusals_are_counted_by_kind() {
    // Test numbers are off and codes are never read: `connect --as logged-in` cannot
    // register, and says so by kind.
    let server = TestServer::with(unlimited);
    let extra = ["--clients", "2", "--duration", "0.2", "--as", "logged-in"];
    let mut a = args("connect", server.addr, &extra);
    a.timeout = 1.0;
    a.setup_timeout = 5.0;
    let report = run(a).await;
    let setup = report.setup.as_ref().expect("start-up");
    assert_eq!(setup.ready, 0, "{report}");
    assert!(
        setup.errors.keys().any(|k| k.contains("invalid_sms_code")),
        "{report}"
    );
}

/// A mosquitto broker on a free port, killed on drop.
struct Mosquitto {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mosquitto() -> Option<Mosquitto> {
    let bin = "/usr/sbin/mosquitto";
    if !std::path::Path::new(bin).exists() {
        if std::env::var("ROSTER_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("{bin} is required (ROSTER_REQUIRE_TOOLS=1); .ci/run installs it");
        }
        eprintln!("SKIPPED: {bin} not available (see .ci/run)");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"),
    )
    .expect("config");
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto starts");
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < until, "mosquitto does not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Mosquitto {
        child,
        addr,
        _dir: dir,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_through_mosquitto_closed_and_open_loop() {
    let Some(broker) = mosquitto() else {
        return;
    };
    let closed = ["--clients", "6", "--duration", "1"];
    let report = run(args("relay", broker.addr, &closed)).await;
    assert!(report.completed > 0, "{report}");
    assert!(report.errors.is_empty(), "{report}");
    let open = [
        "--clients",
        "5",
        "--requests",
        "100",
        "--rate",
        "400",
        "--qos",
        "2",
    ];
    let report = run(args("relay", broker.addr, &open)).await;
    assert_eq!(report.completed, 100, "{report}");
    assert!(report.errors.is_empty(), "{report}");
}
