//! The `Store` handle on real files: open, migrate, read, write, group commit, close.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::{pin, Pin};
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::thread;

use rusqlite::Connection;

use super::*;

fn config(dir: &tempfile::TempDir) -> StoreConfig {
    StoreConfig {
        path: dir.path().join("roster.db"),
        busy_timeout_ms: 200,
        ..StoreConfig::default()
    }
}

/// Polls a store future once: that queues its job without waiting for the result.
fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

async fn create_table(store: &Store) {
    store
        .write(|tx| {
            tx.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)")?;
            Ok(())
        })
        .await
        .expect("create table");
}

fn insert(id: i64) -> impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), StoreError> + Send {
    move |tx| {
        tx.execute("INSERT INTO t (id) VALUES (?1)", [id])?;
        Ok(())
    }
}

fn count(path: &Path) -> i64 {
    let conn = Connection::open(path).expect("independent connection");
    conn.query_row("SELECT count(*) FROM t", [], |row| row.get(0))
        .expect("count")
}

/// A write job that tells the test it is running, then waits for its release:
/// while it waits the writer is busy and later jobs stay queued.
struct Gate {
    /// Receives one message once the gate job runs on the writer thread.
    started: mpsc::Receiver<()>,
    /// Lets the gate job finish.
    release: mpsc::Sender<()>,
}

fn gate_job() -> (
    Gate,
    impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), StoreError> + Send,
) {
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let job = move |_: &rusqlite::Transaction<'_>| {
        let _ = started_tx.send(());
        let _ = release_rx.recv();
        Ok(())
    };
    (Gate { started, release }, job)
}

#[tokio::test]
async fn open_applies_pragmas_and_migrations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&config(&dir)).expect("open");

    let (version, mode, readonly) = store
        .read(|conn| {
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            let readonly: bool = conn.pragma_query_value(None, "query_only", |r| r.get(0))?;
            Ok((version, mode, readonly))
        })
        .await
        .expect("read pragmas");
    assert_eq!(version, MIGRATIONS.len() as i64);
    assert_eq!(mode, "wal");
    assert!(readonly, "reader connections are query_only");

    let (synchronous, foreign_keys) = store
        .write(|tx| {
            let sync: i64 = tx.pragma_query_value(None, "synchronous", |r| r.get(0))?;
            let fk: bool = tx.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
            Ok((sync, fk))
        })
        .await
        .expect("writer pragmas");
    assert_eq!(synchronous, 2, "FULL by default");
    assert!(foreign_keys);

    let refused = store
        .read(|conn| Ok(conn.execute("INSERT INTO meta VALUES ('k', x'00')", [])?))
        .await;
    assert!(refused.is_err(), "a read job cannot write");
    store.close();
}

#[tokio::test]
async fn reopen_keeps_data_and_does_not_rerun_migrations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = config(&dir);
    config.path = dir.path().join("nested/folder/roster.db");

    let store = Store::open(&config).expect("first open creates the folders");
    store
        .meta_set("server_key", vec![1, 2, 3])
        .await
        .expect("set");
    store.close();
    // The checkpoint at close leaves the WAL empty.
    let wal = PathBuf::from(format!("{}-wal", config.path.display()));
    assert!(std::fs::metadata(&wal).map_or(true, |m| m.len() == 0));

    // Re-running migration 1 would fail: "table meta already exists".
    let store = Store::open(&config).expect("reopen");
    assert_eq!(
        store.meta_get("server_key").await.expect("get"),
        Some(vec![1, 2, 3])
    );
    let kept = store
        .write(|tx| meta::get_or_insert_with(tx, "server_key", || vec![9]))
        .await
        .expect("get or insert");
    assert_eq!(kept, [1, 2, 3], "an existing key is never replaced");
    assert_eq!(store.meta_get("absent").await.expect("get"), None);
    store.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_commit_and_are_visible_once_answered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&config(&dir)).expect("open");
    create_table(&store).await;

    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..256 {
        let (store, path) = (store.clone(), store.path().to_path_buf());
        tasks.spawn(async move {
            store.write(insert(id)).await.expect("write");
            // Answered means committed: every other connection sees the row now.
            let seen_by_reader = store
                .read(move |conn| {
                    Ok(
                        conn.query_row("SELECT count(*) FROM t WHERE id = ?1", [id], |r| {
                            r.get::<_, i64>(0)
                        })?,
                    )
                })
                .await
                .expect("read");
            let seen_outside = tokio::task::spawn_blocking(move || {
                let conn = Connection::open(path).expect("independent connection");
                conn.query_row("SELECT count(*) FROM t WHERE id = ?1", [id], |r| {
                    r.get::<_, i64>(0)
                })
                .expect("count")
            })
            .await
            .expect("join");
            (seen_by_reader, seen_outside)
        });
    }
    while let Some(seen) = tasks.join_next().await {
        assert_eq!(seen.expect("task"), (1, 1));
    }
    assert_eq!(count(store.path()), 256);
    let stats = store.stats();
    assert_eq!(stats.write_jobs, 257);
    store.close();
}

