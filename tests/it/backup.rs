//! `roster backup DIR` during a burst of registrations, and `roster check`: the copy
//! is a sound database holding every registration acknowledged before the backup
//! began, its server key is beside it, and a server started on the copy logs those
//! devices in with their tokens.

use std::process::Command;

use crate::{
    durability::{log_in, register_at, TEST_NUMBERS},
    support::process::{write_config, Roster},
};

fn roster(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run roster");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_registering_holds_every_acknowledged_registration() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TEST_NUMBERS);
    let server = Roster::start(&config, "info");
    let addr = server.addr;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for n in 0..40 {
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(register_at(addr, n).await);
        });
    }
    drop(tx);
    let mut before = Vec::new();
    while before.len() < 15 {
        let done = rx.recv().await.expect("a registration");
        before.push(done.expect("registration"));
    }
    // The backup starts after these fifteen replies, while the rest are in flight.
    let backup_dir = dir.path().join("backup");
    let (ok, text) = roster(&[
        "--config",
        config.to_str().unwrap(),
        "backup",
        backup_dir.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("backed up"), "{text}");
    while let Some(done) = rx.recv().await {
        done.expect("registrations go on during the backup");
    }
    let (ok, text) = roster(&["check", backup_dir.join("roster.db").to_str().unwrap()]);
    assert!(ok, "{text}");
    assert!(text.contains("integrity ok"), "{text}");
    // The same key: a server on the copy knows the same tokens.
    assert_eq!(
        std::fs::read(dir.path().join("server.key")).unwrap(),
        std::fs::read(backup_dir.join("server.key")).unwrap()
    );
    // A second backup into the same folder is refused.
    let (ok, text) = roster(&[
        "--config",
        config.to_str().unwrap(),
        "backup",
        backup_dir.to_str().unwrap(),
    ]);
    assert!(!ok && text.contains("exists"), "{text}");
    drop(server);

    let restored = write_config(&backup_dir, "");
    let server = Roster::start(&restored, "info");
    for (token, id) in &before {
        log_in(server.addr, id, token).await;
    }
}

#[test]
fn check_fails_on_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![1u8; 4096]).unwrap();
    let (ok, text) = roster(&["check", junk.to_str().unwrap()]);
    assert!(!ok, "{text}");
    assert!(text.contains("junk.db"), "{text}");
}
