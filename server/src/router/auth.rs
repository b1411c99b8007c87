//! Auth requests through the router: the failed-verify caps, the edge's own refusals
//! (after the same who-may-ask check the actor makes), the trip to the AuthActor, and
//! its answers as wire replies: the one place where Auth results become atoms.

use std::sync::Arc;

use actix::Addr;
use bytes::Bytes;
use roster_actors::auth::{
    AuthActor, AuthAnswer, AuthCall, AuthError, AuthOk, AuthType, SessionView,
};

use super::{
    caller::Caller,
    routed::{Route, Routed},
};
use crate::{
    guard::{VerifyGuard, VerifyRefusal},
    term::{self, AuthRecord, AuthTuple, IoResult, Reply, Tail},
};

/// Where Auth requests go.
#[derive(Clone)]
pub(super) struct AuthRoute {
    /// Registration and sessions.
    pub(super) actor: Addr<AuthActor>,
    /// Caps on failed verifies per connection and per address.
    pub(super) verify: Arc<VerifyGuard>,
}

impl AuthRoute {
    /// Answers one `'Auth'` request from `caller`.
    pub(super) fn route(&self, caller: &Caller, tuple: AuthTuple) -> Route {
        let AuthTuple {
            kind,
            token: echo,
            request,
        } = tuple;
        let verify = kind == AuthType::Verify;
        if verify {
            if let Err(refusal) = self.verify.charge(&caller.conn) {
                return Route::Ready(refuse_verify(caller, refusal, echo));
            }
        }
        let req = match request {
            Ok(req) => req,
            Err(e) => {
                let e = refusal(kind, caller.logged_in(), e);
                if verify && !is_guess(&e) {
                    self.verify.refund(&caller.conn);
                }
                return Route::Ready(routed(kind, AuthAnswer::new(Err(e)), echo));
            }
        };
        let (guard, conn) = (self.verify.clone(), caller.conn.clone());
        let call = self.actor.send(AuthCall {
            caller: caller.domain(),
            req,
        });
        Route::Pending(Box::pin(async move {
            match call.await {
                Ok(answer) => {
                    if verify && !answer.result.as_ref().is_err_and(is_guess) {
                        guard.refund(&conn);
                    }
                    routed(kind, answer, echo)
                }
                Err(_) => {
                    if verify {
                        guard.refund(&conn);
                    }
                    Routed::unavailable()
                }
            }
        }))
    }
}

/// What a request the edge refused (with `e`) is answered: `not_authorized` when the
/// caller may not make this kind of request at all (the actor checks that first
/// too), else `e`.
fn refusal(kind: AuthType, logged_in: bool, e: AuthError) -> AuthError {
    if kind.allowed(logged_in) {
        e
    } else {
        AuthError::NotAuthorized
    }
}

/// `{error,too_many_requests}` for a verify the [`VerifyGuard`] refuses; a connection
/// that has failed its share is closed after the reply.
fn refuse_verify(caller: &Caller, refusal: VerifyRefusal, token: Option<String>) -> Routed {
    match refusal {
        VerifyRefusal::Connection => log::info!(
            "{:?}: too many failed verifies on this connection; closing",
            caller.client_id
        ),
        VerifyRefusal::Address => log::debug!(
            "{:?}: too many failed verifies from this address",
            caller.client_id
        ),
    }
    let reply = Reply::Io {
        result: IoResult::Error("too_many_requests"),
        tail: Tail::Auth(token.unwrap_or_default()),
    };
    let mut routed = Routed::one(&reply);
    routed.close = refusal == VerifyRefusal::Connection;
    routed
}

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

/// The replies for one answer to a request of type `kind` whose token slot was
/// `echo`.
pub fn routed(kind: AuthType, answer: AuthAnswer, echo: Option<String>) -> Routed {
    // push answers `{io,<<>>,<<>>}` and `{io,{error,_},<<>>}`; the rest echo the token
    // (the new one after reg).
    let tail = if kind == AuthType::Push {
        Tail::Empty
    } else {
        let issued = answer.issued.map(|t| t.expose().to_owned());
        Tail::Auth(issued.or(echo).unwrap_or_default())
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

#[cfg(test)]
mod tests {
    use super::*;
    use roster_actors::secret::Token;

    #[test]
    fn who_asks_is_answered_before_the_field() {
        let e = AuthError::InvalidPhone;
        assert_eq!(refusal(AuthType::Reg, false, e), e);
        assert_eq!(
            refusal(AuthType::Reg, true, e),
            AuthError::NotAuthorized,
            "a logged-in reg is not_authorized, whatever its phone"
        );
        let missing = AuthError::MismatchUserData;
        assert_eq!(refusal(AuthType::Push, true, missing), missing);
        assert_eq!(
            refusal(AuthType::Push, false, missing),
            AuthError::NotAuthorized
        );
        let no_token = AuthError::SessionNotFound;
        for logged_in in [false, true] {
            assert_eq!(refusal(AuthType::Login, logged_in, no_token), no_token);
        }
    }

    #[test]
    fn the_tail_echoes_the_request_token_or_the_issued_one() {
        let tail_of = |routed: Routed| routed.replies[0].clone();
        let echoed = tail_of(routed(
            AuthType::Resend,
            AuthAnswer::new(Err(AuthError::SessionNotFound)),
            Some("tok".into()),
        ));
        let want = term::encode(&Reply::Io {
            result: IoResult::Error("session_not_found"),
            tail: Tail::Auth("tok".into()),
        });
        assert_eq!(&echoed[..], &want[..]);
        let issued = Token::from_client("new");
        let reg = tail_of(routed(
            AuthType::Reg,
            AuthAnswer {
                issued: Some(issued),
                ..AuthAnswer::new(Ok(AuthOk::SmsSent))
            },
            Some("old".into()),
        ));
        let want = term::encode(&Reply::Io {
            result: IoResult::Ok("sms_sent"),
            tail: Tail::Auth("new".into()),
        });
        assert_eq!(&reg[..], &want[..]);
        let push = tail_of(routed(
            AuthType::Push,
            AuthAnswer::new(Ok(AuthOk::Pushed)),
            Some("tok".into()),
        ));
        let want = term::encode(&Reply::Io {
            result: IoResult::Empty,
            tail: Tail::Empty,
        });
        assert_eq!(&push[..], &want[..]);
    }
}
