//! The slots of an `'Auth'` tuple of 10 to 15 elements, read by position with each
//! slot's wire type checked (a slot that breaks its rule is `invalid_data`), nothing
//! yet interpreted: [`AuthSlots`]. `auth.rs` turns them into a typed request.

use std::fmt;

use eetf::Term;

use super::redact::Redacted;
use super::value::{atom, atoms, int, integer, text, timestamp};
use super::InvalidData;
use roster_actors::auth::{AuthType, Os};

/// The slots of an `'Auth'` tuple, in record order (docs/protocol.md); absent slots
/// are `None` or empty. `Debug` shows no secret and no phone.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthSlots {
    /// Session token (secret).
    pub token: Option<String>,
    /// Device key.
    pub dev_key: Option<String>,
    /// User id (old clients put a ClientId here for `login`).
    pub user_id: Option<String>,
    /// Phone text, trimmed and rid of one leading `+`, not yet validated.
    pub phone: Option<String>,
    /// Another session's ClientId (`logout`).
    pub client_id: Option<String>,
    /// What to do.
    pub kind: AuthType,
    /// The code, or the JWT for jwt sessions (secret).
    pub sms_code: Option<String>,
    /// Ignored on input.
    pub attempts: Option<i64>,
    /// Atoms: `jwt`, or the voice language.
    pub services: Vec<String>,
    /// Push token (secret).
    pub push: Option<String>,
    /// Free text.
    pub comments: Option<String>,
    /// Device OS.
    pub os: Option<Os>,
    /// Ignored on input.
    pub created: Option<i64>,
    /// Ignored on input.
    pub last_online: Option<i64>,
}

impl AuthSlots {
    /// Slots of `kind` with every other slot absent, for building requests in code.
    pub fn new(kind: AuthType) -> Self {
        Self {
            token: None,
            dev_key: None,
            user_id: None,
            phone: None,
            client_id: None,
            kind,
            sms_code: None,
            attempts: None,
            services: Vec::new(),
            push: None,
            comments: None,
            os: None,
            created: None,
            last_online: None,
        }
    }
}

impl fmt::Debug for AuthSlots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSlots")
            .field("kind", &self.kind)
            .field("token", &Redacted(&self.token))
            .field("dev_key", &self.dev_key)
            .field("user_id", &self.user_id)
            .field("phone", &self.phone.as_ref().map(|_| "<phone>"))
            .field("client_id", &self.client_id)
            .field("sms_code", &Redacted(&self.sms_code))
            .field("services", &self.services)
            .field("push", &Redacted(&self.push))
            .field("os", &self.os)
            .finish_non_exhaustive()
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
pub(crate) fn read(mut fields: std::vec::IntoIter<Term>) -> Result<AuthSlots, InvalidData> {
    let arity = fields.len() + 1;
    let token = text(fields.next().unwrap_or_else(nil), "Auth.token")?;
    let read = if (10..=15).contains(&arity) {
        read_rest(fields)
    } else {
        Err(InvalidData::new("Auth: tuple must have 10 to 15 elements"))
    };
    match read {
        Ok(slots) => Ok(AuthSlots { token, ..slots }),
        Err(e) => Err(e.with_token(token.as_deref())),
    }
}

fn nil() -> Term {
    Term::from(eetf::List::nil())
}

/// Slots 2 to 14; the token is filled in by [`read`].
fn read_rest(mut slots: impl Iterator<Item = Term>) -> Result<AuthSlots, InvalidData> {
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
        .and_then(AuthType::from_name)
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
    Ok(AuthSlots {
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
    fn debug_redacts_secrets() {
        let r = AuthSlots {
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
        // Secrets never show; the phone neither (personal data in debug logs).
        for secret in ["tok-secret", "123456", "push-secret", "380001122"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("Verify"));
    }
}
