//! One `auth_session` row and the queries that read it.

use rusqlite::{params, Connection, OptionalExtension, Row};

/// A session row.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// `emqttd_reg_x` / `reg_x` while pending, `emqttd_x` once logged in.
    pub client_id: String,
    /// SHA-256 of the session token.
    pub token_hash: Vec<u8>,
    /// Phone digits (only ever a [`Phone`](crate::phone::Phone) that was parsed).
    pub phone: String,
    /// Pending (false) or logged in.
    pub logged_in: bool,
    /// Device key.
    pub dev_key: Option<String>,
    /// The account's person id, once logged in.
    pub user_id: Option<String>,
    /// Services atoms, comma-separated.
    pub services: String,
    /// HMAC of the pending code.
    pub code_hash: Option<Vec<u8>>,
    /// When the pending code was issued, ms.
    pub code_at: Option<i64>,
    /// Wrong verifies of the pending code.
    pub attempts: i64,
    /// When a code was last sent for this session, ms (the cooldown).
    pub last_send: Option<i64>,
    /// Push token.
    pub push: Option<String>,
    /// OS atom.
    pub os: Option<String>,
    /// Free text.
    pub comments: Option<String>,
    /// Registered, ms.
    pub created: i64,
    /// Last disconnect, ms.
    pub last_online: Option<i64>,
}

const COLUMNS: &str = "client_id, token_hash, phone, logged_in, dev_key, user_id, services, \
     code_hash, code_at, attempts, last_send, push, os, comments, created, last_online";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        client_id: r.get(0)?,
        token_hash: r.get(1)?,
        phone: r.get(2)?,
        logged_in: r.get(3)?,
        dev_key: r.get(4)?,
        user_id: r.get(5)?,
        services: r.get(6)?,
        code_hash: r.get(7)?,
        code_at: r.get(8)?,
        attempts: r.get(9)?,
        last_send: r.get(10)?,
        push: r.get(11)?,
        os: r.get(12)?,
        comments: r.get(13)?,
        created: r.get(14)?,
        last_online: r.get(15)?,
    })
}

impl SessionRow {
    /// The services atoms.
    pub fn services(&self) -> Vec<String> {
        self.services
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Whether the session confirms by JWT.
    pub fn is_jwt(&self) -> bool {
        self.services.split(',').any(|s| s == "jwt")
    }
}

/// The session whose token hashes to `hash`.
pub fn by_token(conn: &Connection, hash: &[u8]) -> rusqlite::Result<Option<SessionRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM auth_session WHERE token_hash = ?1"
    ))?
    .query_row(params![hash], from_row)
    .optional()
}

/// The session with ClientId `id`.
pub fn by_client(conn: &Connection, id: &str) -> rusqlite::Result<Option<SessionRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM auth_session WHERE client_id = ?1"
    ))?
    .query_row(params![id], from_row)
    .optional()
}

/// The logged-in sessions of `phone`, oldest first.
pub fn by_phone(conn: &Connection, phone: &str) -> rusqlite::Result<Vec<SessionRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM auth_session WHERE phone = ?1 AND logged_in = 1 \
         ORDER BY created, client_id"
    ))?;
    let rows = stmt.query_map(params![phone], from_row)?;
    rows.collect()
}

/// Inserts `row`, replacing any row with its ClientId.
pub fn insert(conn: &Connection, row: &SessionRow) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO auth_session ({COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))?
    .execute(params![
        row.client_id,
        row.token_hash,
        row.phone,
        row.logged_in,
        row.dev_key,
        row.user_id,
        row.services,
        row.code_hash,
        row.code_at,
        row.attempts,
        row.last_send,
        row.push,
        row.os,
        row.comments,
        row.created,
        row.last_online,
    ])?;
    Ok(())
}

/// Deletes the session with ClientId `id`; whether there was one.
pub fn delete(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM auth_session WHERE client_id = ?1")?
        .execute(params![id])?
        > 0)
}

/// Deletes the session with ClientId `id`; the phone it was on, if there was one.
pub fn delete_returning_phone(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("DELETE FROM auth_session WHERE client_id = ?1 RETURNING phone")?
        .query_row(params![id], |r| r.get(0))
        .optional()
}
