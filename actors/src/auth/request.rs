//! Typed Auth requests: one variant per kind, each holding only what that kind uses,
//! parsed and validated by the edge from an `'Auth'` tuple (the record is laid out in
//! docs/protocol.md). A field the edge can refuse by itself (a `reg` phone that is no
//! phone, a missing token or push token) never gets here: the edge answers it, after
//! the same [`AuthType::allowed`] check the actor makes. A field whose answer depends
//! on the stored session (the phone `verify` and `login` name, the code) arrives
//! parsed, for the operation to check.
//!
//! A new kind of request: an [`AuthType`] (its atom, who may ask), a variant here with
//! its struct, its parser in the edge's `term/auth.rs`, and its operation.

use std::fmt;

use super::kind::{AuthType, Os};
use crate::{
    channel::Lang,
    phone::{Phone, PhoneSlot},
    secret::{Code, Token},
};

/// An Auth request, as the edge parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthRequest {
    /// `reg`: start registering a phone.
    Reg(Reg),
    /// `resend`: a fresh code by SMS.
    Resend(Resend),
    /// `voice`: a fresh code read in a call.
    Voice(Voice),
    /// `verify`: the code (or JWT) for the pending session.
    Verify(Verify),
    /// `login`: the token, dev_key and phone against the stored session.
    Login(Login),
    /// `logout`: this session, or another of the account.
    Logout(Logout),
    /// `push`: the push token and OS of this session.
    Push(Push),
    /// `list`: the account's sessions (nothing is read from the request).
    List,
}

impl AuthRequest {
    /// Its kind.
    pub fn kind(&self) -> AuthType {
        match self {
            AuthRequest::Reg(_) => AuthType::Reg,
            AuthRequest::Resend(_) => AuthType::Resend,
            AuthRequest::Voice(_) => AuthType::Voice,
            AuthRequest::Verify(_) => AuthType::Verify,
            AuthRequest::Login(_) => AuthType::Login,
            AuthRequest::Logout(_) => AuthType::Logout,
            AuthRequest::Push(_) => AuthType::Push,
            AuthRequest::List => AuthType::List,
        }
    }
}

/// `reg`.
#[derive(Clone, PartialEq, Eq)]
pub struct Reg {
    /// The phone to register.
    pub phone: Phone,
    /// Device key, kept on the session.
    pub dev_key: Option<String>,
    /// The services atoms, kept on the session (`jwt`: confirm by JWT, no code).
    pub services: Vec<String>,
    /// Free text, kept on the session.
    pub comments: Option<String>,
}

impl Reg {
    /// Whether the session confirms by JWT (`services` names `jwt`).
    pub fn jwt(&self) -> bool {
        self.services.iter().any(|s| s == "jwt")
    }
}

impl fmt::Debug for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reg")
            .field("phone", &self.phone)
            .field("dev_key", &self.dev_key)
            .field("services", &self.services)
            .finish_non_exhaustive()
    }
}

/// `resend`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resend {
    /// The pending session's token.
    pub token: Token,
}

/// `voice`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voice {
    /// The pending session's token.
    pub token: Token,
    /// The call's language: the first of `services` that names one, else English.
    pub lang: Lang,
}

/// `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verify {
    /// The pending session's token.
    pub token: Token,
    /// The phone slot, which must fit the session's.
    pub phone: PhoneSlot,
    /// Device key: must match the stored one, if both are given.
    pub dev_key: Option<String>,
    /// The code, or the JWT for jwt sessions.
    pub proof: Option<Proof>,
}

/// `login`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The session's token.
    pub token: Token,
    /// Device key: must match the stored one, if given.
    pub dev_key: Option<String>,
    /// The account id, or (as old clients send it) the session's ClientId.
    pub user_id: Option<String>,
    /// The phone slot, which must fit the session's.
    pub phone: PhoneSlot,
}

/// `logout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logout {
    /// Another session of the account to log out (its ClientId); `None`: this one.
    pub client_id: Option<String>,
}

/// `push`.
#[derive(Clone, PartialEq, Eq)]
pub struct Push {
    /// The push token (secret).
    pub push: String,
    /// Device OS.
    pub os: Option<Os>,
}

impl fmt::Debug for Push {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Push")
            .field("push", &"<redacted>")
            .field("os", &self.os)
            .finish()
    }
}

/// What a `verify` presents (secret): the code sent by SMS or voice, or the JWT of a
/// jwt session, as the client sent it.
#[derive(Clone, PartialEq, Eq)]
pub struct Proof(String);

impl Proof {
    /// The `sms_code` slot's text.
    pub fn new(text: String) -> Proof {
        Proof(text)
    }

    /// As a verification code (surrounding spaces ignored).
    pub fn code(&self) -> Code {
        Code::from_text(&self.0)
    }

    /// As a JWT, exactly as sent.
    pub fn jwt(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Proof(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_jwt() {
        let reg = Reg {
            phone: Phone::parse("380001122").unwrap(),
            dev_key: None,
            services: vec!["ua".into(), "jwt".into()],
            comments: None,
        };
        assert!(reg.jwt());
        assert_eq!(AuthRequest::Reg(reg).kind(), AuthType::Reg);
        assert_eq!(AuthRequest::List.kind(), AuthType::List);
        assert_eq!(
            Proof::new(" 123456 ".into()).code(),
            Code::from_text("123456")
        );
        assert_eq!(Proof::new(" a.b.c".into()).jwt(), " a.b.c");
    }

    #[test]
    fn debug_redacts_secrets_and_the_phone() {
        let shown = format!(
            "{:?} {:?} {:?}",
            AuthRequest::Verify(Verify {
                token: Token::from_client("tok-secret"),
                phone: PhoneSlot::parse(Some("380001122")),
                dev_key: Some("DEV".into()),
                proof: Some(Proof::new("123456".into())),
            }),
            Push {
                push: "push-secret".into(),
                os: Some(Os::Ios),
            },
            Reg {
                phone: Phone::parse("380001133").unwrap(),
                dev_key: None,
                services: vec![],
                comments: Some("personal note".into()),
            }
        );
        for secret in [
            "tok-secret",
            "123456",
            "push-secret",
            "380001122",
            "380001133",
            "personal note",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("Verify") && shown.contains("DEV"), "{shown}");
    }
}
