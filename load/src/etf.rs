//! The devices' ETF: the requests they send (`'Auth'` reg and verify, `'Profile'` get
//! and set) and a reading of each reply into a [`ReplyKind`], through the server's own
//! bounded decoder so a malformed reply is counted, never a panic.

use std::sync::OnceLock;

use eetf::{Atom, Binary, List, Term, Tuple};

use roster_server::term::{decode_term, Limits};

fn nil() -> Term {
    Term::from(List::nil())
}

fn atom(name: &str) -> Term {
    Term::from(Atom::from(name))
}

fn bin(text: &[u8]) -> Term {
    Term::from(Binary::from(text.to_vec()))
}

fn encode(elements: Vec<Term>) -> Vec<u8> {
    let mut out = Vec::with_capacity(96);
    // Encoding a tuple of atoms, binaries and nils into a Vec cannot fail.
    let _ = Term::from(Tuple::from(elements)).encode(&mut out);
    out
}

/// `{'Auth',[],[],[],Phone,[],reg,[],[],[],[],[]}`.
pub fn reg(phone: &str) -> Vec<u8> {
    let mut e = vec![atom("Auth"), nil(), nil(), nil(), bin(phone.as_bytes())];
    e.extend([nil(), atom("reg"), nil(), nil(), nil(), nil(), nil()]);
    encode(e)
}

/// `{'Auth',Token,[],[],[],[],verify,Code,[],[],[],[]}`.
pub fn verify(token: &str, code: &str) -> Vec<u8> {
    let mut e = vec![atom("Auth"), bin(token.as_bytes()), nil(), nil(), nil()];
    e.extend([nil(), atom("verify"), bin(code.as_bytes()), nil(), nil()]);
    e.extend([nil(), nil()]);
    encode(e)
}

/// `{'Profile',[],[],[],[],[],[],get}`, made once.
pub fn profile_get() -> &'static [u8] {
    static GET: OnceLock<Vec<u8>> = OnceLock::new();
    GET.get_or_init(|| {
        let mut e = vec![atom("Profile")];
        e.extend(std::iter::repeat_with(nil).take(6));
        e.push(atom("get"));
        encode(e)
    })
}

/// `{'Profile',[],Data,[],[],[],[],set}`: replaces the opaque data only.
pub fn profile_set(data: &[u8]) -> Vec<u8> {
    let mut e = vec![atom("Profile"), nil(), bin(data)];
    e.extend(std::iter::repeat_with(nil).take(4));
    e.push(atom("set"));
    encode(e)
}

/// What a reply was. `Debug` shows the label only: never the token.
#[derive(Clone, PartialEq, Eq)]
pub enum ReplyKind {
    /// `{io,{ok,sms_sent},{'Auth',Token}}`; the token (a secret: never shown).
    SmsSent(String),
    /// `{io,{ok2,login,{'Client',ClientId}},_}`.
    LoggedIn(String),
    /// An 8-element `'Profile'` tuple, with its status atom.
    Profile(String),
    /// `{io,{ok,Atom},_}` other than the above.
    Ok(String),
    /// `{io,{error,Atom},_}`.
    Error(String),
    /// Anything else (not ETF, an unexpected shape).
    Other,
}

impl ReplyKind {
    /// A label for the report: never carries the token or a code.
    pub fn label(&self) -> String {
        match self {
            Self::SmsSent(_) => "{ok,sms_sent}".into(),
            Self::LoggedIn(_) => "{ok2,login}".into(),
            Self::Profile(status) => format!("'Profile' {status}"),
            Self::Ok(a) => format!("{{ok,{a}}}"),
            Self::Error(a) => format!("{{error,{a}}}"),
            Self::Other => "unrecognised".into(),
        }
    }
}

impl std::fmt::Debug for ReplyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

fn atom_name(t: &Term) -> Option<&str> {
    match t {
        Term::Atom(a) => Some(&a.name),
        _ => None,
    }
}

fn text(t: &Term) -> Option<String> {
    match t {
        Term::Binary(b) => String::from_utf8(b.bytes.clone()).ok(),
        _ => None,
    }
}

/// The head of every `'Profile'` reply: version, an 8-tuple, the atom `'Profile'`.
const PROFILE_HEAD: &[u8] = b"\x83\x68\x08\x77\x07Profile";

/// The status atoms a `'Profile'` reply ends with.
const PROFILE_STATUSES: [&str; 4] = ["get", "update", "remove", "set"];

/// Reads a reply payload. A `'Profile'` tuple is told by its head and its last
/// element (the status atom ends the payload) without decoding the rest: the
/// generator reads one per request, and decoding the whole profile would be most of
/// its own CPU per request.
pub fn classify(payload: &[u8]) -> ReplyKind {
    if payload.starts_with(PROFILE_HEAD) {
        for status in PROFILE_STATUSES {
            let n = status.len();
            let Some(at) = payload.len().checked_sub(n + 2) else {
                continue;
            };
            let tail = &payload[at..];
            if at >= PROFILE_HEAD.len()
                && tail[0] == 0x77
                && usize::from(tail[1]) == n
                && &tail[2..] == status.as_bytes()
            {
                return ReplyKind::Profile(status.to_owned());
            }
        }
    }
    decoded(payload)
}

