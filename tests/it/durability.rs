//! Failure: the real binary killed with SIGKILL right after acknowledging, a database
//! held by another process at start-up, and a database that cannot grow.

use std::{fs::File, net::SocketAddr, process::Command};

use eetf::Term;

use crate::{
    auth::register,
    clients::have,
    support::{
        etf::{atom, io, pair, tail_token, Auth},
        harness::{connect, options, Client, TestServer},
        process::{start_fails, write_config, Roster},
    },
};

/// Test numbers on: phones starting 99900 get this code and no SMS or send limit.
pub(crate) const TEST_NUMBERS: &str = "[auth.test_numbers]\nenabled = true\n";
const CODE: &str = "903182";

/// reg + verify with the test-number code against `addr`: (token, logged-in id).
pub(crate) async fn register_at(addr: SocketAddr, n: usize) -> Result<(String, String), String> {
    let reg_id = format!("emqttd_reg_dur{n}");
    let mut dev = connect(options(addr, &reg_id))
        .await
        .map_err(|e| e.to_string())?;
    let (r, tail) = io(&dev
        .request(
            Auth {
                phone: Some(&format!("9990050{n:04}")),
                dev_key: Some("DEV"),
                ..Default::default()
            }
            .encode("reg"),
        )
        .await);
    if r != pair("ok", "sms_sent") {
        return Err(format!("reg: {r}"));
    }
    let token = tail_token(&tail);
    let (r, _) = io(&dev.request(Auth::code(&token, CODE).encode("verify")).await);
    match &r {
        Term::Tuple(t) if t.elements[0] == atom("ok2") => Ok((token, format!("emqttd_dur{n}"))),
        other => Err(format!("verify: {other}")),
    }
}

/// Connects as the logged-in `id` with `token` and asks `login`: both must succeed.
pub(crate) async fn log_in(addr: SocketAddr, id: &str, token: &str) -> Client {
    let mut o = options(addr, id);
    o.set_credentials("ignored", token);
    let mut dev = connect(o)
        .await
        .unwrap_or_else(|e| panic!("{id} refused after the restart: {e:?}"));
    let (r, _) = io(&dev
        .request(
            Auth {
                token: Some(token),
                dev_key: Some("DEV"),
                ..Default::default()
            }
            .encode("login"),
        )
        .await);
    assert_eq!(r, pair("ok", "login"), "{id}");
    dev
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_acknowledged_is_lost_to_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), TEST_NUMBERS);
    let roster = Roster::start(&config, "info");
    let addr = roster.addr;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for n in 0..24 {
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(register_at(addr, n).await);
        });
    }
    drop(tx);
    let mut acknowledged = Vec::new();
    while let Some(result) = rx.recv().await {
        acknowledged.push(result.expect("registration"));
        if acknowledged.len() == 20 {
            break;
        }
    }
    // Right after the twentieth success reply; four more are in flight.
    roster.kill();
    while let Ok(Ok(done)) = rx.try_recv() {
        acknowledged.push(done);
    }
    assert!(acknowledged.len() >= 20);

    let roster = Roster::start(&config, "info");
    for (token, id) in &acknowledged {
        log_in(roster.addr, id, token).await;
    }
}

#[test]
fn a_second_roster_on_the_same_database_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), "");
    let first = Roster::start(&config, "info");
    let (status, stderr) = start_fails(&config);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("locked by another process"), "{stderr}");
    assert!(stderr.contains("roster.db"), "{stderr}");
    // The first is unharmed.
    crate::support::raw::Raw::connect_to(first.addr, "emqttd_reg_first", 0);
}

#[test]
fn a_database_locked_by_another_process_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), "");
    let db = dir.path().join("roster.db");
    // Any process holding the lock file (here: this one).
    let lock = File::create(dir.path().join("roster.db.lock")).expect("lock file");
    lock.lock().expect("take the lock");
    let (status, stderr) = start_fails(&config);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("locked by another process"), "{stderr}");
    drop(lock);

    // A process holding SQLite's own write lock on the file past busy_timeout_ms.
    if !have("python3", &["-c", "import sqlite3"], true) {
        return;
    }
    let script = "import sqlite3, sys\n\
        c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
        c.execute('PRAGMA journal_mode=WAL')\n\
        c.execute('BEGIN EXCLUSIVE')\n\
        print('locked', flush=True)\n\
        sys.stdin.read()\n";
    let mut holder = Command::new("python3")
        .args(["-c", script])
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .expect("holder ready");
    assert_eq!(line.trim(), "locked");
    let (status, stderr) = start_fails(&config);
    drop(holder.stdin.take());
    let _ = holder.wait();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("locked by another process"), "{stderr}");
    assert!(stderr.contains("roster.db"), "{stderr}");
}

#[tokio::test]
async fn a_full_database_answers_unavailable_and_reads_go_on() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_full", "380501119950").await;
    let mut server = server;
    server.stop_now();
    // Stopped cleanly, the WAL is folded into the file: its size is the page count.
    let pages = std::fs::metadata(server.dir.path().join("roster.db"))
        .expect("database")
        .len()
        / 4096;
    let server = server.restart(|c| c.storage.max_pages = pages + 2);

    // A write that needs more than two pages: an error reply, nothing half done.
    let big = "k".repeat(30_000);
    let mut opts = server.options("emqttd_reg_toobig");
    opts.set_max_packet_size(1 << 16, 1 << 16);
    let mut dev = server.connect(opts).await.expect("connects");
    let (r, tail) = io(&dev
        .request(
            Auth {
                phone: Some("380501119951"),
                dev_key: Some(&big),
                ..Default::default()
            }
            .encode("reg"),
        )
        .await);
    assert_eq!(r, pair("error", "unavailable"));
    assert_eq!(tail_token(&tail), "", "no token was issued");
    assert_eq!(server.outbox("sms").len(), 1, "no code was sent for it");

    // Reads go on: the token check at CONNECT, login, list.
    let mut dev = server.login(&id, &token).await;
    let (r, _) = io(&dev.request(Auth::token(&token).encode("login")).await);
    assert_eq!(r, pair("ok", "login"));
    let listed = crate::support::harness::term(&dev.request(Auth::default().encode("list")).await);
    assert!(
        matches!(&listed, Term::Tuple(t) if t.elements.len() == 15),
        "{listed}"
    );
}
