//! Opening the file: the folder and the files made owner-only, the lock file, the
//! writer connection's pragmas, errors that name the path.

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{ffi, Connection, OpenFlags};

use super::{StoreConfig, StoreError};
use crate::files;

/// Opens the one connection that writes: creates the folder (0700) and the file
/// (0600), turns on WAL, sets `synchronous`, `busy_timeout`, `foreign_keys` and the
/// `max_pages` cap.
pub(crate) fn writer(config: &StoreConfig) -> Result<Connection, StoreError> {
    let path = &config.path;
    create_parent(path)?;
    create_file(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(e, path))?;
    conn.busy_timeout(Duration::from_millis(config.busy_timeout_ms))
        .map_err(|e| open_error(e, path))?;
    // The first statement that reads the file: this is where "not a database",
    // "unreadable" and "held exclusively by someone else" show up.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| open_error(e, path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Open {
            path: path.clone(),
            source: rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_CANTOPEN),
                Some(format!("journal mode stays {mode:?}; WAL is required")),
            ),
        });
    }
    conn.pragma_update(None, "synchronous", config.synchronous.as_sql())
        .map_err(|e| open_error(e, path))?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(|e| open_error(e, path))?;
    // Every job runs in its own SAVEPOINT, whose undo pages go to a statement journal:
    // in memory, not a temporary file written for every job (it never outlives the
    // transaction, and the WAL is what makes a commit durable).
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(|e| open_error(e, path))?;
    if config.max_pages > 0 {
        // Only this connection writes, so its cap is the database's. SQLite never
        // sets it below the file's current size.
        conn.pragma_update(None, "max_page_count", config.max_pages as i64)
            .map_err(|e| open_error(e, path))?;
    }
    Ok(conn)
}

/// Takes the exclusive advisory lock (`flock`) on `<path>.lock`, creating the file
/// (0600, and the folder) if needed: one roster per database. SQLite's own locks do not
/// see a second server while the first is idle (WAL lets both open), and two group
/// committers on one file would make each other time out. The lock lasts as long
/// as the returned `File`, and the kernel drops it when the process dies (kill -9
/// included), so a crash never leaves a stale lock behind.
pub(crate) fn lock(config: &StoreConfig) -> Result<File, StoreError> {
    create_parent(&config.path)?;
    let path = lock_path(&config.path);
    let file = files::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
            path: config.path.clone(),
        }),
        Err(TryLockError::Error(source)) => Err(StoreError::Io { path, source }),
    }
}

/// The lock file beside the database: `roster.db` → `roster.db.lock`.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Creates the folder that will hold the database (0700, with any missing parents),
/// naming it if that fails.
fn create_parent(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            files::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// Creates the database file empty and 0600 before SQLite opens it (SQLite would
/// make it 0644), so its `-wal` and `-shm` files are 0600 too: SQLite gives them
/// the database file's mode. A file already there is left as it is, with a warning
/// if group or others may read it.
fn create_file(path: &Path) -> Result<(), StoreError> {
    match files::options().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if let Some(mode) = std::fs::metadata(path)
                .ok()
                .and_then(|m| files::shared_bits(&m))
            {
                log::warn!(
                    "database {} has mode {mode:04o}: group or others can read its token and \
                     code hashes; `chmod 600` it and its -wal and -shm files",
                    path.display()
                );
            }
            Ok(())
        }
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Whether SQLite gave up waiting for a lock someone else holds.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked)
    )
}

/// A lock held by others becomes [`StoreError::Locked`]; anything else stays a
/// SQLite error.
pub(crate) fn locked_or(e: rusqlite::Error, path: &Path) -> StoreError {
    if is_busy(&e) {
        StoreError::Locked {
            path: path.to_path_buf(),
        }
    } else {
        StoreError::Sqlite(e)
    }
}

/// A lock held by others becomes [`StoreError::Locked`]; anything else is an open
/// failure naming the file.
fn open_error(e: rusqlite::Error, path: &Path) -> StoreError {
    if is_busy(&e) {
        StoreError::Locked {
            path: path.to_path_buf(),
        }
    } else {
        StoreError::Open {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

#[cfg(all(test, unix))]
mod tests;
