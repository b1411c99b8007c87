//! The Profile operations, as plain functions over one SQLite connection or
//! transaction. Each request is one store job, so each change is atomic and durable
//! before the reply. Every operation checks before it writes: a domain error leaves
//! nothing half-done (only `confirm`'s wrong-code counter is written on failure).

mod change;
mod email;
mod ensure;
mod migrate;
mod remove;
mod rows;

pub use change::{set, update};
pub use email::email;
pub use ensure::ensure;
pub use migrate::{confirm, start_migration};
pub use remove::remove;
pub use rows::{load, next_update, Loaded};

use std::sync::Arc;

use rusqlite::Connection;

use super::{answer::ProfileError, config::ProfileConfig};
use crate::{codes::AuthConfig, phone::PhoneSlot, secret::CodeKey};

/// What the Profile operations need besides the connection and the request.
#[derive(Clone)]
pub struct ProfileEnv {
    /// `[profile]`.
    pub cfg: Arc<ProfileConfig>,
    /// `[auth]`: code length, TTL, attempts and send limits for migration codes.
    pub auth: Arc<AuthConfig>,
    /// Key codes are hashed under.
    pub key: CodeKey,
    /// "Now" in unix ms, fixed for one operation.
    pub now: i64,
}

/// An operation's failure: a Profile error for the client, or a database error.
pub type Fail = crate::store::Fail<ProfileError>;

impl From<ProfileError> for Fail {
    fn from(e: ProfileError) -> Self {
        Fail::Domain(e)
    }
}

pub use crate::store::settle;

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

#[cfg(test)]
mod tests;
