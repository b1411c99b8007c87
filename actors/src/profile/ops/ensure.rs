//! The profile of a phone account is created at its first successful verify: a
//! person, the profile and its first `'Roster'` account, in the verify's transaction.

use rusqlite::{params, Connection};

use super::rows;

/// The person id of `phone`'s profile, creating the person, the profile and its first
/// account when the phone has none yet.
pub fn ensure(conn: &Connection, phone: &str, now: i64) -> rusqlite::Result<String> {
    if let Some(p) = rows::by_phone(conn, phone)? {
        return Ok(p.person_id);
    }
    // Not a secret, only unique: 48 bits of the clock then 80 random bits (SQLite's
    // randomness is enough). Time-ordered ids land at the right edge of every index
    // keyed by them (person, profile, roster_account) instead of on a random page
    // each, which is most of what a commit writes.
    let person_id: String = conn
        .prepare_cached(
            "INSERT INTO person (id, created) \
             VALUES (printf('%012x', ?1 & 0xffffffffffff) || lower(hex(randomblob(10))), ?1) \
             RETURNING id",
        )?
        .query_row(params![now], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO profile (person_id, phone, update_ms, created) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![person_id, phone, now])?;
    conn.prepare_cached(
        "INSERT INTO roster_account (person_id, update_ms, created) VALUES (?1, ?2, ?2)",
    )?
    .execute(params![person_id, now])?;
    Ok(person_id)
}
