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

pub use change::change;
pub use email::{email, valid_email};
pub use ensure::ensure;
pub use migrate::{confirm, start_migration};
pub use remove::remove;
pub use rows::{load, next_update, Loaded};

use std::sync::Arc;

use rusqlite::Connection;

use super::{answer::ProfileError, config::ProfileConfig};
use crate::{auth::AuthConfig, phone::Phone, secret::CodeKey};

/// What the operations need besides the connection.
#[derive(Clone)]
pub struct Ctx {
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
        Fail::Answer(e)
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
    crate::auth::sessions::caller_phone(conn, client_id, token)?
        .ok_or_else(|| ProfileError::NotAuthorized.into())
}

/// The request's phone slot must be absent or the caller's own `phone`.
pub fn own_phone(slot: Option<&str>, phone: &str) -> Result<(), ProfileError> {
    match slot {
        None => Ok(()),
        Some(p) if Phone::parse(p).is_ok_and(|p| p.as_str() == phone) => Ok(()),
        Some(_) => Err(ProfileError::NotAuthorized),
    }
}

#[cfg(test)]
mod tests;
