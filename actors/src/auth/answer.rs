//! What the Auth actor answers: a typed result the edge turns into the reply tuple.

use super::kind::Os;
use crate::secret::Token;

/// Why an Auth request failed; each maps to one `{error, Atom}` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The phone is not 6–15 digits.
    #[error("invalid_phone")]
    InvalidPhone,
    /// A rate limit or cooldown.
    #[error("too_many_requests")]
    TooManyRequests,
    /// No session for the token.
    #[error("session_not_found")]
    SessionNotFound,
    /// The session belongs to someone else, or the request contradicts it.
    #[error("mismatch_user_data")]
    MismatchUserData,
    /// Wrong code.
    #[error("invalid_sms_code")]
    InvalidSmsCode,
    /// Bad JWT.
    #[error("invalid_jwt_code")]
    InvalidJwtCode,
    /// Too many wrong codes; resend.
    #[error("attempts_expired")]
    AttemptsExpired,
    /// The code is older than its TTL.
    #[error("code_expired")]
    CodeExpired,
    /// The SMS provider failed.
    #[error("sms_not_sent")]
    SmsNotSent,
    /// The voice provider failed.
    #[error("call_failed")]
    CallFailed,
    /// This kind of session may not make this request.
    #[error("not_authorized")]
    NotAuthorized,
    /// Malformed for its type.
    #[error("invalid_data")]
    InvalidData,
    /// The store failed; nothing was changed.
    #[error("unavailable")]
    Unavailable,
}

/// One session as `list` shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionView {
    /// The caller's own token; empty for every other session.
    pub token: Option<String>,
    /// Device key.
    pub dev_key: Option<String>,
    /// Account id.
    pub user_id: Option<String>,
    /// Phone digits.
    pub phone: String,
    /// The session's ClientId.
    pub client_id: String,
    /// Services atoms.
    pub services: Vec<String>,
    /// Push token.
    pub push: Option<String>,
    /// Comments.
    pub comments: Option<String>,
    /// OS.
    pub os: Option<Os>,
    /// ms of registration.
    pub created: i64,
    /// ms of the last disconnect.
    pub last_online: Option<i64>,
}

impl std::fmt::Debug for SessionView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionView")
            .field("client_id", &self.client_id)
            .field("os", &self.os)
            .finish_non_exhaustive()
    }
}

/// A successful Auth request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOk {
    /// `{ok,sms_sent}` (reg, resend).
    SmsSent,
    /// `{ok,jwt_required}` (reg with services=[jwt]).
    JwtRequired,
    /// `{ok,call_in_progress}` (voice).
    CallInProgress,
    /// `{ok2,login,{'Client',ClientId}}` (verify).
    Verified {
        /// The logged-in ClientId to reconnect as.
        client_id: String,
    },
    /// `{ok,login}`.
    Login,
    /// `{ok,logout}`.
    Logout,
    /// `{io,<<>>,<<>>}` (push).
    Pushed,
    /// The sessions of the account (list).
    List(Vec<SessionView>),
}

/// The Auth actor's answer to one request. The reply's `{'Auth', Token}` tail echoes
/// the request's token, which the edge keeps; only `reg` issues a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthAnswer {
    /// What happened.
    pub result: Result<AuthOk, AuthError>,
    /// The session token `reg` issued, for the tail in place of the request's.
    pub issued: Option<Token>,
    /// Close the caller's own connection once the reply is sent (own logout).
    pub close_caller: bool,
}

impl AuthAnswer {
    /// An answer that issues no token and keeps the connection.
    pub fn new(result: Result<AuthOk, AuthError>) -> Self {
        Self {
            result,
            issued: None,
            close_caller: false,
        }
    }
}
