//! The schema, as an append-only list of migrations numbered by `PRAGMA user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::open::locked_or;
use super::StoreError;

/// Every migration, oldest first. Entry `i` takes the schema from version `i` to
/// `i + 1`. Append only: never edit or reorder a released entry, because deployed
/// databases have already run it.
pub const MIGRATIONS: &[&str] = &[
    // 1: small key/value facts about this server (e.g. its signing key).
    "CREATE TABLE meta (
         key   TEXT PRIMARY KEY NOT NULL,
         value BLOB NOT NULL
     ) STRICT;",
    // 2: Auth sessions and the per-phone send history.
    crate::auth::SCHEMA,
    // 3: Profile: persons, profiles, 'Roster' accounts, pending phone migrations.
    crate::profile::SCHEMA,
    // 4: no query looks sessions up by user_id, and every verify paid to keep this
    // index (a random key, so one more page written per login).
    "DROP INDEX auth_session_user;",
    // 5: JWTs that confirmed a device, so none confirms a second one: the SHA-256 of
    // its jti (or of its signed part), kept until the token would be refused anyway.
    "CREATE TABLE auth_jwt_used (
         hash    BLOB PRIMARY KEY NOT NULL,
         expires INTEGER NOT NULL
     ) STRICT, WITHOUT ROWID;
     CREATE INDEX auth_jwt_used_expires ON auth_jwt_used(expires);",
    // 6: codes sent per clock hour, in all (scope '*') and per country calling code
    // (scope '+<code>'), behind auth.max_sends_per_hour and
    // auth.max_sends_per_country_per_hour; `warned` once the cap has refused a send
    // that hour. Hours before the current one are deleted as sends are counted.
    "CREATE TABLE auth_send_hour (
         scope  TEXT NOT NULL,
         hour   INTEGER NOT NULL,
         sends  INTEGER NOT NULL,
         warned INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (scope, hour)
     ) STRICT, WITHOUT ROWID;",
];

/// Brings the database up to date, one migration per `BEGIN IMMEDIATE` transaction.
///
/// Even an up-to-date database gets one (empty) write transaction, so a file held
/// by another writer is reported as [`StoreError::Locked`] now rather than on the
/// first request. Returns the schema version reached.
pub(crate) fn migrate(
    conn: &mut Connection,
    path: &Path,
    migrations: &[&str],
) -> Result<usize, StoreError> {
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| locked_or(e, path))?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let version = usize::try_from(found)
            .ok()
            .filter(|v| *v <= migrations.len())
            .ok_or_else(|| StoreError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                known: migrations.len(),
            })?;
        let Some(sql) = migrations.get(version) else {
            tx.commit().map_err(|e| locked_or(e, path))?;
            return Ok(version);
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit().map_err(|e| locked_or(e, path))?;
        log::info!(
            "database {}: migrated to schema version {}",
            path.display(),
            version + 1
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("user_version")
    }

    #[test]
    fn runs_each_migration_once_and_sets_user_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).expect("open");
        let list = ["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"];

        assert_eq!(migrate(&mut conn, &path, &list[..1]).expect("first"), 1);
        assert_eq!(user_version(&conn), 1);
        // A second run with one more entry applies only the new one; re-running
        // the first would fail with "table a already exists".
        assert_eq!(migrate(&mut conn, &path, &list).expect("second"), 2);
        assert_eq!(migrate(&mut conn, &path, &list).expect("third"), 2);
        assert_eq!(user_version(&conn), 2);
    }

    #[test]
    fn a_failing_migration_leaves_no_trace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).expect("open");
        let list = ["CREATE TABLE a (x INTEGER); CREATE TABLE broken (;"];

        assert!(migrate(&mut conn, &path, &list).is_err());
        assert_eq!(user_version(&conn), 0);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .expect("count");
        assert_eq!(tables, 0, "table a must be rolled back with its migration");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", 7).expect("set");

        let err = migrate(&mut conn, &path, MIGRATIONS).expect_err("too new");
        assert!(
            matches!(err, StoreError::SchemaTooNew { found: 7, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("m.db"), "{err}");
    }

    #[test]
    fn the_shipped_migrations_apply_to_an_empty_database() {
        let mut conn = Connection::open_in_memory().expect("open");
        let version = migrate(&mut conn, Path::new(":memory:"), MIGRATIONS).expect("migrate");
        assert_eq!(version, MIGRATIONS.len());
        let user_index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'auth_session_user'",
                [],
                |row| row.get(0),
            )
            .expect("count");
        assert_eq!(user_index, 0, "migration 4 drops the unused user_id index");
    }
}
