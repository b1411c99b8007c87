//! The writer thread: owns the one write connection and commits queued jobs in groups.
//!
//! Loop: wait for a job, take every job already queued (up to `max_batch`),
//! `BEGIN IMMEDIATE`, run each job inside its own `SAVEPOINT` (a failing job rolls
//! back to it and touches no other job), `COMMIT`, and only then answer each caller.
//! Many concurrent writers thus share one fsync, and a success means committed.
//!
//! Who owns it: the [`Store`](super::Store), one writer per database file, started
//! by `Store::open` and stopped (queue drained, WAL checkpointed) by `Store::close`.
//! It alone holds a connection that writes. The actors that own tables (AuthActor
//! its sessions and send history, ProfileActor its profiles) decide what is written
//! and hand it here as write jobs; none holds a write connection of its own, so
//! their commits share one fsync (that is what keeps thousands of durable
//! registrations a second).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::job::{Done, WriteJob};
use super::StoreError;

/// The writer thread's queue, handle and counters.
pub(crate) struct Writer {
    /// Where `Store::write` puts jobs; dropping it lets the thread finish the queue and stop.
    pub queue: SyncSender<Box<dyn WriteJob>>,
    /// Joined by `Store::close`; gives the connection back for the final checkpoint.
    pub thread: JoinHandle<Connection>,
    /// Shared with the thread, read by `Store::stats`.
    pub counters: Arc<Counters>,
}

/// Running totals kept by the writer thread.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Transactions begun, committed or not.
    batches: AtomicU64,
    /// Write jobs run.
    jobs: AtomicU64,
}

/// How much group commit is happening: `write_jobs / batches` jobs share each fsync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    /// Write transactions begun since open (one fsync each when committed).
    pub batches: u64,
    /// Write jobs run since open.
    pub write_jobs: u64,
}

impl Counters {
    /// A consistent-enough copy for reporting.
    pub(crate) fn snapshot(&self) -> StoreStats {
        StoreStats {
            batches: self.batches.load(Ordering::Relaxed),
            write_jobs: self.jobs.load(Ordering::Relaxed),
        }
    }
}

/// Starts the writer thread with its connection and a queue of `capacity` jobs.
pub(crate) fn spawn(
    conn: Connection,
    max_batch: usize,
    capacity: usize,
) -> Result<Writer, StoreError> {
    let (queue, rx) = mpsc::sync_channel(capacity);
    let counters = Arc::new(Counters::default());
    let shared = Arc::clone(&counters);
    let thread = thread::Builder::new()
        .name("roster-store-writer".into())
        .spawn(move || run(conn, &rx, max_batch, &shared))
        .map_err(StoreError::Thread)?;
    Ok(Writer {
        queue,
        thread,
        counters,
    })
}

/// The thread's loop; returns the connection once the queue is closed and empty.
fn run(
    mut conn: Connection,
    rx: &Receiver<Box<dyn WriteJob>>,
    max_batch: usize,
    counters: &Counters,
) -> Connection {
    let mut batch = VecDeque::new();
    while let Ok(first) = rx.recv() {
        batch.push_back(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push_back(job),
                Err(_) => break,
            }
        }
        counters
            .jobs
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        commit_batch(&mut conn, &mut batch, counters);
    }
    conn
}

/// Runs and commits `jobs`, answering every one of them; leaves `jobs` empty.
///
/// Should a job end the shared transaction (SQLite rolls back on some errors,
/// such as a full disk), the jobs before it are answered with that error and the
/// jobs after it get a fresh transaction.
pub(crate) fn commit_batch(
    conn: &mut Connection,
    jobs: &mut VecDeque<Box<dyn WriteJob>>,
    counters: &Counters,
) {
    while !jobs.is_empty() {
        counters.batches.fetch_add(1, Ordering::Relaxed);
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let e = StoreError::Sqlite(e);
                log::error!(
                    "writer: cannot begin a transaction for {} jobs: {e}",
                    jobs.len()
                );
                for job in jobs.drain(..) {
                    job.fail(e.duplicate());
                }
                return;
            }
        };
        let mut ran: Vec<Box<dyn Done>> = Vec::with_capacity(jobs.len());
        let mut broken = None;
        while let Some(job) = jobs.pop_front() {
            match run_one(&tx, job) {
                Step::Settled(done) => ran.push(done),
                Step::Broke(done, why) => {
                    ran.extend(done);
                    broken = Some(why);
                    break;
                }
            }
        }
        let outcome = match broken {
            // Dropping the transaction rolls back whatever is left of it.
            Some(why) => Err(why),
            None => tx.commit().map_err(StoreError::Sqlite),
        };
        if let Err(e) = &outcome {
            log::error!("writer: a batch of {} jobs did not commit: {e}", ran.len());
        }
        for done in ran {
            done.finish(outcome.as_ref().map(|_| ()));
        }
    }
}

/// What running one job did to the batch.
enum Step {
    /// The job committed its savepoint or rolled back to it; the batch goes on.
    Settled(Box<dyn Done>),
    /// The shared transaction is gone or unusable: the batch stops here.
    Broke(Option<Box<dyn Done>>, StoreError),
}

/// The savepoint every job runs in.
const SAVEPOINT: &str = "SAVEPOINT roster_job";
/// Keeps the job's changes in the batch.
const RELEASE: &str = "RELEASE roster_job";
/// Undoes the job's changes (the savepoint then still needs releasing).
const ROLLBACK_TO: &str = "ROLLBACK TO roster_job";

/// Runs one job inside its savepoint.
fn run_one(tx: &Transaction<'_>, job: Box<dyn WriteJob>) -> Step {
    if let Err(e) = exec(tx, SAVEPOINT) {
        let e = StoreError::Sqlite(e);
        let why = e.duplicate();
        job.fail(e);
        return Step::Broke(None, why);
    }
    let ran = job.run(tx);
    if tx.is_autocommit() {
        let why = ran.failure.unwrap_or_else(|| {
            StoreError::Aborted("a write job ended the batch transaction itself".into())
        });
        return Step::Broke(Some(ran.done), why);
    }
    let settled = match ran.failure {
        None => exec(tx, RELEASE),
        Some(_) => exec(tx, ROLLBACK_TO).and_then(|()| exec(tx, RELEASE)),
    };
    match settled {
        Ok(()) => Step::Settled(ran.done),
        Err(e) => Step::Broke(Some(ran.done), StoreError::Sqlite(e)),
    }
}

/// Runs one of the savepoint statements, prepared once per connection.
fn exec(tx: &Transaction<'_>, sql: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Folds the WAL back into the database file and empties it, so a stopped server
/// leaves one self-contained file behind.
pub(crate) fn checkpoint(conn: &Connection, path: &std::path::Path) {
    let result = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
        ))
    });
    match result {
        Ok((0, _, _)) => log::info!("database {}: checkpointed", path.display()),
        Ok((_, wal, done)) => log::warn!(
            "database {}: checkpoint incomplete ({done} of {wal} WAL pages), \
             another connection is still reading",
            path.display()
        ),
        Err(e) => log::warn!("database {}: checkpoint failed: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
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
}
