//! Whom a Profile request acts for: the phone of the caller's live session, once the
//! request's phone slot (where it names the caller's own account) fits it. Every
//! operation's job starts here.

use rusqlite::Connection;

use super::env::Fail;
use crate::{phone::PhoneSlot, profile::answer::ProfileError};

/// The phone the connection `client_id` acts for: its logged-in session's, while
/// `token` is still that session's token.
pub fn caller_phone(
    conn: &Connection,
    client_id: &str,
    token: Option<&str>,
) -> Result<String, Fail> {
    crate::sessions::caller_phone(conn, client_id, token)?
        .ok_or_else(|| ProfileError::NotAuthorized.into())
}

/// A request's phone slot that names the caller's own account must fit its `phone`.
pub fn own_phone(slot: &PhoneSlot, phone: &str) -> Result<(), ProfileError> {
    if slot.fits(phone) {
        Ok(())
    } else {
        Err(ProfileError::NotAuthorized)
    }
}

/// The phone `client_id` (connected with `token`) acts for, once `own` (the slot
/// where the request names the caller's account) fits it: every request checks this
/// first.
pub fn acting_phone(
    conn: &Connection,
    client_id: &str,
    token: Option<&str>,
    own: Option<&PhoneSlot>,
) -> Result<String, Fail> {
    let phone = caller_phone(conn, client_id, token)?;
    if let Some(slot) = own {
        own_phone(slot, &phone)?;
    }
    Ok(phone)
}
