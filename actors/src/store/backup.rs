//! Tools for a database that a running server may be using: a consistent online copy
//! (SQLite's backup API) and a check (integrity and schema version). Both open the
//! file read-only through their own connection, in another process or thread than
//! the server's, and never take the server's `<db>.lock`.

use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{backup::Backup, Connection, OpenFlags};

use super::{StoreError, MIGRATIONS};

/// What a copy wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The copy of the database.
    pub db: PathBuf,
    /// Its pages (of the source's page size).
    pub pages: u64,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// `PRAGMA user_version`.
    pub schema_version: i64,
    /// The version this build migrates to.
    pub known_version: usize,
    /// `PRAGMA integrity_check`'s lines: `["ok"]` for a sound file.
    pub integrity: Vec<String>,
}

impl Checked {
    /// Sound, and at the schema version this build writes.
    pub fn is_ok(&self) -> bool {
        self.integrity == ["ok"] && usize::try_from(self.schema_version) == Ok(self.known_version)
    }
}

/// Opens `db` read-only, waiting up to `busy` for a writer's brief locks.
fn open_read_only(db: &Path, busy: Duration) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let open = |e| StoreError::Open {
        path: db.to_path_buf(),
        source: e,
    };
    if !db.is_file() {
        return Err(open(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some("no such database file".into()),
        )));
    }
    let conn = Connection::open_with_flags(db, flags).map_err(open)?;
    conn.busy_timeout(busy).map_err(open)?;
    // The first read: "not a database" shows up here.
    conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map_err(open)?;
    Ok(conn)
}

/// Copies the database at `db` to `dest` (a new file, mode 0600), consistent as of
/// one moment: every transaction committed before the copy began is in it, none
/// that committed after. The whole copy is one step of the backup API, so it reads
/// one snapshot and never restarts; in WAL mode that read does not block the
/// server's writes (checkpoints wait for it). The copy is written beside `dest` and
/// renamed into place, so `dest` is either absent or whole.
pub fn copy(db: &Path, dest: &Path) -> Result<Copied, StoreError> {
    let src = open_read_only(db, Duration::from_secs(5))?;
    let partial = dest.with_extension("partial");
    let _ = fs::remove_file(&partial);
    let dest_err = |e: rusqlite::Error| StoreError::Open {
        path: dest.to_path_buf(),
        source: e,
    };
    // Created 0600 before SQLite opens it: the copy holds what the original holds.
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| StoreError::Io {
            path: partial.clone(),
            source: e,
        })?;
    let result = (|| {
        let mut out = Connection::open(&partial).map_err(dest_err)?;
        let pages = {
            let backup = Backup::new(&src, &mut out).map_err(dest_err)?;
            backup.step(-1).map_err(dest_err)?;
            backup.progress().pagecount
        };
        // A standalone file: no WAL beside it.
        out.pragma_update(None, "journal_mode", "DELETE")
            .map_err(dest_err)?;
        out.close().map_err(|(_, e)| dest_err(e))?;
        Ok(pages)
    })();
    match result {
        Ok(pages) => {
            fs::rename(&partial, dest).map_err(|e| StoreError::Io {
                path: dest.to_path_buf(),
                source: e,
            })?;
            Ok(Copied {
                db: dest.to_path_buf(),
                pages: u64::try_from(pages).unwrap_or(0),
            })
        }
        Err(e) => {
            let _ = fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Runs SQLite's integrity check on `db` and reads its schema version.
pub fn check(db: &Path) -> Result<Checked, StoreError> {
    let conn = open_read_only(db, Duration::from_secs(5))?;
    let schema_version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let integrity = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Checked {
        schema_version,
        known_version: MIGRATIONS.len(),
        integrity,
    })
}

/// Copies the server key at `key` to `dest` with mode 0600 (a backup of the database
/// is useless without it: codes and migration codes are hashed under it).
pub fn copy_key(key: &Path, dest: &Path) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    fs::copy(key, dest).map_err(io(key))?;
    fs::set_permissions(dest, fs::Permissions::from_mode(0o600)).map_err(io(dest))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreConfig};

    fn config(dir: &Path) -> StoreConfig {
        StoreConfig {
            path: dir.join("roster.db"),
            ..StoreConfig::default()
        }
    }

    #[actix_rt::test]
    async fn a_copy_of_a_live_store_holds_what_was_committed_and_checks_ok() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&config(dir.path())).unwrap();
        store.meta_set("before", b"1".to_vec()).await.unwrap();
        let dest = dir.path().join("copy.db");
        let db = store.path().to_path_buf();
        let copied = tokio::task::spawn_blocking({
            let dest = dest.clone();
            move || copy(&db, &dest)
        })
        .await
        .unwrap()
        .unwrap();
        assert!(copied.pages > 0);
        store.meta_set("after", b"2".to_vec()).await.unwrap();
        let mode = fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let checked = check(&dest).unwrap();
        assert!(checked.is_ok(), "{checked:?}");
        let conn = Connection::open(&dest).unwrap();
        assert_eq!(
            crate::store::meta::get(&conn, "before").unwrap(),
            Some(b"1".to_vec())
        );
        assert_eq!(crate::store::meta::get(&conn, "after").unwrap(), None);
        assert!(!dest.with_extension("partial").exists());
        store.close();
    }

    #[test]
    fn check_names_a_missing_or_foreign_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.db");
        let err = check(&missing).unwrap_err();
        assert!(err.to_string().contains("none.db"), "{err}");
        let junk = dir.path().join("junk.db");
        fs::write(&junk, vec![7u8; 8192]).unwrap();
        let err = check(&junk).unwrap_err();
        assert!(err.to_string().contains("junk.db"), "{err}");
    }

    #[test]
    fn a_copy_never_overwrites_with_a_half_file_and_refuses_a_missing_source() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("copy.db");
        assert!(copy(&dir.path().join("none.db"), &dest).is_err());
        assert!(!dest.exists());
        assert!(!dest.with_extension("partial").exists());
    }
}
