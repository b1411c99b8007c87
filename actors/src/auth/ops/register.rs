//! `reg`, `resend` and `voice`: a pending session and its code, within the cooldown
//! and the per-phone hourly limit.

use rusqlite::{params, Connection};

pub use crate::auth::send::SendCode;

use super::{
    row::{self, SessionRow},
    Ctx, Fail,
};
use crate::{
    auth::{answer::AuthError, request::AuthRequest, send},
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

/// Refuses a send within the session's cooldown or beyond the phone's hourly limit.
fn check_limits(
    conn: &Connection,
    ctx: &Ctx,
    phone: &str,
    last_send: Option<i64>,
) -> Result<(), Fail> {
    if send::may_send(conn, &ctx.cfg, ctx.now, phone, last_send)? {
        Ok(())
    } else {
        Err(AuthError::TooManyRequests.into())
    }
}

/// A new code for `phone`: the fixed one for test numbers (`true`), else random.
fn new_code(ctx: &Ctx, phone: &str) -> Result<(Code, bool), Fail> {
    send::new_code(&ctx.cfg, phone).map_err(|_| AuthError::Unavailable.into())
}

/// `reg`: creates or replaces the pending session of `client_id`.
pub fn reg(
    conn: &Connection,
    ctx: &Ctx,
    client_id: &str,
    req: &AuthRequest,
) -> Result<RegDone, Fail> {
    let phone =
        Phone::parse(req.phone.as_deref().unwrap_or("")).map_err(|_| AuthError::InvalidPhone)?;
    let jwt = req.has_service("jwt");
    let old = row::by_client(conn, client_id)?;
    let (code, test) = if jwt {
        (None, false)
    } else {
        let (code, test) = new_code(ctx, phone.as_str())?;
        if !test {
            check_limits(conn, ctx, phone.as_str(), old.and_then(|o| o.last_send))?;
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
            dev_key: req.dev_key.clone(),
            user_id: None,
            services: req.services.join(","),
            code_hash: code.as_ref().map(|c| ctx.key.hash(client_id, c).to_vec()),
            code_at: Some(ctx.now),
            attempts: 0,
            last_send: sends.then_some(ctx.now),
            push: None,
            os: None,
            comments: req.comments.clone(),
            created: ctx.now,
            last_online: None,
        },
    )?;
    if sends {
        send::record_send(conn, ctx.now, phone.as_str())?;
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
    ctx: &Ctx,
    client_id: &str,
    token: Option<&str>,
) -> Result<Option<SendCode>, Fail> {
    let token = Token::from_client(token.ok_or(AuthError::SessionNotFound)?);
    let row = row::by_token(conn, &token.hash())?
        .filter(|r| !r.logged_in)
        .ok_or(AuthError::SessionNotFound)?;
    if row.client_id != client_id || row.is_jwt() {
        return Err(AuthError::MismatchUserData.into());
    }
    let (code, test) = new_code(ctx, &row.phone)?;
    if !test {
        check_limits(conn, ctx, &row.phone, row.last_send)?;
        send::record_send(conn, ctx.now, &row.phone)?;
    }
    conn.prepare_cached(
        "UPDATE auth_session SET code_hash = ?1, code_at = ?2, attempts = 0, \
         last_send = COALESCE(?3, last_send) WHERE client_id = ?4",
    )?
    .execute(params![
        ctx.key.hash(client_id, &code).to_vec(),
        ctx.now,
        (!test).then_some(ctx.now),
        client_id
    ])?;
    let phone = Phone::parse(&row.phone).map_err(|_| AuthError::InvalidPhone)?;
    Ok((!test).then_some(SendCode { phone, code }))
}
