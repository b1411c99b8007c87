//! `'Auth'` requests: the typed request, its `type` and `os` atoms, and the
//! positional reader for tuples of 10 to 15 elements.

use std::fmt;

use eetf::Term;

use super::redact::Redacted;
use super::value::{atom, atoms, int, integer, text, timestamp};
use super::InvalidData;

/// The `type` slot of an `'Auth'` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// `reg`: start registration, send a code.
    Reg,
    /// `resend`: send the pending code again.
    Resend,
    /// `voice`: read the code in a phone call.
    Voice,
    /// `verify`: check the code (or JWT).
    Verify,
    /// `login`: check token, dev_key and phone.
    Login,
    /// `logout`: end this (or another) session.
    Logout,
    /// `push`: store the push token and os.
    Push,
    /// `list`: list the account's sessions.
    List,
}

impl AuthType {
    /// Every type, in protocol order.
    pub const ALL: [AuthType; 8] = [
        Self::Reg,
        Self::Resend,
        Self::Voice,
        Self::Verify,
        Self::Login,
        Self::Logout,
        Self::Push,
        Self::List,
    ];

    /// The atom's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reg => "reg",
            Self::Resend => "resend",
            Self::Voice => "voice",
            Self::Verify => "verify",
            Self::Login => "login",
            Self::Logout => "logout",
            Self::Push => "push",
            Self::List => "list",
        }
    }

    fn from_atom(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The `os` slot: which push service a device uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    /// `ios`
    Ios,
    /// `android`
    Android,
    /// `web`
    Web,
}

impl Os {
    /// Every os, in protocol order.
    pub const ALL: [Os; 3] = [Self::Ios, Self::Android, Self::Web];

    /// The atom's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ios => "ios",
            Self::Android => "android",
            Self::Web => "web",
        }
    }

    /// Accepts the atom or text, in any ASCII case (`iOS`, `Android`).
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(name))
    }
}

/// An `'Auth'` request, fields in record order; absent fields are `None`/empty.
///
/// `Debug` redacts `token`, `sms_code` and `push`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// Session token (slot 1).
    pub token: Option<String>,
    /// Device key (slot 2).
    pub dev_key: Option<String>,
    /// User id (slot 3); an integer is rendered as decimal text.
    pub user_id: Option<String>,
    /// Phone (slot 4), trimmed and without one leading `+`; not validated here.
    pub phone: Option<String>,
    /// ClientId (slot 5), e.g. the session to log out.
    pub client_id: Option<String>,
    /// Request type (slot 6).
    pub kind: AuthType,
    /// Verification code or JWT (slot 7).
    pub sms_code: Option<String>,
    /// Attempts counter (slot 8).
    pub attempts: Option<i64>,
    /// Services (slot 9), atom names, e.g. `["jwt"]` or `["ua"]`.
    pub services: Vec<String>,
    /// Push token (slot 10).
    pub push: Option<String>,
    /// Comments (slot 11).
    pub comments: Option<String>,
    /// Operating system (slot 12).
    pub os: Option<Os>,
    /// Created, ms (slot 13): integer or decimal text.
    pub created: Option<i64>,
    /// Last online, ms (slot 14): integer or decimal text.
    pub last_online: Option<i64>,
}

impl fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRequest")
            .field("token", &Redacted(&self.token))
            .field("dev_key", &self.dev_key)
            .field("user_id", &self.user_id)
            .field("phone", &self.phone)
            .field("client_id", &self.client_id)
            .field("kind", &self.kind)
            .field("sms_code", &Redacted(&self.sms_code))
            .field("attempts", &self.attempts)
            .field("services", &self.services)
            .field("push", &Redacted(&self.push))
            .field("comments", &self.comments)
            .field("os", &self.os)
            .field("created", &self.created)
            .field("last_online", &self.last_online)
            .finish()
    }
}

/// Trims and drops one leading `+`; empty is absent.
pub(crate) fn normalise_phone(phone: Option<String>) -> Option<String> {
    let phone = phone?;
    let trimmed = phone.trim();
    let bare = trimmed.strip_prefix('+').unwrap_or(trimmed);
    (!bare.is_empty()).then(|| bare.to_owned())
}

