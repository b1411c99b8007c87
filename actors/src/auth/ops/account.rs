//! Requests about existing sessions: `login`, `logout`, `push`, `list`, the CONNECT
//! token check and `last_online`.

use rusqlite::{params, Connection};

use super::{env::Fail, row};
use crate::{
    auth::{
        answer::{AuthError, SessionView},
        kind::Os,
        request::{Login, Push},
    },
    secret::Token,
};

/// Why a logged-in CONNECT is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// No or wrong password.
    BadToken,
    /// No logged-in session with this ClientId.
    NoSession,
}

/// Whether `token` is the session token of the logged-in `client_id`.
pub fn check_token(
    conn: &Connection,
    client_id: &str,
    token: Option<&str>,
) -> rusqlite::Result<Result<(), TokenRefusal>> {
    let stored: Option<Vec<u8>> = row::by_client(conn, client_id)?
        .filter(|r| r.logged_in)
        .map(|r| r.token_hash);
    Ok(match (stored, token) {
        (None, _) => Err(TokenRefusal::NoSession),
        (Some(_), None) => Err(TokenRefusal::BadToken),
        (Some(hash), Some(t)) if Token::text_matches(t, &hash) => Ok(()),
        (Some(_), Some(_)) => Err(TokenRefusal::BadToken),
    })
}

/// `login`: the token, dev_key and phone (and a ClientId in the user_id slot, as old
/// clients send it) against the stored session.
pub fn login(conn: &Connection, req: &Login) -> Result<(), Fail> {
    let row = row::by_token(conn, &req.token.hash())?.ok_or(AuthError::SessionNotFound)?;
    let contradicts = |given: &Option<String>, stored: &[&Option<String>]| {
        given
            .as_ref()
            .is_some_and(|g| !stored.iter().any(|s| s.as_deref() == Some(g.as_str())))
    };
    if contradicts(&req.dev_key, &[&row.dev_key]) {
        return Err(AuthError::MismatchUserData.into());
    }
    if contradicts(&req.user_id, &[&row.user_id, &Some(row.client_id.clone())]) {
        return Err(AuthError::MismatchUserData.into());
    }
    if !req.phone.fits(&row.phone) {
        return Err(AuthError::MismatchUserData.into());
    }
    Ok(())
}

/// What a logout did.
#[derive(Debug, PartialEq, Eq)]
pub struct LogoutDone {
    /// The ClientId whose session was deleted.
    pub client_id: String,
    /// It was the caller's own.
    pub own: bool,
    /// The account's phone.
    pub phone: String,
}

/// `logout`: the caller's own session, or `target` of the same account.
pub fn logout(conn: &Connection, caller: &str, target: Option<&str>) -> Result<LogoutDone, Fail> {
    let me = row::by_client(conn, caller)?
        .filter(|r| r.logged_in)
        .ok_or(AuthError::SessionNotFound)?;
    let victim = match target {
        None => caller,
        Some(t) if t == caller => caller,
        Some(t) => {
            let other = row::by_client(conn, t)?
                .filter(|r| r.logged_in)
                .ok_or(AuthError::SessionNotFound)?;
            if other.phone != me.phone {
                return Err(AuthError::MismatchUserData.into());
            }
            t
        }
    };
    row::delete(conn, victim)?;
    Ok(LogoutDone {
        client_id: victim.to_owned(),
        own: victim == caller,
        phone: me.phone,
    })
}

/// `push`: stores the push token and OS on the caller's session.
pub fn push(conn: &Connection, caller: &str, req: &Push) -> Result<(), Fail> {
    let n = conn
        .prepare_cached(
            "UPDATE auth_session SET push = ?1, os = ?2 WHERE client_id = ?3 AND logged_in = 1",
        )?
        .execute(params![req.push, req.os.map(Os::as_str), caller])?;
    if n == 0 {
        return Err(AuthError::MismatchUserData.into());
    }
    Ok(())
}

/// `list`: every logged-in session of the caller's account; only the caller's shows
/// its token (which the caller presented at CONNECT).
pub fn list(
    conn: &Connection,
    caller: &str,
    caller_token: Option<&str>,
) -> Result<Vec<SessionView>, Fail> {
    let me = row::by_client(conn, caller)?
        .filter(|r| r.logged_in)
        .ok_or(AuthError::SessionNotFound)?;
    Ok(row::by_phone(conn, &me.phone)?
        .into_iter()
        .map(|r| SessionView {
            token: (r.client_id == caller)
                .then(|| caller_token.map(str::to_owned))
                .flatten(),
            services: r.services(),
            dev_key: r.dev_key,
            user_id: r.user_id,
            phone: r.phone,
            client_id: r.client_id,
            push: r.push,
            comments: r.comments,
            os: r.os.as_deref().and_then(Os::from_name),
            created: r.created,
            last_online: r.last_online,
        })
        .collect())
}

/// Records when a logged-in client disconnected.
pub fn last_online(conn: &Connection, client_id: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE auth_session SET last_online = ?1 WHERE client_id = ?2 AND logged_in = 1",
    )?
    .execute(params![now, client_id])?;
    Ok(())
}
