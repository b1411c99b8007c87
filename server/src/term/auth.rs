//! `'Auth'` requests: the typed request, its `type` and `os` atoms, and the
//! positional reader for tuples of 10 to 15 elements.

use eetf::Term;

use super::value::{atom, atoms, int, integer, text, timestamp};
use super::InvalidData;

pub use roster_actors::auth::{AuthRequest, AuthType, Os};

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
            assert_eq!(AuthType::from_name(t.as_str()), Some(t));
        }
        assert_eq!(AuthType::from_name("Reg"), None);
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
        // Secrets never show; the phone neither (personal data in debug logs).
        for secret in ["tok-secret", "123456", "push-secret", "380001122"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("Verify"));
    }
}