/// Reads the fields of an `'Auth'` tuple (after the `'Auth'` atom).
/// An error carries the token once slot 1 has been read.
pub(crate) fn parse(mut fields: std::vec::IntoIter<Term>) -> Result<AuthRequest, InvalidData> {
    let arity = fields.len() + 1;
    let token = text(fields.next().unwrap_or_else(nil), "Auth.token")?;
    let read = if (10..=15).contains(&arity) {
        read_rest(fields)
    } else {
        Err(InvalidData::new("Auth: tuple must have 10 to 15 elements"))
    };
    match read {
        Ok(request) => Ok(AuthRequest { token, ..request }),
        Err(e) => Err(e.with_token(token.as_deref())),
    }
}

fn nil() -> Term {
    Term::from(eetf::List::nil())
}

/// Slots 2 to 14; the token is filled in by [`parse`].
fn read_rest(mut slots: impl Iterator<Item = Term>) -> Result<AuthRequest, InvalidData> {
    let mut next = || slots.next().unwrap_or_else(nil);
    let dev_key = text(next(), "Auth.dev_key")?;
    let user_id = match next() {
        t @ (Term::FixInteger(_) | Term::BigInteger(_)) => match integer(&t) {
            Some(0) => None,
            Some(v) => Some(v.to_string()),
            None => return Err(InvalidData::new("Auth.user_id: integer out of range")),
        },
        t => text(t, "Auth.user_id")?,
    };
    let phone = normalise_phone(text(next(), "Auth.phone")?);
    let client_id = text(next(), "Auth.client_id")?;
    let kind = atom(next(), "Auth.type")?
        .as_deref()
        .and_then(AuthType::from_atom)
        .ok_or_else(|| InvalidData::new("Auth.type: unknown or missing type"))?;
    let sms_code = text(next(), "Auth.sms_code")?;
    let attempts = int(next(), "Auth.attempts")?;
    let services = atoms(next(), "Auth.services")?;
    let push = text(next(), "Auth.push")?;
    let comments = text(next(), "Auth.comments")?;
    let os = match next() {
        t @ Term::Atom(_) => atom(t, "Auth.os")?,
        t => text(t, "Auth.os")?,
    }
    .map(|name| Os::from_name(&name).ok_or_else(|| InvalidData::new("Auth.os: unknown os")))
    .transpose()?;
    let created = timestamp(next(), "Auth.created")?;
    let last_online = timestamp(next(), "Auth.last_online")?;
    Ok(AuthRequest {
        token: None,
        dev_key,
        user_id,
        phone,
        client_id,
        kind,
        sms_code,
        attempts,
        services,
        push,
        comments,
        os,
        created,
        last_online,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_normalisation() {
        let n = |s: &str| normalise_phone(Some(s.to_owned()));
        assert_eq!(n(" +380001122 ").as_deref(), Some("380001122"));
        assert_eq!(n("++1").as_deref(), Some("+1"));
        assert_eq!(n("12a").as_deref(), Some("12a"));
        assert_eq!(n(" + "), None);
        assert_eq!(normalise_phone(None), None);
    }

    #[test]
    fn names_round_trip() {
        for t in AuthType::ALL {
            assert_eq!(AuthType::from_atom(t.as_str()), Some(t));
        }
        assert_eq!(AuthType::from_atom("Reg"), None);
        for o in Os::ALL {
            assert_eq!(Os::from_name(o.as_str()), Some(o));
        }
        assert_eq!(Os::from_name("iOS"), Some(Os::Ios));
        assert_eq!(Os::from_name("symbian"), None);
    }

    #[test]
    fn debug_redacts_secrets() {
        let r = AuthRequest {
            token: Some("tok-secret".into()),
            dev_key: None,
            user_id: None,
            phone: Some("380001122".into()),
            client_id: None,
            kind: AuthType::Verify,
            sms_code: Some("123456".into()),
            attempts: None,
            services: vec![],
            push: Some("push-secret".into()),
            comments: None,
            os: None,
            created: None,
            last_online: None,
        };
        let shown = format!("{r:?}");
        for secret in ["tok-secret", "123456", "push-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("380001122"));
    }
}
