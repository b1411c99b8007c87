//! `verify`: the code (or JWT) against the pending session; success turns it into a
//! logged-in session `emqttd_<symbols>`, replacing an older one with that id when it
//! is the same phone's (another phone's is refused, untouched), and creates the
//! account's profile on its first login (its person id is the user_id). A JWT confirms
//! once: `spent.rs` remembers it.

use rusqlite::{params, Connection};

use super::{
    env::{logged_in_id, AuthEnv, Fail},
    row, spent,
};
use crate::{
    auth::{answer::AuthError, request::Verify},
    phone::Phone,
};

/// A successful verify.
#[derive(Debug)]
pub struct Verified {
    /// The logged-in ClientId.
    pub client_id: String,
    /// The account's phone.
    pub phone: Phone,
    /// An older session with that ClientId was replaced (its connection must close):
    /// the phone it was on.
    pub replaced: Option<String>,
}

fn count_failure(conn: &Connection, client_id: &str) -> Result<(), Fail> {
    conn.prepare_cached("UPDATE auth_session SET attempts = attempts + 1 WHERE client_id = ?1")?
        .execute(params![client_id])?;
    Ok(())
}

/// `verify` from the registering session `client_id`.
pub fn verify(
    conn: &Connection,
    env: &AuthEnv,
    client_id: &str,
    req: &Verify,
) -> Result<Verified, Fail> {
    let row = row::by_token(conn, &req.token.hash())?
        .filter(|r| !r.logged_in)
        .ok_or(AuthError::SessionNotFound)?;
    if row.client_id != client_id {
        return Err(AuthError::MismatchUserData.into());
    }
    if !req.phone.fits(&row.phone) {
        return Err(AuthError::MismatchUserData.into());
    }
    if let (Some(given), Some(stored)) = (&req.dev_key, &row.dev_key) {
        if given != stored {
            return Err(AuthError::MismatchUserData.into());
        }
    }
    let new_id = logged_in_id(client_id);
    // Knowing a device's symbols must not let another phone log in as it: only the
    // same phone may replace a logged-in session.
    if new_id != client_id && row::by_client(conn, &new_id)?.is_some_and(|o| o.phone != row.phone) {
        return Err(AuthError::MismatchUserData.into());
    }
    if row.attempts >= i64::from(env.cfg.max_attempts) {
        return Err(AuthError::AttemptsExpired.into());
    }
    let phone = Phone::from_store(row.phone.clone());
    if row.is_jwt() {
        let confirmed = req
            .proof
            .as_ref()
            .and_then(|proof| env.jwt.verify(proof.jwt(), &phone, env.now));
        let ok = match confirmed {
            Some(c) => spent::first_use(conn, &c, env.now)?,
            None => false,
        };
        if !ok {
            count_failure(conn, client_id)?;
            return Err(AuthError::InvalidJwtCode.into());
        }
    } else {
        let issued = row.code_at.unwrap_or(0);
        if env.now - issued >= env.cfg.code_ttl_secs as i64 * 1000 {
            return Err(AuthError::CodeExpired.into());
        }
        let ok = match (&req.proof, &row.code_hash) {
            (Some(proof), Some(stored)) => env.key.matches(client_id, &proof.code(), stored),
            _ => false,
        };
        if !ok {
            count_failure(conn, client_id)?;
            return Err(AuthError::InvalidSmsCode.into());
        }
    }
    // The account's profile is created at its first login, in this transaction.
    let person_id = crate::profile::ensure(conn, &row.phone, env.now)?;
    let replaced = if new_id == client_id {
        None
    } else {
        row::delete_returning_phone(conn, &new_id)?
    };
    // The row becomes the logged-in session in place: its token and phone stay, so
    // only the ClientId index entry moves (a delete and an insert would rewrite every
    // index entry of the row).
    conn.prepare_cached(
        "UPDATE auth_session SET client_id = ?1, logged_in = 1, dev_key = ?2, user_id = ?3, \
         code_hash = NULL, code_at = NULL, attempts = 0 WHERE client_id = ?4",
    )?
    .execute(params![
        new_id,
        req.dev_key.as_ref().or(row.dev_key.as_ref()),
        person_id,
        client_id
    ])?;
    Ok(Verified {
        client_id: new_id,
        phone,
        replaced,
    })
}
