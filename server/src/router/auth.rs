//! Auth answers as wire replies: the one place where domain results become atoms.

use bytes::Bytes;
use roster_actors::auth::{AuthAnswer, AuthError, AuthOk, AuthType, SessionView};

use super::Routed;
use crate::term::{self, AuthRecord, IoResult, Reply, Tail};

/// The atom of a domain error.
pub fn error_atom(e: AuthError) -> &'static str {
    match e {
        AuthError::InvalidPhone => "invalid_phone",
        AuthError::TooManyRequests => "too_many_requests",
        AuthError::SessionNotFound => "session_not_found",
        AuthError::MismatchUserData => "mismatch_user_data",
        AuthError::InvalidSmsCode => "invalid_sms_code",
        AuthError::InvalidJwtCode => "invalid_jwt_code",
        AuthError::AttemptsExpired => "attempts_expired",
        AuthError::CodeExpired => "code_expired",
        AuthError::SmsNotSent => "sms_not_sent",
        AuthError::CallFailed => "call_failed",
        AuthError::NotAuthorized => "not_authorized",
        AuthError::InvalidData => "invalid_data",
        AuthError::Unavailable => "unavailable",
    }
}

/// Whether a failed verify looks like a guess (a wrong code or JWT, or a token or
/// session that is not the caller's): what the failed-verify caps count.
pub fn is_guess(e: &AuthError) -> bool {
    matches!(
        e,
        AuthError::InvalidSmsCode
            | AuthError::InvalidJwtCode
            | AuthError::AttemptsExpired
            | AuthError::SessionNotFound
            | AuthError::MismatchUserData
    )
}

/// `{io,{error,unavailable},<<>>}`: the domain could not be reached.
pub fn unavailable() -> Reply {
    Reply::Io {
        result: IoResult::Error("unavailable"),
        tail: Tail::Empty,
    }
}

fn record(s: SessionView) -> AuthRecord {
    AuthRecord {
        token: s.token,
        dev_key: s.dev_key,
        user_id: s.user_id,
        phone: Some(s.phone),
        client_id: Some(s.client_id),
        kind: AuthType::List,
        sms_code: None,
        attempts: 0,
        services: s.services,
        push: s.push,
        comments: s.comments,
        os: s.os,
        created: Some(s.created),
        last_online: s.last_online,
    }
}

/// The replies for one answer to a request of type `kind`.
pub fn routed(kind: AuthType, answer: AuthAnswer) -> Routed {
    // push answers `{io,<<>>,<<>>}` and `{io,{error,_},<<>>}`; the rest echo the token.
    let tail = if kind == AuthType::Push {
        Tail::Empty
    } else {
        Tail::Auth(answer.token.unwrap_or_default())
    };
    let io = |result| {
        vec![Reply::Io {
            result,
            tail: tail.clone(),
        }]
    };
    let replies: Vec<Reply> = match answer.result {
        Ok(AuthOk::List(sessions)) => sessions
            .into_iter()
            .map(|s| Reply::Auth(record(s)))
            .collect(),
        Ok(AuthOk::Pushed) => io(IoResult::Empty),
        Ok(AuthOk::SmsSent) => io(IoResult::Ok("sms_sent")),
        Ok(AuthOk::JwtRequired) => io(IoResult::Ok("jwt_required")),
        Ok(AuthOk::CallInProgress) => io(IoResult::Ok("call_in_progress")),
        Ok(AuthOk::Verified { client_id }) => io(IoResult::Ok2Login { client_id }),
        Ok(AuthOk::Login) => io(IoResult::Ok("login")),
        Ok(AuthOk::Logout) => io(IoResult::Ok("logout")),
        Err(e) => io(IoResult::Error(error_atom(e))),
    };
    Routed {
        replies: replies
            .iter()
            .map(|r| Bytes::from(term::encode(r)))
            .collect(),
        close: answer.close_caller,
    }
}
