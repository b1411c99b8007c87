//! What Profile asks of the Auth sessions (the `auth_session` table, which Auth
//! writes): whose phone a connection acts for, the logged-in sessions of a phone, and
//! removing or moving them all with the account.

use rusqlite::{params, Connection, OptionalExtension};

use crate::secret::Token;

/// The phone of the logged-in session `client_id`, if `token` is still its token
/// (a connection whose session was logged out or replaced acts for nobody).
pub fn caller_phone(
    conn: &Connection,
    client_id: &str,
    token: Option<&str>,
) -> rusqlite::Result<Option<String>> {
    let Some(token) = token else {
        return Ok(None);
    };
    let row: Option<(String, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT phone, token_hash FROM auth_session WHERE client_id = ?1 AND logged_in = 1",
        )?
        .query_row(params![client_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row
        .filter(|(_, hash)| Token::text_matches(token, hash))
        .map(|(phone, _)| phone))
}

/// The ClientIds of the logged-in sessions of `phone`, oldest first.
pub fn logged_in_ids(conn: &Connection, phone: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id FROM auth_session WHERE phone = ?1 AND logged_in = 1 \
         ORDER BY created, client_id",
    )?;
    let ids = stmt.query_map(params![phone], |r| r.get(0))?;
    ids.collect()
}

/// Deletes every session of `phone`, pending or logged in.
pub fn delete_phone(conn: &Connection, phone: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM auth_session WHERE phone = ?1")?
        .execute(params![phone])?;
    Ok(())
}

/// Moves every logged-in session of `old` to `new` (pending registrations stay with
/// the phone they are for).
pub fn move_phone(conn: &Connection, old: &str, new: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE auth_session SET phone = ?2 WHERE phone = ?1 AND logged_in = 1")?
        .execute(params![old, new])?;
    Ok(())
}
