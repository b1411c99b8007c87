//! `Store::open` refusing a file it cannot use, each time naming it: held by
//! another connection or roster, not a database, an uncreatable folder, a bad key.

use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::config;
use crate::store::{Store, StoreConfig, StoreError};

fn assert_locked(config: &StoreConfig) {
    let started = Instant::now();
    let err = Store::open(config).expect_err("the file is held");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(
        err.to_string().contains(&config.path.display().to_string()),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "gave up after {:?}",
        started.elapsed()
    );
}

#[test]
fn open_reports_a_file_held_exclusively_by_another_connection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(&dir);
    let other = Connection::open(&config.path).expect("other");
    // An exclusive-mode connection keeps its lock after its first write.
    other
        .execute_batch("PRAGMA locking_mode=EXCLUSIVE; CREATE TABLE x (a);")
        .expect("hold the file");

    assert_locked(&config);
    drop(other);
    Store::open(&config).expect("free again").close();
}

#[test]
fn open_reports_a_write_transaction_that_does_not_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(&dir);
    Store::open(&config).expect("create").close();
    let other = Connection::open(&config.path).expect("other");
    other
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO meta VALUES ('k', x'01');")
        .expect("hold the write lock");

    assert_locked(&config);
}

#[test]
fn a_second_store_on_an_idle_open_database_is_locked_out_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        busy_timeout_ms: 5000,
        ..config(&dir)
    };
    let first = Store::open(&config).expect("first");
    // WAL would let a second writer connection open; the lock file does not.
    let started = Instant::now();
    let err = Store::open(&config).expect_err("second");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("roster.db.lock"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused without waiting for busy_timeout_ms: {:?}",
        started.elapsed()
    );
    first.close();
    // Closing releases the lock even while clones of the handle live on.
    let second = Store::open(&config).expect("free after close");
    drop(first);
    second.close();
}

#[test]
fn open_names_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(&dir);
    std::fs::write(&config.path, vec![0x55; 4096]).expect("garbage");

    let err = Store::open(&config).expect_err("not a database");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains("roster.db"), "{err}");
}

#[test]
fn open_names_a_folder_it_cannot_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a folder").expect("file");
    let config = StoreConfig {
        path: blocker.join("roster.db"),
        ..config(&dir)
    };

    let err = Store::open(&config).expect_err("parent is a file");
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
    assert!(err.to_string().contains("file"), "{err}");
}

#[test]
fn open_refuses_a_bad_config_by_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Store::open(&StoreConfig {
        max_batch: 0,
        ..config(&dir)
    })
    .expect_err("bad config");
    assert!(err.to_string().contains("storage.max_batch"), "{err}");
}
