//! Type-erased jobs: a caller's closure plus the oneshot that carries its result back.
//!
//! The threads see only `Box<dyn ReadJob<C>>` / `Box<dyn WriteJob>`; the generic
//! structs here remember each caller's result type. A read job is generic in the
//! connection type `C` the pool hands out, so the reader threads need not know
//! which database they serve.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rusqlite::{Connection, Transaction};
use tokio::sync::oneshot;

use super::StoreError;

/// Where a job's result goes: the caller awaiting `Store::read` / `Store::write`.
pub(crate) type Reply<R> = oneshot::Sender<Result<R, StoreError>>;

/// A read closure waiting for a reader thread, to run on a connection of type `C`
/// checked out of the read pool.
pub(crate) trait ReadJob<C>: Send {
    /// Runs the closure on `conn` (or hands over the error that kept it from a
    /// connection) and sends the result to the caller.
    fn run(self: Box<Self>, conn: Result<&mut C, StoreError>);
}

/// A write closure waiting for the writer thread.
pub(crate) trait WriteJob: Send {
    /// Runs the closure inside the batch transaction; the result is held back
    /// until the batch is committed (or not).
    fn run(self: Box<Self>, tx: &Transaction<'_>) -> Ran;
    /// Answers the caller with `error` without running the closure.
    fn fail(self: Box<Self>, error: StoreError);
}

/// A write job that has run and waits for its batch's fate.
pub(crate) struct Ran {
    /// `None` if the closure succeeded; otherwise a copy of its error, so the writer
    /// knows to roll the job back and can tell others why, should it end the batch.
    pub failure: Option<StoreError>,
    /// Delivers the held-back result once the batch is settled.
    pub done: Box<dyn Done>,
}

/// The second half of a write job: deliver the result once the batch is settled.
pub(crate) trait Done: Send {
    /// `batch` is `Ok` when the transaction holding this job committed; a job's
    /// own error wins over the batch's.
    fn finish(self: Box<Self>, batch: Result<(), &StoreError>);
}

/// Builds a read job for a reader thread, on a SQLite connection.
pub(crate) fn read<F, R>(f: F, reply: Reply<R>) -> Box<dyn ReadJob<Connection>>
where
    F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    R: Send + 'static,
{
    Box::new(Job { f, reply })
}

/// Builds a write job for the writer thread.
pub(crate) fn write<F, R>(f: F, reply: Reply<R>) -> Box<dyn WriteJob>
where
    F: FnOnce(&Transaction<'_>) -> Result<R, StoreError> + Send + 'static,
    R: Send + 'static,
{
    Box::new(Job { f, reply })
}

/// A closure and its reply channel.
struct Job<F, R> {
    /// The caller's work.
    f: F,
    /// Where the caller waits.
    reply: Reply<R>,
}

impl<F, R> ReadJob<Connection> for Job<F, R>
where
    F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    R: Send + 'static,
{
    fn run(self: Box<Self>, conn: Result<&mut Connection, StoreError>) {
        let Job { f, reply } = *self;
        let result = conn.and_then(|conn| guarded(|| f(conn)));
        // The caller may have stopped waiting; nothing to do then.
        let _ = reply.send(result);
    }
}

impl<F, R> WriteJob for Job<F, R>
where
    F: FnOnce(&Transaction<'_>) -> Result<R, StoreError> + Send + 'static,
    R: Send + 'static,
{
    fn run(self: Box<Self>, tx: &Transaction<'_>) -> Ran {
        let Job { f, reply } = *self;
        let result = guarded(|| f(tx));
        Ran {
            failure: result.as_ref().err().map(StoreError::duplicate),
            done: Box::new(Outcome { result, reply }),
        }
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }
}

/// A write job's result, held until its batch commits.
struct Outcome<R> {
    /// What the closure returned.
    result: Result<R, StoreError>,
    /// Where the caller waits.
    reply: Reply<R>,
}

impl<R: Send> Done for Outcome<R> {
    fn finish(self: Box<Self>, batch: Result<(), &StoreError>) {
        let result = match (self.result, batch) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(e.duplicate()),
            (Err(own), _) => Err(own),
        };
        let _ = self.reply.send(result);
    }
}

/// Runs a caller's closure so that its panic becomes an error instead of killing a
/// store thread (every later request would then fail).
fn guarded<R>(f: impl FnOnce() -> Result<R, StoreError>) -> Result<R, StoreError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        log::error!("a store job panicked; its changes are rolled back");
        Err(StoreError::Panicked)
    })
}