/// Reads a reply payload by decoding it whole.
fn decoded(payload: &[u8]) -> ReplyKind {
    static LIMITS: OnceLock<Limits> = OnceLock::new();
    let Ok(Term::Tuple(Tuple { elements: e })) =
        decode_term(payload, LIMITS.get_or_init(Limits::default))
    else {
        return ReplyKind::Other;
    };
    match (e.first().and_then(atom_name), e.len()) {
        (Some("Profile"), 8) => ReplyKind::Profile(atom_name(&e[7]).unwrap_or("[]").to_owned()),
        (Some("io"), 3) => io(&e[1], &e[2]),
        _ => ReplyKind::Other,
    }
}

fn io(result: &Term, tail: &Term) -> ReplyKind {
    let Term::Tuple(Tuple { elements: r }) = result else {
        return ReplyKind::Other;
    };
    match (r.first().and_then(atom_name), r.get(1)) {
        (Some("ok"), Some(Term::Atom(a))) if a.name == "sms_sent" => match tail {
            Term::Tuple(Tuple { elements: t })
                if t.len() == 2 && atom_name(&t[0]) == Some("Auth") =>
            {
                text(&t[1]).map_or(ReplyKind::Other, ReplyKind::SmsSent)
            }
            _ => ReplyKind::Other,
        },
        (Some("ok"), Some(Term::Atom(a))) => ReplyKind::Ok(a.name.clone()),
        (Some("error"), Some(Term::Atom(a))) => ReplyKind::Error(a.name.clone()),
        (Some("ok2"), Some(Term::Atom(a))) if a.name == "login" => match r.get(2) {
            Some(Term::Tuple(Tuple { elements: c }))
                if c.len() == 2 && atom_name(&c[0]) == Some("Client") =>
            {
                text(&c[1]).map_or(ReplyKind::Other, ReplyKind::LoggedIn)
            }
            _ => ReplyKind::Other,
        },
        _ => ReplyKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_server::term::{self, IoResult, Reply, Tail};

    #[test]
    fn requests_decode_as_the_server_reads_them() {
        let limits = Limits::default();
        for payload in [
            reg("999001234567"),
            verify("abc", "903182"),
            profile_get().to_vec(),
            profile_set(b"x"),
        ] {
            term::decode(&payload, &limits).expect("server accepts the request");
        }
    }

    #[test]
    fn replies_are_classified() {
        let enc = |result, tail| term::encode(&Reply::Io { result, tail });
        assert_eq!(
            classify(&enc(IoResult::Ok("sms_sent"), Tail::Auth("t0k".into()))),
            ReplyKind::SmsSent("t0k".into())
        );
        let login = IoResult::Ok2Login {
            client_id: "emqttd_x".into(),
        };
        assert_eq!(
            classify(&enc(login, Tail::Auth("t".into()))),
            ReplyKind::LoggedIn("emqttd_x".into())
        );
        let denied = classify(&enc(IoResult::Error("not_authorized"), Tail::Empty));
        assert_eq!(denied.label(), "{error,not_authorized}");
        assert_eq!(classify(b"\x83garbage"), ReplyKind::Other);
        assert_eq!(classify(b""), ReplyKind::Other);
    }

    #[test]
    fn profile_replies_are_told_by_head_and_status_as_a_full_decode_tells_them() {
        for status in ["get", "update", "remove", "set"] {
            // Data that itself ends like a status atom must not confuse it.
            for data in [&b""[..], b"\x77\x03get", b"\x83\x68\x08"] {
                let reply = Reply::Profile(term::ProfileRecord {
                    phone: "380501234567".into(),
                    data: data.to_vec(),
                    person_id: Some("p".into()),
                    accounts: Vec::new(),
                    update: 1,
                    presence: "online",
                    status,
                });
                let payload = term::encode(&reply);
                assert_eq!(classify(&payload), decoded(&payload));
                assert_eq!(classify(&payload), ReplyKind::Profile(status.into()));
            }
        }
        // A head alone, or a status cut short, is no Profile reply.
        assert_eq!(classify(PROFILE_HEAD), ReplyKind::Other);
        let mut bare = PROFILE_HEAD.to_vec();
        bare.extend_from_slice(b"\x77\x03get");
        assert_eq!(classify(&bare[..bare.len() - 1]), ReplyKind::Other);
    }

    #[test]
    fn labels_never_show_secrets() {
        let sent = ReplyKind::SmsSent("secret".into());
        assert!(!sent.label().contains("secret"));
        assert!(!format!("{sent:?}").contains("secret"));
    }
}
