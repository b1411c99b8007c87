//! The read side of a store: a pool of connections and the threads that run read
//! jobs, each job checking a connection out of the pool for as long as it runs.
//!
//! Jobs wait in one bounded queue; whichever thread is free takes the next one,
//! checks out any idle connection (`Pool::get`, waiting for one if all are out),
//! runs the job and gives the connection back as the job ends, before it takes
//! another job. So a thread is not married to a connection, and the pool's size
//! and the thread count are separate settings. Nothing here names SQLite: `M` is
//! any r2d2 manager (the read-only SQLite one of `pool.rs` today; `r2d2_postgres`'s
//! for a PostgreSQL store), and a job is a `ReadJob` on `M::Connection`.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use r2d2::{ManageConnection, Pool};

use super::job::ReadJob;
use super::StoreError;

/// The queue read jobs wait in, for connections of type `C`.
pub(crate) type ReadQueue<C> = SyncSender<Box<dyn ReadJob<C>>>;

/// The reader threads' shared queue and their handles.
pub(crate) struct Readers<C> {
    /// Where `Store::read` puts jobs; dropping it lets the threads finish the queue and stop.
    pub queue: ReadQueue<C>,
    /// Joined by `Store::close`; the pool's connections close when the last one ends.
    pub threads: Vec<JoinHandle<()>>,
}

/// Starts `threads` threads that run the jobs of one queue of `capacity`, each job
/// on a connection checked out of `pool`. The threads hold the pool (a handle):
/// its connections are closed once they have all stopped.
pub(crate) fn spawn<M: ManageConnection>(
    pool: Pool<M>,
    threads: u32,
    capacity: usize,
) -> Result<Readers<M::Connection>, StoreError> {
    let (queue, rx) = mpsc::sync_channel(capacity);
    let rx = Arc::new(Mutex::new(rx));
    let mut started = Vec::new();
    for n in 0..threads {
        let (pool, rx) = (pool.clone(), Arc::clone(&rx));
        let spawned = thread::Builder::new()
            .name(format!("roster-store-reader-{n}"))
            .spawn(move || run(&pool, &rx));
        match spawned {
            Ok(handle) => started.push(handle),
            Err(e) => {
                // Without the sender the started threads see the queue close and stop.
                drop(queue);
                for handle in started {
                    let _ = handle.join();
                }
                return Err(StoreError::Thread(e));
            }
        }
    }
    Ok(Readers {
        queue,
        threads: started,
    })
}

/// One reader thread: take a job, check a connection out for it, run it, give the
/// connection back; repeat until the queue is closed and empty.
fn run<M: ManageConnection>(pool: &Pool<M>, rx: &Mutex<Receiver<Box<dyn ReadJob<M::Connection>>>>) {
    loop {
        // The lock is held only while waiting; the job runs without it.
        let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        match pool.get() {
            // The connection goes back to the pool when `conn` drops, as the job ends.
            Ok(mut conn) => job.run(Ok(&mut *conn)),
            Err(e) => job.run(Err(StoreError::Pool(e))),
        }
    }
}
