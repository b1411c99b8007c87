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
mod tests;