#[tokio::test]
async fn queued_writes_share_one_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&config(&dir)).expect("open");
    create_table(&store).await;
    let before = store.stats();

    let (gate, gate_job) = gate_job();
    let mut gated = pin!(store.write(gate_job));
    assert!(poll_once(gated.as_mut()).is_pending());
    gate.started.recv().expect("the writer runs the gate job");

    let mut writes: Vec<_> = (0..256)
        .map(|id| Box::pin(store.write(insert(id))))
        .collect();
    for write in &mut writes {
        assert!(
            poll_once(write.as_mut()).is_pending(),
            "queued behind the gate"
        );
    }
    gate.release.send(()).expect("release");
    gated.await.expect("gate job");
    for write in writes {
        write.await.expect("write");
    }

    let after = store.stats();
    assert_eq!(after.write_jobs - before.write_jobs, 257);
    assert_eq!(
        after.batches - before.batches,
        2,
        "the gate, then all 256 together"
    );
    assert_eq!(count(store.path()), 256);
    store.close();
}

#[tokio::test]
async fn close_finishes_queued_jobs_then_refuses_new_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&config(&dir)).expect("open");
    create_table(&store).await;

    let (gate, gate_job) = gate_job();
    let mut gated = pin!(store.write(gate_job));
    assert!(poll_once(gated.as_mut()).is_pending());
    gate.started.recv().expect("the writer runs the gate job");
    let mut writes: Vec<_> = (0..10)
        .map(|id| Box::pin(store.write(insert(id))))
        .collect();
    for write in &mut writes {
        assert!(poll_once(write.as_mut()).is_pending());
    }

    let closer = {
        let store = store.clone();
        thread::spawn(move || store.close())
    };
    // Condition, not timing: wait until close has shut the queues.
    while !store.is_closed() {
        thread::yield_now();
    }
    assert!(matches!(
        store.write(insert(99)).await,
        Err(StoreError::Closed)
    ));
    assert!(matches!(
        store.read(|_| Ok(())).await,
        Err(StoreError::Closed)
    ));

    gate.release.send(()).expect("release");
    closer.join().expect("close");
    gated.await.expect("gate job");
    for write in writes {
        write.await.expect("queued before close, so committed");
    }
    assert_eq!(count(store.path()), 10);
    store.close(); // idempotent
    assert!(store.is_closed());
}

#[tokio::test]
async fn jobs_never_run_on_the_calling_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&config(&dir)).expect("open");
    let me = thread::current().id();

    let reader = store
        .read(|_| {
            let t = thread::current();
            Ok((t.id(), t.name().map(str::to_owned)))
        })
        .await
        .expect("read");
    let writer = store
        .write(|_| {
            let t = thread::current();
            Ok((t.id(), t.name().map(str::to_owned)))
        })
        .await
        .expect("write");

    assert_ne!(reader.0, me);
    assert_ne!(writer.0, me);
    assert!(reader
        .1
        .is_some_and(|n| n.starts_with("roster-store-reader")));
    assert_eq!(writer.1.as_deref(), Some("roster-store-writer"));
    store.close();
}

#[tokio::test]
async fn a_full_queue_answers_busy_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&StoreConfig {
        queue_capacity: 1,
        ..config(&dir)
    })
    .expect("open");

    let (gate, gate_job) = gate_job();
    let mut gated = pin!(store.write(gate_job));
    assert!(poll_once(gated.as_mut()).is_pending());
    gate.started.recv().expect("the writer runs the gate job");
    let mut queued = pin!(store.write(|_| Ok(())));
    assert!(poll_once(queued.as_mut()).is_pending(), "fills the queue");

    assert!(matches!(
        store.write(|_| Ok(())).await,
        Err(StoreError::Busy)
    ));

    gate.release.send(()).expect("release");
    gated.await.expect("gate job");
    queued.await.expect("queued job");
    store.close();
}

#[tokio::test]
async fn a_panicking_job_does_not_stop_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&config(&dir)).expect("open");
    let read = store.read(|_| -> Result<(), StoreError> { panic!("reader bug") });
    assert!(matches!(read.await, Err(StoreError::Panicked)));
    let write = store.write(|_| -> Result<(), StoreError> { panic!("writer bug") });
    assert!(matches!(write.await, Err(StoreError::Panicked)));

    store
        .meta_set("after", vec![1])
        .await
        .expect("still writes");
    assert_eq!(store.meta_get("after").await.expect("read"), Some(vec![1]));
    store.close();
}

#[tokio::test]
async fn max_pages_fails_writes_as_disk_full_and_reads_go_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    Store::open(&config(&dir)).expect("create").close();
    let pages: i64 = Connection::open(dir.path().join("roster.db"))
        .expect("inspect")
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("page_count");
    let store = Store::open(&StoreConfig {
        max_pages: pages as u64 + 2,
        ..config(&dir)
    })
    .expect("open with a cap");
    store.meta_set("small", vec![1; 16]).await.expect("fits");
    let err = store
        .meta_set("big", vec![7; 64 * 1024])
        .await
        .expect_err("beyond the cap");
    assert!(err.is_disk_full(), "{err}");
    assert_eq!(
        store.meta_get("small").await.expect("reads go on"),
        Some(vec![1; 16])
    );
    assert_eq!(store.meta_get("big").await.expect("read"), None);
    store
        .meta_set("small", vec![2; 16])
        .await
        .expect("small writes still fit");
    store.close();
}

mod open_errors;
