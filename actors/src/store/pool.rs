//! The SQLite read pool: r2d2 over `r2d2_sqlite` connections opened `query_only`,
//! each handed back in autocommit. (A PostgreSQL store would wrap `r2d2_postgres`'s
//! manager here the same way; the reader threads would not change.)

use std::time::Duration;

use r2d2::{ManageConnection, Pool};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

use super::{StoreConfig, StoreError};

/// The pool read jobs check their connections out of.
pub(crate) type ReadPool = Pool<ReadOnly>;

/// `r2d2_sqlite`'s manager, with one duty added: a connection that comes back from
/// a job with a transaction still open (a closure ran `BEGIN` and returned) has it
/// rolled back before anyone else gets it; otherwise its snapshot would keep the
/// WAL from ever being checkpointed past it. If even that fails, the pool drops
/// the connection and opens a fresh one.
#[derive(Debug)]
pub(crate) struct ReadOnly(SqliteConnectionManager);

impl ManageConnection for ReadOnly {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        self.0.is_valid(conn)
    }

    /// Called by r2d2 as each connection is returned; a `ROLLBACK` is quick.
    fn has_broken(&self, conn: &mut Connection) -> bool {
        if conn.is_autocommit() {
            return false;
        }
        match conn.execute_batch("ROLLBACK") {
            Ok(()) => false,
            Err(e) => {
                log::warn!("read pool: cannot end a transaction a job left open: {e}");
                true
            }
        }
    }
}

/// Builds the read pool: `read_pool_size` connections, opened now (a file that
/// cannot be read fails start-up) and kept for the store's life (their page caches
/// stay warm), each `query_only` so a read job cannot write behind the writer's
/// back. A checkout waits up to `busy_timeout_ms` (at least a second) for a
/// connection when all are out, then fails the job with [`StoreError::Pool`].
pub(crate) fn read_pool(config: &StoreConfig) -> Result<ReadPool, StoreError> {
    let busy = Duration::from_millis(config.busy_timeout_ms);
    let manager = SqliteConnectionManager::file(&config.path)
        .with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_init(move |conn| {
            conn.busy_timeout(busy)?;
            conn.pragma_update(None, "foreign_keys", true)?;
            conn.pragma_update(None, "query_only", true)
        });
    let size = config.read_pool_size;
    Pool::builder()
        .max_size(size)
        .min_idle(Some(size))
        .idle_timeout(None)
        .max_lifetime(None)
        .test_on_check_out(false)
        .connection_timeout(busy.max(Duration::from_secs(1)))
        .build(ReadOnly(manager))
        .map_err(StoreError::Pool)
}

#[cfg(test)]
mod tests;
