//! Profile requests and replies as Erlang terms, for the tests: a request builder and
//! a reader of the 8-element `'Profile'` reply.

use eetf::{BigInteger, FixInteger, List, Term};

use super::etf::{atom, bin, encode, io, nil, pair, tuple};
use super::harness::Client;

/// The fields of a `'Profile'` request that tests set.
#[derive(Default, Clone)]
pub struct Req<'a> {
    pub phone: Option<&'a str>,
    pub data: Option<&'a [u8]>,
    pub accounts: Vec<Term>,
    pub update: Option<i64>,
}

/// An integer term of any size.
pub fn int(v: i64) -> Term {
    match i32::try_from(v) {
        Ok(small) => Term::from(FixInteger::from(small)),
        Err(_) => Term::from(BigInteger::from(v)),
    }
}

impl Req<'_> {
    /// The 8-element tuple `{'Profile', phone, data, person_id, accounts, update,
    /// presence, status}`.
    pub fn encode(&self, status: &str) -> Vec<u8> {
        encode(&tuple(vec![
            atom("Profile"),
            self.phone.map_or_else(nil, bin),
            self.data
                .map_or_else(nil, |d| Term::from(eetf::Binary::from(d.to_vec()))),
            nil(),
            Term::from(List::from(self.accounts.clone())),
            self.update.map_or_else(nil, int),
            nil(),
            atom(status),
        ]))
    }
}

/// A `'Roster'` request entry: `id` `[]` creates, `status` `remove` deletes.
pub fn roster(id: Option<i64>, names: Option<&str>, status: Option<&str>) -> Term {
    tuple(vec![
        atom("Roster"),
        id.map_or_else(nil, int),
        names.map_or_else(nil, bin),
        nil(),
        int(0),
        nil(),
        nil(),
        nil(),
        nil(),
        nil(),
        nil(),
        status.map_or_else(nil, atom),
    ])
}

/// One `'Roster'` account of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub names: Option<String>,
    pub phone: Option<String>,
    pub update: i64,
}

/// A `'Profile'` reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub phone: String,
    pub data: Vec<u8>,
    pub person_id: String,
    pub accounts: Vec<Account>,
    pub update: i64,
    pub presence: String,
    pub status: String,
}

fn text(t: &Term) -> Option<String> {
    match t {
        Term::Binary(b) => Some(String::from_utf8(b.bytes.clone()).expect("utf-8")),
        Term::List(l) if l.is_nil() => None,
        other => panic!("expected a binary or [], got {other}"),
    }
}

fn integer(t: &Term) -> i64 {
    match t {
        Term::FixInteger(i) => i64::from(i.value),
        Term::BigInteger(b) => i64::try_from(&b.value).expect("fits i64"),
        other => panic!("expected an integer, got {other}"),
    }
}

fn atom_name(t: &Term) -> String {
    match t {
        Term::Atom(a) => a.name.clone(),
        other => panic!("expected an atom, got {other}"),
    }
}

/// Reads a `'Profile'` reply, or `None` for anything else (an `io` reply).
pub fn profile(payload: &[u8]) -> Option<Profile> {
    let Term::Tuple(t) = super::harness::term(payload) else {
        return None;
    };
    if t.elements.len() != 8 || t.elements[0] != atom("Profile") {
        return None;
    }
    let e = &t.elements;
    let accounts = match &e[4] {
        Term::List(l) => l
            .elements
            .iter()
            .map(|r| match r {
                Term::Tuple(r) if r.elements.len() == 12 && r.elements[0] == atom("Roster") => {
                    Account {
                        id: integer(&r.elements[1]),
                        names: text(&r.elements[2]),
                        phone: text(&r.elements[8]),
                        update: integer(&r.elements[10]),
                    }
                }
                other => panic!("not a Roster tuple: {other}"),
            })
            .collect(),
        other => panic!("accounts is not a list: {other}"),
    };
    let data = match &e[2] {
        Term::Binary(b) => b.bytes.clone(),
        other => panic!("data is not a binary: {other}"),
    };
    Some(Profile {
        phone: text(&e[1]).expect("a phone"),
        data,
        person_id: text(&e[3]).expect("a person_id"),
        accounts,
        update: integer(&e[5]),
        presence: atom_name(&e[6]),
        status: atom_name(&e[7]),
    })
}

/// Sends a Profile request; the `'Profile'` reply, which it must be.
pub async fn ask(dev: &mut Client, req: Req<'_>, status: &str) -> Profile {
    let reply = dev.request(req.encode(status)).await;
    profile(&reply)
        .unwrap_or_else(|| panic!("{status}: not a Profile: {}", super::harness::term(&reply)))
}

/// Sends a Profile request that must be answered `{io,{error,Atom},<<>>}` (or `{ok,..}`
/// with `kind` "ok"): checks the tail is `<<>>`.
pub async fn ask_io(dev: &mut Client, req: Req<'_>, status: &str, kind: &str, name: &str) {
    let (result, tail) = io(&dev.request(req.encode(status)).await);
    assert_eq!(result, pair(kind, name), "{status}");
    assert_eq!(tail, bin(""), "{status}: the tail is <<>>");
}
