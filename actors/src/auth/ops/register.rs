//! `reg`, `resend` and `voice`: a pending session and its code, within the cooldown
//! and the per-phone hourly limit.

use rusqlite::{params, Connection};

use super::{
    env::{AuthEnv, Fail},
    row::{self, SessionRow},
};
use crate::{
    auth::{answer::AuthError, request::Reg},
    codes::{self, MaySend, SendCode},
    phone::Phone,
    secret::{Code, Token},
};

/// A pending session was created.
#[derive(Debug)]
pub struct RegDone {
    /// The new session token.
    pub token: Token,
    /// The code to send; `None` for jwt sessions and test numbers.
    pub send: Option<SendCode>,
    /// The session confirms by JWT.
    pub jwt: bool,
}

/// Refuses a send to a phone outside the allowed countries, within the session's
/// cooldown, or beyond the phone's hourly limit or an hourly budget.
fn check_limits(
    conn: &Connection,
    env: &AuthEnv,
    phone: &str,
    last_send: Option<i64>,
) -> Result<(), Fail> {
    match codes::may_send(conn, &env.cfg, env.now, phone, last_send)? {
        MaySend::Yes => Ok(()),
        MaySend::Limited => Err(AuthError::TooManyRequests.into()),
        MaySend::NotAllowed => Err(AuthError::InvalidPhone.into()),
    }
}

/// A new code for `phone`: the fixed one for test numbers (`true`), else random.
fn new_code(env: &AuthEnv, phone: &str) -> Result<(Code, bool), Fail> {
    codes::new_code(&env.cfg, phone).map_err(|_| AuthError::Unavailable.into())
}

/// `reg`: creates or replaces the pending session of `client_id`.
pub fn reg(conn: &Connection, env: &AuthEnv, client_id: &str, req: Reg) -> Result<RegDone, Fail> {
    let jwt = req.jwt();
    let Reg {
        phone,
        dev_key,
        services,
        comments,
    } = req;
    let old = row::by_client(conn, client_id)?;
    let (code, test) = if jwt {
        (None, false)
    } else {
        let (code, test) = new_code(env, phone.as_str())?;
        if !test {
            check_limits(conn, env, phone.as_str(), old.and_then(|o| o.last_send))?;
        }
        (Some(code), test)
    };
    let token = Token::generate().map_err(|_| AuthError::Unavailable)?;
    let sends = code.is_some() && !test;
    row::insert(
        conn,
        &SessionRow {
            client_id: client_id.to_owned(),
            token_hash: token.hash().to_vec(),
            phone: phone.as_str().to_owned(),
            logged_in: false,
            dev_key,
            user_id: None,
            services: services.join(","),
            code_hash: code.as_ref().map(|c| env.key.hash(client_id, c).to_vec()),
            code_at: Some(env.now),
            attempts: 0,
            last_send: sends.then_some(env.now),
            push: None,
            os: None,
            comments,
            created: env.now,
            last_online: None,
        },
    )?;
    if sends {
        codes::record_send(conn, &env.cfg, env.now, phone.as_str())?;
    }
    Ok(RegDone {
        token,
        send: code.filter(|_| sends).map(|code| SendCode { phone, code }),
        jwt,
    })
}

/// `resend` and `voice`: a fresh code for the pending session of `token` (codes are
/// kept only as hashes, so the old one cannot be sent again; it stops working), with
/// the attempts counter reset. `None` to send for test numbers.
pub fn resend(
    conn: &Connection,
    env: &AuthEnv,
    client_id: &str,
    token: &Token,
) -> Result<Option<SendCode>, Fail> {
    let row = row::by_token(conn, &token.hash())?
        .filter(|r| !r.logged_in)
        .ok_or(AuthError::SessionNotFound)?;
    if row.client_id != client_id || row.is_jwt() {
        return Err(AuthError::MismatchUserData.into());
    }
    let (code, test) = new_code(env, &row.phone)?;
    if !test {
        check_limits(conn, env, &row.phone, row.last_send)?;
        codes::record_send(conn, &env.cfg, env.now, &row.phone)?;
    }
    conn.prepare_cached(
        "UPDATE auth_session SET code_hash = ?1, code_at = ?2, attempts = 0, \
         last_send = COALESCE(?3, last_send) WHERE client_id = ?4",
    )?
    .execute(params![
        env.key.hash(client_id, &code).to_vec(),
        env.now,
        (!test).then_some(env.now),
        client_id
    ])?;
    let phone = Phone::from_store(row.phone);
    Ok((!test).then_some(SendCode { phone, code }))
}
