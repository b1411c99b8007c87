//! `Store`: the cheap, cloneable handle the domain actors read and write through.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::{self, JoinHandle};

use rusqlite::{Connection, Transaction};
use tokio::sync::oneshot;

use super::job::{self, WriteJob};
use super::migrations::{migrate, MIGRATIONS};
use super::reader::{self, ReadQueue};
use super::writer::{self, Counters, StoreStats};
use super::{open, pool, StoreConfig, StoreError};

/// The database: one writer thread (group commit) that owns the one write
/// connection, and a few reader threads that run read jobs on connections checked
/// out of a pool.
///
/// Clone it freely; every clone talks to the same threads. Requests never run on
/// the caller's thread, so an async actor can await them without blocking its
/// arbiter. Call [`Store::close`] at shutdown; dropping the last clone closes too.
#[derive(Clone)]
pub struct Store {
    /// Shared by all clones.
    inner: Arc<Inner>,
}

/// What the clones share.
struct Inner {
    /// The database file, for messages.
    path: PathBuf,
    /// The readers' queue; `None` once closed.
    reads: RwLock<Option<ReadQueue<Connection>>>,
    /// The writer's queue; `None` once closed.
    writes: RwLock<Option<SyncSender<Box<dyn WriteJob>>>>,
    /// Threads to join on close; emptied by the first close.
    threads: Mutex<Threads>,
    /// The writer's totals.
    counters: Arc<Counters>,
    /// The exclusive lock on `<path>.lock` (one roster per database); released by
    /// close, once the writer has stopped.
    lock: Mutex<Option<File>>,
}

/// The store's threads, joined readers first so the final checkpoint finds no reader.
struct Threads {
    /// The reader threads.
    readers: Vec<JoinHandle<()>>,
    /// The writer thread, which hands its connection back when it stops.
    writer: Option<JoinHandle<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database at `config.path`, brings its schema
    /// up to date and starts the store's threads.
    ///
    /// Fails with [`StoreError::Locked`] at once when another roster (any process
    /// holding `<path>.lock`) has the database open, or when another process holds
    /// the file itself past `busy_timeout_ms`; and with an error naming the file
    /// when it cannot be created, read or understood.
    pub fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        config.validate()?;
        let path = config.path.clone();
        let lock = open::lock(config)?;
        let mut conn = open::writer(config)?;
        let version = migrate(&mut conn, &path, MIGRATIONS)?;
        let pool = pool::read_pool(config)?;
        let readers = reader::spawn(pool, config.read_threads, config.queue_capacity)?;
        let writer = match writer::spawn(conn, config.max_batch, config.queue_capacity) {
            Ok(writer) => writer,
            Err(e) => {
                drop(readers.queue);
                for handle in readers.threads {
                    let _ = handle.join();
                }
                return Err(e);
            }
        };
        log::info!(
            "database {} open: schema version {version}, synchronous {}, \
             {} read threads on {} pooled connections",
            path.display(),
            config.synchronous,
            config.read_threads,
            config.read_pool_size
        );
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                reads: RwLock::new(Some(readers.queue)),
                writes: RwLock::new(Some(writer.queue)),
                threads: Mutex::new(Threads {
                    readers: readers.threads,
                    writer: Some(writer.thread),
                }),
                counters: writer.counters,
                lock: Mutex::new(Some(lock)),
            }),
        })
    }

    /// Runs `f` on a reader thread with a read-only connection checked out of the
    /// pool for `f` alone, and returns its result.
    ///
    /// `f` sees a consistent snapshot that includes every write whose result has
    /// been delivered. A full queue answers [`StoreError::Busy`] at once.
    pub async fn read<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        submit(&self.inner.reads, job::read(f, reply))?;
        result.await.unwrap_or(Err(StoreError::Closed))
    }

    /// Runs `f` on the writer thread inside a transaction shared with other
    /// concurrent writes, and returns its result once that transaction has
    /// committed: `Ok` means durable (with `synchronous = FULL`).
    ///
    /// When `f` returns `Err` (e.g. [`StoreError::Rollback`]) its changes are rolled
    /// back and no other write is affected. `f` must not end the transaction itself
    /// (`COMMIT`, `ROLLBACK`). Dropping the returned future after it has been polled
    /// does not cancel the write. A full queue answers [`StoreError::Busy`] at once.
    pub async fn write<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Transaction<'_>) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        submit(&self.inner.writes, job::write(f, reply))?;
        result.await.unwrap_or(Err(StoreError::Closed))
    }

    /// Stops taking jobs, finishes the queued ones, checkpoints the WAL into the
    /// database file and joins the threads. Blocks until done; later calls (and
    /// calls racing this one) return once the store is closed. Later jobs get
    /// [`StoreError::Closed`].
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether [`Store::close`] has begun: new jobs are refused.
    pub fn is_closed(&self) -> bool {
        self.inner
            .writes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How many write transactions and jobs the writer has run (group-commit ratio).
    pub fn stats(&self) -> StoreStats {
        self.inner.counters.snapshot()
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Queues `job` without waiting: a full queue is `Busy`, a closed one `Closed`.
fn submit<J>(slot: &RwLock<Option<SyncSender<J>>>, job: J) -> Result<(), StoreError> {
    let queue = slot.read().unwrap_or_else(PoisonError::into_inner);
    let Some(queue) = queue.as_ref() else {
        return Err(StoreError::Closed);
    };
    queue.try_send(job).map_err(|e| match e {
        TrySendError::Full(_) => StoreError::Busy,
        TrySendError::Disconnected(_) => StoreError::Closed,
    })
}

impl Inner {
    /// See [`Store::close`].
    fn close(&self) {
        // Held throughout, so a second caller waits until the first has finished.
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        // Dropping the senders closes the queues; the threads drain them and stop.
        drop(take(&self.reads));
        drop(take(&self.writes));
        // A job that closes the store runs on a store thread, which cannot wait for itself.
        let me = thread::current().id();
        for handle in threads.readers.drain(..) {
            if handle.thread().id() != me && handle.join().is_err() {
                log::error!("database {}: a reader thread panicked", self.path.display());
            }
        }
        let Some(handle) = threads.writer.take() else {
            return;
        };
        if handle.thread().id() == me {
            return;
        }
        match handle.join() {
            Ok(conn) => {
                writer::checkpoint(&conn, &self.path);
                if let Err((_, e)) = conn.close() {
                    log::warn!("database {}: close failed: {e}", self.path.display());
                }
                log::info!("database {} closed", self.path.display());
            }
            Err(_) => log::error!(
                "database {}: the writer thread panicked",
                self.path.display()
            ),
        }
        // The writer is done with the file: another roster may have it now.
        drop(
            self.lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.close();
    }
}

/// Takes the sender out of its slot, leaving `None` (closed).
fn take<J>(slot: &RwLock<Option<SyncSender<J>>>) -> Option<SyncSender<J>> {
    slot.write().unwrap_or_else(PoisonError::into_inner).take()
}
