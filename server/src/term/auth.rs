//! `'Auth'` slots to the typed [`AuthRequest`]: one parser per kind, each taking only
//! what its kind uses and validating it into the domain's types. A field this edge
//! can refuse by itself is answered here with the same error the domain would give
//! (the router applies [`AuthType::allowed`] first, as the actor does).
//!
//! A new kind: its arm in [`typed`] and its parser below; the domain gets the variant
//! and its operation.

use std::fmt;

use roster_actors::{
    auth::{
        AuthError, AuthRequest, AuthType, Login, Logout, Proof, Push, Reg, Resend, Verify, Voice,
    },
    channel::Lang,
    phone::PhoneSlot,
    secret::Token,
};

use super::auth_slots::AuthSlots;

/// An `'Auth'` tuple as the router gets it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthTuple {
    /// Its kind, known even when the request is refused.
    pub kind: AuthType,
    /// The token slot (secret), echoed in the reply's `{'Auth', Token}` tail.
    pub token: Option<String>,
    /// The typed request, or the error its reply carries (unless the caller may not
    /// make this kind of request at all: then `not_authorized`).
    pub request: Result<AuthRequest, AuthError>,
}

impl fmt::Debug for AuthTuple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthTuple")
            .field("kind", &self.kind)
            .field("token", &super::redact::Redacted(&self.token))
            .field("request", &self.request)
            .finish()
    }
}

/// The typed request of `slots`.
pub(crate) fn typed(mut slots: AuthSlots) -> AuthTuple {
    let (kind, token) = (slots.kind, slots.token.take());
    let echo = token.as_deref();
    let request = match kind {
        AuthType::Reg => reg(slots).map(AuthRequest::Reg),
        AuthType::Resend => resend(echo).map(AuthRequest::Resend),
        AuthType::Voice => voice(slots, echo).map(AuthRequest::Voice),
        AuthType::Verify => verify(slots, echo).map(AuthRequest::Verify),
        AuthType::Login => login(slots, echo).map(AuthRequest::Login),
        AuthType::Logout => Ok(AuthRequest::Logout(Logout {
            client_id: slots.client_id,
        })),
        AuthType::Push => push(slots).map(AuthRequest::Push),
        AuthType::List => Ok(AuthRequest::List),
    };
    AuthTuple {
        kind,
        token,
        request,
    }
}

/// The session token a request names; none: no session can be found.
fn session_token(token: Option<&str>) -> Result<Token, AuthError> {
    token
        .map(Token::from_client)
        .ok_or(AuthError::SessionNotFound)
}

/// `reg`: the phone must be one.
fn reg(s: AuthSlots) -> Result<Reg, AuthError> {
    let phone = PhoneSlot::parse(s.phone.as_deref())
        .phone()
        .ok_or(AuthError::InvalidPhone)?;
    Ok(Reg {
        phone,
        dev_key: s.dev_key,
        services: s.services,
        comments: s.comments,
    })
}

/// `resend`: the token.
fn resend(token: Option<&str>) -> Result<Resend, AuthError> {
    Ok(Resend {
        token: session_token(token)?,
    })
}

/// `voice`: the token and the first language `services` names (English if none).
fn voice(s: AuthSlots, token: Option<&str>) -> Result<Voice, AuthError> {
    Ok(Voice {
        token: session_token(token)?,
        lang: s
            .services
            .iter()
            .find_map(|a| Lang::from_atom(a))
            .unwrap_or(Lang::En),
    })
}

/// `verify`: the token; the phone, dev_key and code for the session to check.
fn verify(s: AuthSlots, token: Option<&str>) -> Result<Verify, AuthError> {
    Ok(Verify {
        token: session_token(token)?,
        phone: PhoneSlot::parse(s.phone.as_deref()),
        dev_key: s.dev_key,
        proof: s.sms_code.map(Proof::new),
    })
}

/// `login`: the token; the dev_key, user_id and phone for the session to check.
fn login(s: AuthSlots, token: Option<&str>) -> Result<Login, AuthError> {
    Ok(Login {
        token: session_token(token)?,
        dev_key: s.dev_key,
        user_id: s.user_id,
        phone: PhoneSlot::parse(s.phone.as_deref()),
    })
}

/// `push`: the push token must be given.
fn push(s: AuthSlots) -> Result<Push, AuthError> {
    Ok(Push {
        push: s.push.ok_or(AuthError::MismatchUserData)?,
        os: s.os,
    })
}
