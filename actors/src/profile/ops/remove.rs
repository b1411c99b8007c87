//! `remove`: the whole account goes in one transaction: its pending migration, its
//! accounts, the profile, the person and every session of the phone.

use rusqlite::{params, Connection};

use super::{env::Fail, rows};
use crate::profile::answer::ProfileError;

/// Deletes the account of `phone`; the profile as it was, with the sessions that
/// were deleted (whose connections must close).
pub fn remove(conn: &Connection, phone: &str) -> Result<rows::Loaded, Fail> {
    let loaded = rows::load(conn, phone)?.ok_or(ProfileError::NotAuthorized)?;
    let person = &loaded.view.person_id;
    for sql in [
        "DELETE FROM profile_migration WHERE person_id = ?1",
        "DELETE FROM roster_account WHERE person_id = ?1",
        "DELETE FROM profile WHERE person_id = ?1",
        "DELETE FROM person WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute(params![person])?;
    }
    crate::sessions::delete_phone(conn, phone)?;
    Ok(loaded)
}
