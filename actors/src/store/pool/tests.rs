//! The read pool through `Store::read`: jobs check connections out, threads and
//! connections are counted apart, and a job always sees what was committed.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::store::{Store, StoreConfig, StoreError};

fn open(dir: &tempfile::TempDir, read_threads: u32, read_pool_size: u32) -> Store {
    Store::open(&StoreConfig {
        path: dir.path().join("roster.db"),
        busy_timeout_ms: 200,
        read_threads,
        read_pool_size,
        ..StoreConfig::default()
    })
    .expect("open")
}

async fn create_table(store: &Store) {
    store
        .write(|tx| Ok(tx.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)")?))
        .await
        .expect("create table");
}

async fn count(store: &Store) -> i64 {
    store
        .read(|conn| Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .await
        .expect("count")
}

/// Connections in use right now, and the most seen at once.
#[derive(Default)]
struct InUse {
    /// Jobs running on a connection now.
    now: AtomicUsize,
    /// The most that ran at once.
    most: AtomicUsize,
}

impl InUse {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_read_jobs_than_connections_all_complete_one_connection_at_a_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, 4, 1);
    create_table(&store).await;
    let in_use = Arc::new(InUse::default());
    let threads = Arc::new(Mutex::new(HashSet::new()));

    let mut jobs = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let (store, in_use, threads) = (store.clone(), in_use.clone(), threads.clone());
        jobs.spawn(async move {
            store
                .read(move |conn| {
                    in_use.enter();
                    let name = thread::current().name().map(str::to_owned);
                    threads.lock().expect("names").insert(name);
                    thread::sleep(Duration::from_millis(2));
                    let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
                    in_use.leave();
                    Ok(n)
                })
                .await
        });
    }
    let mut done = 0;
    while let Some(result) = jobs.join_next().await {
        assert_eq!(result.expect("task").expect("read"), 0);
        done += 1;
    }

    assert_eq!(done, 64, "every job ran");
    assert_eq!(
        in_use.most.load(Ordering::SeqCst),
        1,
        "four threads, one connection: one job at a time"
    );
    assert!(
        threads.lock().expect("names").len() > 1,
        "the one connection served more than one thread"
    );
    store.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_run_side_by_side_when_threads_and_connections_allow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, 2, 2);
    // Each job waits for the other to start: only two reads running at once pass.
    let (a_started, a_seen) = mpsc::channel::<()>();
    let (b_started, b_seen) = mpsc::channel::<()>();
    let meet = |tell: mpsc::Sender<()>, wait: mpsc::Receiver<()>| {
        move |_: &rusqlite::Connection| {
            let _ = tell.send(());
            wait.recv_timeout(Duration::from_secs(10))
                .map_err(|_| StoreError::Rollback("the other read never ran".into()))
        }
    };
    let a = store.read(meet(a_started, b_seen));
    let b = store.read(meet(b_started, a_seen));
    let (a, b) = tokio::join!(a, b);
    a.expect("a met b");
    b.expect("b met a");
    store.close();
}

#[tokio::test]
async fn a_job_sees_every_write_answered_before_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, 3, 1);
    create_table(&store).await;
    for id in 0..20 {
        store
            .write(move |tx| Ok(tx.execute("INSERT INTO t (id) VALUES (?1)", [id])?))
            .await
            .expect("insert");
        assert_eq!(count(&store).await, id + 1);
    }
    store.close();
}

#[tokio::test]
async fn a_transaction_left_open_by_a_job_ends_before_the_next_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One connection, so the next job gets the very connection the first one left.
    let store = open(&dir, 2, 1);
    create_table(&store).await;
    store
        .read(|conn| {
            conn.execute_batch("BEGIN")?;
            Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))?)
        })
        .await
        .expect("a job that leaves a snapshot open");
    store
        .write(|tx| Ok(tx.execute("INSERT INTO t (id) VALUES (1)", [])?))
        .await
        .expect("insert");

    let (autocommit, n) = store
        .read(|conn| {
            let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
            Ok((conn.is_autocommit(), n))
        })
        .await
        .expect("next job");
    assert!(autocommit, "the pool rolled the open transaction back");
    assert_eq!(n, 1, "so the next job sees the later commit");
    store.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_waits_too_long_for_a_connection_fails_and_the_store_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    // busy_timeout_ms = 200, so a checkout waits the floor of one second.
    let store = open(&dir, 2, 1);
    let (started, running) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    let holding = store.clone();
    let holder = tokio::spawn(async move {
        holding
            .read(move |_| {
                let _ = started.send(());
                let _ = released.recv_timeout(Duration::from_secs(10));
                Ok(())
            })
            .await
    });
    tokio::task::spawn_blocking(move || running.recv().expect("the holder runs"))
        .await
        .expect("join");

    let starved = store.read(|_| Ok(())).await;
    assert!(matches!(starved, Err(StoreError::Pool(_))), "{starved:?}");

    release.send(()).expect("release");
    holder.await.expect("task").expect("holder");
    store
        .read(|_| Ok(()))
        .await
        .expect("the connection is back");
    store.close();
}
