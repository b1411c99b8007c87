//! The `meta` table: small named facts about this server, such as its signing key.

use rusqlite::{Connection, OptionalExtension};

use super::{Store, StoreError};

/// Reads the value stored under `key`, if any.
pub fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let value = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?;
    Ok(value)
}

/// Stores `value` under `key`, replacing any earlier value. Call it inside a write job.
pub fn set(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute((key, value))?;
    Ok(())
}

/// Returns the value under `key`, first storing `make()` there if there is none.
/// Inside a write job this is atomic: two servers starting at once agree on one
/// value (the server key is made exactly once).
pub fn get_or_insert_with(
    conn: &Connection,
    key: &str,
    make: impl FnOnce() -> Vec<u8>,
) -> Result<Vec<u8>, StoreError> {
    if let Some(value) = get(conn, key)? {
        return Ok(value);
    }
    let value = make();
    set(conn, key, &value)?;
    Ok(value)
}

impl Store {
    /// Reads the value stored under `key` in the `meta` table.
    pub async fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.read(move |conn| get(conn, &key)).await
    }

    /// Stores `value` under `key` in the `meta` table; returns once committed.
    pub async fn meta_set(&self, key: &str, value: Vec<u8>) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |tx| set(tx, &key, &value)).await
    }
}
