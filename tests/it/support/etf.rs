//! Building requests and reading replies as Erlang terms, for the tests.

use eetf::{Atom, Binary, List, Term, Tuple};

/// An atom.
pub fn atom(name: &str) -> Term {
    Term::from(Atom::from(name))
}

/// A binary.
pub fn bin(text: &str) -> Term {
    Term::from(Binary::from(text.as_bytes().to_vec()))
}

/// `[]`.
pub fn nil() -> Term {
    Term::from(List::nil())
}

/// A tuple.
pub fn tuple(items: Vec<Term>) -> Term {
    Term::from(Tuple::from(items))
}

/// Text or `[]`.
fn opt(v: Option<&str>) -> Term {
    v.map_or_else(nil, bin)
}

/// The fields of an `'Auth'` request that tests set.
#[derive(Default, Clone)]
pub struct Auth<'a> {
    pub token: Option<&'a str>,
    pub dev_key: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub sms_code: Option<&'a str>,
    pub services: Vec<&'a str>,
    pub push: Option<&'a str>,
    pub os: Option<&'a str>,
}

impl<'a> Auth<'a> {
    /// A request carrying only a phone (`reg`).
    pub fn phone(phone: &'a str) -> Self {
        Auth {
            phone: Some(phone),
            ..Default::default()
        }
    }

    /// A request carrying only a token (`resend`, `login`, …).
    pub fn token(token: &'a str) -> Self {
        Auth {
            token: Some(token),
            ..Default::default()
        }
    }

    /// A request carrying a token and a code (`verify`).
    pub fn code(token: &'a str, code: &'a str) -> Self {
        Auth {
            token: Some(token),
            sms_code: Some(code),
            ..Default::default()
        }
    }

    /// The 12-element tuple of the seed's examples (through `os`).
    pub fn encode(&self, kind: &str) -> Vec<u8> {
        let services = Term::from(List::from(
            self.services.iter().map(|s| atom(s)).collect::<Vec<_>>(),
        ));
        let t = tuple(vec![
            atom("Auth"),
            opt(self.token),
            opt(self.dev_key),
            opt(self.user_id),
            opt(self.phone),
            opt(self.client_id),
            atom(kind),
            opt(self.sms_code),
            nil(),
            services,
            opt(self.push),
            nil(),
            self.os.map_or_else(nil, atom),
        ]);
        encode(&t)
    }
}

/// ETF bytes of a term.
pub fn encode(t: &Term) -> Vec<u8> {
    let mut buf = Vec::new();
    t.encode(&mut buf).expect("encode");
    buf
}

/// `{io, Result, Tail}` split into its parts.
pub fn io(payload: &[u8]) -> (Term, Term) {
    match super::harness::term(payload) {
        Term::Tuple(t) if t.elements.len() == 3 && t.elements[0] == atom("io") => {
            (t.elements[1].clone(), t.elements[2].clone())
        }
        other => panic!("not an io reply: {other}"),
    }
}

/// `{ok, Name}` / `{error, Name}`.
pub fn pair(kind: &str, name: &str) -> Term {
    tuple(vec![atom(kind), atom(name)])
}

/// The token in a `{'Auth', Token}` tail.
pub fn tail_token(tail: &Term) -> String {
    match tail {
        Term::Tuple(t) if t.elements.len() == 2 && t.elements[0] == atom("Auth") => {
            match &t.elements[1] {
                Term::Binary(b) => String::from_utf8(b.bytes.clone()).expect("utf-8 token"),
                other => panic!("token is not a binary: {other}"),
            }
        }
        other => panic!("not an Auth tail: {other}"),
    }
}

/// Sends `auth` as a request of type `kind`; the reply's `{io, Result, Tail}` parts.
pub async fn ask(dev: &mut super::harness::Client, auth: Auth<'_>, kind: &str) -> (Term, Term) {
    io(&dev.request(auth.encode(kind)).await)
}
