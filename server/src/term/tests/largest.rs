//! The largest requests a real client sends, against the default `[limits]`: they
//! must decode, with headroom, so the limits can be as tight as that and no looser
//! (their figures are in `limits.rs` and SECURITY.md).

use std::io::Write;

use eetf::{Atom, BigInteger, Binary, ByteList, FixInteger, List, Term, Tuple};
use flate2::{write::ZlibEncoder, Compression};
use roster_actors::profile::ProfileConfig;

use crate::term::{decode, Limits, Request};

fn atom(a: &str) -> Term {
    Term::from(Atom::from(a))
}

fn bin(len: usize) -> Term {
    Term::from(Binary::from(vec![b'x'; len]))
}

/// Text as an Erlang string: `term_to_binary` sends a charlist of bytes as `STRING_EXT`.
fn chars(len: usize) -> Term {
    Term::from(ByteList::from(vec![b'7'; len]))
}

fn nil() -> Term {
    Term::from(List::nil())
}

fn int(v: i64) -> Term {
    match i32::try_from(v) {
        Ok(small) => Term::from(FixInteger::from(small)),
        Err(_) => Term::from(BigInteger::from(v)),
    }
}

fn tuple(items: Vec<Term>) -> Term {
    Term::from(Tuple::from(items))
}

/// Terms as the decoder counts them (a `STRING_EXT` is one more per byte), and the
/// longest list or tuple.
fn size(t: &Term) -> (usize, usize) {
    match t {
        Term::Tuple(t) => t.elements.iter().map(size).fold((1, t.elements.len()), sum),
        Term::List(l) => l.elements.iter().map(size).fold((2, l.elements.len()), sum),
        Term::ByteList(b) => (1 + b.bytes.len(), b.bytes.len()),
        _ => (1, 0),
    }
}

fn sum((terms, longest): (usize, usize), (t, l): (usize, usize)) -> (usize, usize) {
    (terms + t, longest.max(l))
}

fn etf(t: &Term) -> Vec<u8> {
    let mut out = Vec::new();
    t.encode(&mut out).unwrap();
    out
}

/// `131, 80, size, zlib(term)`: how a client sends what exceeds max_payload_bytes.
fn compressed(plain: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&plain[1..]).unwrap();
    let mut p = vec![131, 80];
    p.extend_from_slice(&(plain.len() as u32 - 1).to_be_bytes());
    p.extend_from_slice(&z.finish().unwrap());
    p
}

/// A Profile `set` creating `profile.max_accounts` accounts whose Names, Surnames and
/// Avatar are `profile.max_text_bytes` long, with `profile.max_data_bytes` of data.
fn largest_profile_set() -> Term {
    let p = ProfileConfig::default();
    let account = |id: i64| {
        tuple(vec![
            atom("Roster"),
            int(id),
            bin(p.max_text_bytes),
            bin(p.max_text_bytes),
            int(0),
            nil(),
            nil(),
            nil(),
            bin(15),
            bin(p.max_text_bytes),
            int(1_700_000_000_000),
            nil(),
        ])
    };
    let accounts = (1..=p.max_accounts as i64).map(account).collect::<Vec<_>>();
    tuple(vec![
        atom("Profile"),
        bin(15),
        bin(p.max_data_bytes),
        bin(32),
        Term::from(List::from(accounts)),
        int(1_700_000_000_000),
        atom("online"),
        atom("set"),
    ])
}

/// An `'Auth'` with all 15 slots filled, its text as charlists: a 32-character token,
/// a 64-character dev_key, a person id, a phone, the longest ClientId, a
/// 1,200-character JWT (RS256 with a few claims), every service, a 200-character push
/// token, 256 characters of comments.
fn largest_auth() -> Term {
    tuple(vec![
        atom("Auth"),
        chars(32),
        chars(64),
        chars(32),
        chars(13),
        chars(7 + 128),
        atom("verify"),
        chars(1_200),
        int(0),
        Term::from(List::from(vec![
            atom("jwt"),
            atom("ua"),
            atom("en"),
            atom("it"),
        ])),
        chars(200),
        chars(256),
        atom("android"),
        int(1_700_000_000_000),
        int(1_700_000_000_000),
    ])
}

#[test]
fn the_largest_real_requests_decode_within_the_defaults_with_headroom() {
    let limits = Limits::default();
    let set = largest_profile_set();
    let (set_terms, set_longest) = size(&set);
    let set_bytes = etf(&set);
    let auth = largest_auth();
    let (auth_terms, auth_longest) = size(&auth);
    let auth_bytes = etf(&auth);
    println!(
        "largest Profile set: {set_terms} terms, longest list {set_longest}, {} bytes; \
         largest Auth: {auth_terms} terms, longest list {auth_longest}, {} bytes",
        set_bytes.len(),
        auth_bytes.len()
    );
    // The set is larger than max_payload_bytes: a client sends it compressed.
    assert!(set_bytes.len() > limits.max_payload_bytes);
    let wire = compressed(&set_bytes);
    assert!(wire.len() <= limits.max_payload_bytes, "{}", wire.len());
    assert!(matches!(decode(&wire, &limits), Ok(Request::Profile(_))));
    assert!(matches!(decode(&auth_bytes, &limits), Ok(Request::Auth(_))));
    // Headroom: a quarter more bytes, twice the terms, 1.5 × the longest list.
    let most_bytes = set_bytes.len().max(auth_bytes.len());
    assert!(most_bytes + most_bytes / 4 <= limits.max_decompressed_bytes);
    assert!(2 * set_terms.max(auth_terms) <= limits.max_elements);
    assert!(3 * set_longest.max(auth_longest) / 2 <= limits.max_list_len);
}
