//! Group commit on a bare connection: savepoints per job, answers only after COMMIT, failed batches.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Transaction};
use tokio::sync::oneshot;

use super::*;
use crate::store::job;

type Answer<R> = oneshot::Receiver<Result<R, StoreError>>;

/// A WAL database with table `t(id)` and the writer connection to it.
fn setup() -> (tempfile::TempDir, PathBuf, Connection) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.db");
    let conn = Connection::open(&path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;
         CREATE TABLE t (id INTEGER PRIMARY KEY);",
    )
    .expect("schema");
    (dir, path, conn)
}

fn job<R, F>(f: F) -> (Box<dyn WriteJob>, Answer<R>)
where
    F: FnOnce(&Transaction<'_>) -> Result<R, StoreError> + Send + 'static,
    R: Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    (job::write(f, reply), answer)
}

fn insert(id: i64) -> impl FnOnce(&Transaction<'_>) -> Result<(), StoreError> + Send {
    move |tx| {
        tx.execute("INSERT INTO t (id) VALUES (?1)", [id])?;
        Ok(())
    }
}

fn answer<R>(mut answer: Answer<R>) -> Result<R, StoreError> {
    answer.try_recv().expect("the batch answered every job")
}

fn ids(path: &Path) -> Vec<i64> {
    let conn = Connection::open(path).expect("independent connection");
    let mut stmt = conn
        .prepare("SELECT id FROM t ORDER BY id")
        .expect("prepare");
    let rows = stmt.query_map([], |row| row.get(0)).expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

fn run(conn: &mut Connection, jobs: Vec<Box<dyn WriteJob>>) -> Counters {
    let counters = Counters::default();
    let mut queue = VecDeque::from(jobs);
    commit_batch(conn, &mut queue, &counters);
    assert!(queue.is_empty());
    counters
}

#[test]
fn a_failing_job_rolls_back_only_itself() {
    let (_dir, path, mut conn) = setup();
    let (a, a_answer) = job(insert(1));
    let (b, b_answer) = job(|tx| {
        insert(2)(tx)?;
        Err::<(), _>(StoreError::Rollback("changed my mind".into()))
    });
    let (c, c_answer) = job(insert(3));
    let (d, d_answer) = job(|tx| {
        insert(4)(tx)?;
        panic!("a bug in a domain closure");
    });
    let (e, e_answer) = job(insert(5));

    let counters = run(&mut conn, vec![a, b, c, d, e]);

    assert!(answer(a_answer).is_ok());
    assert!(matches!(answer(b_answer), Err(StoreError::Rollback(r)) if r == "changed my mind"));
    assert!(answer(c_answer).is_ok());
    assert!(matches!(answer::<()>(d_answer), Err(StoreError::Panicked)));
    assert!(answer(e_answer).is_ok());
    assert_eq!(ids(&path), [1, 3, 5]);
    assert_eq!(
        counters.snapshot().batches,
        1,
        "one transaction for all five"
    );
}

#[test]
fn results_are_sent_only_after_commit() {
    let (_dir, path, mut conn) = setup();
    let (a, a_answer) = job(insert(1));
    let probe_path = path.clone();
    // Runs after `a` in the same batch: `a`'s row exists in the transaction
    // but must be neither visible outside it nor reported to `a`'s caller yet.
    let (b, b_answer) = job(move |_tx| {
        let mut a_answer = a_answer;
        let answered_early = a_answer.try_recv().is_ok();
        let visible_early = ids(&probe_path).contains(&1);
        Ok((answered_early, visible_early, a_answer))
    });

    run(&mut conn, vec![a, b]);

    let (answered_early, visible_early, a_answer) = answer(b_answer).expect("probe");
    assert!(!visible_early, "the probe ran before the commit");
    assert!(!answered_early, "a's result was sent before its commit");
    assert!(answer(a_answer).is_ok());
    assert_eq!(ids(&path), [1], "committed once answered");
}

#[test]
fn a_failed_commit_fails_every_job_of_the_batch() {
    let (_dir, path, mut conn) = setup();
    conn.execute_batch(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);
         CREATE TABLE child (parent INTEGER
             REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);",
    )
    .expect("schema");
    let (a, a_answer) = job(insert(1));
    // A deferred foreign key is checked at COMMIT, so COMMIT itself fails.
    let (b, b_answer) = job(|tx| {
        tx.execute("INSERT INTO child (parent) VALUES (42)", [])?;
        Ok(())
    });

    run(&mut conn, vec![a, b]);

    for result in [answer(a_answer), answer(b_answer)] {
        let err = result.expect_err("commit failed");
        assert_eq!(
            err.sqlite_code(),
            Some(rusqlite::ErrorCode::ConstraintViolation),
            "{err}"
        );
    }
    assert!(ids(&path).is_empty());
    // The connection is usable again.
    let (c, c_answer) = job(insert(3));
    run(&mut conn, vec![c]);
    assert!(answer(c_answer).is_ok());
    assert_eq!(ids(&path), [3]);
}

#[test]
fn a_job_ending_the_transaction_aborts_its_batch_and_later_jobs_go_on() {
    let (_dir, path, mut conn) = setup();
    let (a, a_answer) = job(insert(1));
    let (b, b_answer) = job(|tx| {
        tx.execute_batch("ROLLBACK")?;
        Ok(())
    });
    let (c, c_answer) = job(insert(3));

    let counters = run(&mut conn, vec![a, b, c]);

    assert!(matches!(answer(a_answer), Err(StoreError::Aborted(_))));
    assert!(matches!(answer(b_answer), Err(StoreError::Aborted(_))));
    assert!(answer(c_answer).is_ok());
    assert_eq!(ids(&path), [3]);
    assert_eq!(counters.snapshot().batches, 2, "c got a fresh transaction");
}

#[test]
fn a_batch_that_cannot_begin_fails_without_running_its_jobs() {
    let (_dir, path, mut conn) = setup();
    conn.busy_timeout(Duration::from_millis(50))
        .expect("timeout");
    let other = Connection::open(&path).expect("other");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("hold the write lock");
    let (a, a_answer) = job(insert(1));

    run(&mut conn, vec![a]);

    let err = answer(a_answer).expect_err("locked");
    assert!(err.is_locked(), "{err}");
    other.execute_batch("ROLLBACK").expect("release");
    assert!(ids(&path).is_empty());
}
