//! `StoreError`: everything that can go wrong between a domain request and the database file.

use std::io;
use std::path::PathBuf;

use rusqlite::ffi;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A statement failed: constraint, I/O inside SQLite, disk full, …
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The reader connection pool could not be built or handed out a connection.
    #[error("reader pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// A file-system step outside SQLite failed (creating the database folder).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder the step was about.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The database file could not be opened or is not a usable SQLite database.
    #[error("cannot open database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// Another roster has the database open (it holds `<path>.lock`), or another
    /// process or connection held the file past `busy_timeout_ms`.
    #[error(
        "database {} is locked by another process (another roster holding {}.lock, \
         or a connection holding the file past busy_timeout_ms)",
        path.display(),
        path.display()
    )]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The file was migrated by a newer roster; this one does not know its tables.
    #[error(
        "database {} has schema version {found}, newer than this roster's {known}",
        path.display()
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// How many migrations this build knows.
        known: usize,
    },
    /// A `storage.*` setting is out of range.
    #[error("{key}: {reason}")]
    Config {
        /// The config key, e.g. `storage.read_pool_size`.
        key: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// A store thread could not be started.
    #[error("cannot start a store thread: {0}")]
    Thread(#[source] io::Error),
    /// The job queue is full: the disk is behind; the caller should answer "try later".
    #[error("store queue is full")]
    Busy,
    /// The store was closed (shutdown); no more jobs are taken.
    #[error("store is closed")]
    Closed,
    /// A job panicked; its changes were rolled back and the store carries on.
    #[error("store job panicked")]
    Panicked,
    /// Another job of the same batch ended the shared transaction, so this job's
    /// changes were rolled back with it (the reason is that job's error).
    #[error("rolled back with its batch: {0}")]
    Aborted(String),
    /// A write job asked for its own changes to be rolled back, for this reason;
    /// the other jobs of its batch commit. (To answer a client with an error and
    /// keep what was written, a job returns `Ok` with [`Fail::Answer`] settled in it.)
    ///
    /// [`Fail::Answer`]: super::Fail::Answer
    #[error("{0}")]
    Rollback(String),
}

impl StoreError {
    /// Whether SQLite ran out of disk space (`SQLITE_FULL`), so an operator must act.
    pub fn is_disk_full(&self) -> bool {
        self.sqlite_code() == Some(ffi::ErrorCode::DiskFull)
    }

    /// Whether the error is a lock held by someone else (`SQLITE_BUSY`/`SQLITE_LOCKED`).
    pub fn is_locked(&self) -> bool {
        matches!(self, StoreError::Locked { .. })
            || matches!(
                self.sqlite_code(),
                Some(ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked)
            )
    }

    /// SQLite's primary result code, when SQLite produced this error.
    pub fn sqlite_code(&self) -> Option<ffi::ErrorCode> {
        match self {
            StoreError::Sqlite(e) | StoreError::Open { source: e, .. } => e.sqlite_error_code(),
            _ => None,
        }
    }

    /// A copy of this error for every job of a failed batch (the original is not `Clone`).
    /// SQLite failures keep their code, so `is_disk_full` still answers for each job.
    pub(crate) fn duplicate(&self) -> StoreError {
        match self {
            StoreError::Sqlite(e) => StoreError::Sqlite(duplicate_sqlite(e)),
            StoreError::Busy => StoreError::Busy,
            StoreError::Closed => StoreError::Closed,
            StoreError::Panicked => StoreError::Panicked,
            StoreError::Rollback(reason) => StoreError::Rollback(reason.clone()),
            StoreError::Aborted(reason) => StoreError::Aborted(reason.clone()),
            other => StoreError::Aborted(other.to_string()),
        }
    }
}

/// Copies a rusqlite error, keeping SQLite's code and message.
fn duplicate_sqlite(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> StoreError {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_FULL),
            Some("database or disk is full".into()),
        ))
    }

    #[test]
    fn disk_full_is_recognised_and_survives_duplication() {
        assert!(full().is_disk_full());
        assert!(full().duplicate().is_disk_full());
        assert!(!StoreError::Busy.is_disk_full());
    }

    #[test]
    fn locked_error_names_the_path() {
        let e = StoreError::Locked {
            path: PathBuf::from("/var/lib/roster/roster.db"),
        };
        assert!(e.to_string().contains("/var/lib/roster/roster.db"));
        assert!(e.is_locked());
    }
}
