//! `email`: the contact email carried in the data slot, kept on the person.

use rusqlite::{params, Connection};

use super::{env::Fail, rows};
use crate::profile::{answer::ProfileError, email::EmailAddress};

/// Stores `address` (`None`: the request carried no plausible one) on `phone`'s person.
pub fn email(conn: &Connection, phone: &str, address: Option<&EmailAddress>) -> Result<(), Fail> {
    let address = address.ok_or(ProfileError::InvalidEmail)?;
    let profile = rows::by_phone(conn, phone)?.ok_or(ProfileError::NotAuthorized)?;
    conn.prepare_cached("UPDATE person SET email = ?1 WHERE id = ?2")?
        .execute(params![address.as_str(), profile.person_id])?;
    Ok(())
}
