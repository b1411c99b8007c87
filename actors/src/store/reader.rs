//! The reader threads: a fixed set of OS threads taking read jobs from one bounded queue.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use super::job::ReadJob;
use super::open::ReaderPool;
use super::StoreError;

/// The reader threads' shared queue and their handles.
pub(crate) struct Readers {
    /// Where `Store::read` puts jobs; dropping it lets the threads finish the queue and stop.
    pub queue: SyncSender<Box<dyn ReadJob>>,
    /// Joined by `Store::close`.
    pub threads: Vec<JoinHandle<()>>,
}

/// Starts `count` threads that share `pool` and a queue of `capacity` jobs.
pub(crate) fn spawn(pool: ReaderPool, count: u32, capacity: usize) -> Result<Readers, StoreError> {
    let (queue, rx) = mpsc::sync_channel(capacity);
    let rx = Arc::new(Mutex::new(rx));
    let mut threads = Vec::new();
    for n in 0..count {
        let (pool, rx) = (pool.clone(), Arc::clone(&rx));
        let spawned = thread::Builder::new()
            .name(format!("roster-store-reader-{n}"))
            .spawn(move || run(&pool, &rx));
        match spawned {
            Ok(handle) => threads.push(handle),
            Err(e) => {
                // Without the sender the started threads see the queue close and stop.
                drop(queue);
                for handle in threads {
                    let _ = handle.join();
                }
                return Err(StoreError::Thread(e));
            }
        }
    }
    Ok(Readers { queue, threads })
}

/// One reader thread: take a job, lend it a pooled connection, repeat until the
/// queue is closed and empty.
fn run(pool: &ReaderPool, rx: &Mutex<Receiver<Box<dyn ReadJob>>>) {
    loop {
        // The lock is held only while waiting; the job runs without it.
        let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        match pool.get() {
            Ok(conn) => {
                job.run(Ok(&conn));
                if !conn.is_autocommit() {
                    // The closure opened a transaction and left it: end it, or the
                    // WAL could never be checkpointed past this reader's snapshot.
                    if let Err(e) = conn.execute_batch("ROLLBACK") {
                        log::warn!("reader: cannot end a transaction left open by a job: {e}");
                    }
                }
            }
            Err(e) => job.run(Err(StoreError::Pool(e))),
        }
    }
}
