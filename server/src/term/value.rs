//! Field readers: one `eetf::Term` slot to an optional typed value.
//!
//! Shared rules: `[]`, `<<>>` and `0` are absent in every optional slot. Text is a
//! UTF-8 BINARY or a charlist (`STRING_EXT`, or a list of integers), whose elements
//! are Unicode code points as in Erlang (`unicode:characters_to_binary/1`). Reasons
//! name the field and the rule, never the contents.

use eetf::{Atom, Binary, ByteList, FixInteger, List, Term};

use super::InvalidData;

/// A field's name for reasons, e.g. `"Auth.phone"`.
pub(crate) type Field = &'static str;

fn wrong(field: Field, expected: &str) -> InvalidData {
    InvalidData::new(format!("{field}: expected {expected}"))
}

/// `[]`, `<<>>` or `0`: the ways a client says "no value".
pub(crate) fn is_absent(term: &Term) -> bool {
    match term {
        Term::List(l) => l.is_nil(),
        Term::ByteList(ByteList { bytes }) | Term::Binary(Binary { bytes }) => bytes.is_empty(),
        Term::FixInteger(FixInteger { value }) => *value == 0,
        _ => false,
    }
}

/// The value of an integer term, if it is one that fits `i64`.
pub(crate) fn integer(term: &Term) -> Option<i64> {
    match term {
        Term::FixInteger(i) => Some(i64::from(i.value)),
        Term::BigInteger(b) => i64::try_from(&b.value).ok(),
        _ => None,
    }
}

/// Text: UTF-8 binary or charlist; absent as `None`.
pub(crate) fn text(term: Term, field: Field) -> Result<Option<String>, InvalidData> {
    if is_absent(&term) {
        return Ok(None);
    }
    match term {
        Term::Binary(Binary { bytes }) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| InvalidData::new(format!("{field}: text is not valid UTF-8"))),
        Term::ByteList(ByteList { bytes }) => {
            Ok(Some(bytes.iter().map(|&b| char::from(b)).collect()))
        }
        Term::List(List { elements }) => elements
            .iter()
            .map(|e| match e {
                Term::FixInteger(i) => u32::try_from(i.value).ok().and_then(char::from_u32),
                _ => None,
            })
            .collect::<Option<String>>()
            .map(Some)
            .ok_or_else(|| wrong(field, "a charlist of code points")),
        _ => Err(wrong(field, "text")),
    }
}

/// An integer; absent as `None`.
pub(crate) fn int(term: Term, field: Field) -> Result<Option<i64>, InvalidData> {
    if is_absent(&term) {
        return Ok(None);
    }
    integer(&term)
        .map(Some)
        .ok_or_else(|| wrong(field, "an integer"))
}

/// A time in ms: an integer, or text holding a decimal integer (other text is
/// treated as absent).
pub(crate) fn timestamp(term: Term, field: Field) -> Result<Option<i64>, InvalidData> {
    match term {
        Term::Binary(_) | Term::ByteList(_) | Term::List(_) => Ok(text(term, field)?
            .and_then(|t| t.trim().parse::<i64>().ok())
            .filter(|&v| v != 0)),
        other => int(other, field),
    }
}

/// An atom's name; absent as `None`.
pub(crate) fn atom(term: Term, field: Field) -> Result<Option<String>, InvalidData> {
    if is_absent(&term) {
        return Ok(None);
    }
    match term {
        Term::Atom(Atom { name }) => Ok(Some(name)),
        _ => Err(wrong(field, "an atom")),
    }
}

/// The elements of a proper list (a `STRING_EXT` gives its bytes as integers);
/// absent as empty.
pub(crate) fn list(term: Term, field: Field) -> Result<Vec<Term>, InvalidData> {
    if is_absent(&term) {
        return Ok(Vec::new());
    }
    match term {
        Term::List(List { elements }) => Ok(elements),
        Term::ByteList(ByteList { bytes }) => Ok(bytes
            .into_iter()
            .map(|b| Term::from(FixInteger::from(b)))
            .collect()),
        _ => Err(wrong(field, "a list")),
    }
}

/// A list of atoms, as their names; absent as empty.
pub(crate) fn atoms(term: Term, field: Field) -> Result<Vec<String>, InvalidData> {
    list(term, field)?
        .into_iter()
        .map(|e| match e {
            Term::Atom(Atom { name }) => Ok(name),
            _ => Err(wrong(field, "a list of atoms")),
        })
        .collect()
}

/// Opaque bytes: a binary, or a list of bytes (`iolist_to_binary/1` of a flat
/// list); absent as `None`.
pub(crate) fn bytes(term: Term, field: Field) -> Result<Option<Vec<u8>>, InvalidData> {
    if is_absent(&term) {
        return Ok(None);
    }
    match term {
        Term::Binary(Binary { bytes }) | Term::ByteList(ByteList { bytes }) => Ok(Some(bytes)),
        Term::List(List { elements }) => elements
            .iter()
            .map(|e| match e {
                Term::FixInteger(i) => u8::try_from(i.value).ok(),
                _ => None,
            })
            .collect::<Option<Vec<u8>>>()
            .map(Some)
            .ok_or_else(|| wrong(field, "a binary or a list of bytes")),
        _ => Err(wrong(field, "a binary")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eetf::{BigInteger, Tuple};

    fn ints(values: &[i32]) -> Term {
        Term::from(List::from(
            values
                .iter()
                .map(|&v| Term::from(FixInteger::from(v)))
                .collect::<Vec<_>>(),
        ))
    }

    fn bin(b: &[u8]) -> Term {
        Term::from(Binary::from(b))
    }

    #[test]
    fn absent_forms() {
        for t in [
            Term::from(List::nil()),
            bin(b""),
            Term::from(FixInteger::from(0)),
            Term::from(ByteList::from(vec![])),
        ] {
            assert_eq!(text(t.clone(), "f").unwrap(), None);
            assert_eq!(int(t.clone(), "f").unwrap(), None);
            assert_eq!(atom(t.clone(), "f").unwrap(), None);
            assert_eq!(bytes(t.clone(), "f").unwrap(), None);
            assert!(list(t, "f").unwrap().is_empty());
        }
    }

    #[test]
    fn text_forms() {
        assert_eq!(
            text(bin("héllo".as_bytes()), "f").unwrap().as_deref(),
            Some("héllo")
        );
        assert_eq!(
            text(Term::from(ByteList::from(vec![104, 233])), "f")
                .unwrap()
                .as_deref(),
            Some("hé")
        );
        assert_eq!(
            text(ints(&[1090, 233, 97]), "f").unwrap().as_deref(),
            Some("тéa")
        );
        assert!(text(bin(&[0xFF]), "Auth.phone")
            .unwrap_err()
            .reason
            .contains("Auth.phone"));
        assert!(text(ints(&[0xD800]), "f").is_err());
        assert!(text(ints(&[-1]), "f").is_err());
        assert!(text(Term::from(Atom::from("x")), "f").is_err());
        assert!(text(Term::from(Tuple::from(vec![])), "f").is_err());
    }

    #[test]
    fn integers_and_timestamps() {
        assert_eq!(
            int(Term::from(FixInteger::from(-7)), "f").unwrap(),
            Some(-7)
        );
        assert_eq!(
            int(Term::from(BigInteger::from(1_700_000_000_000i64)), "f").unwrap(),
            Some(1_700_000_000_000)
        );
        assert!(int(Term::from(BigInteger::from(u64::MAX)), "f").is_err());
        assert!(int(bin(b"12"), "f").is_err());
        assert_eq!(
            timestamp(bin(b"1700000000000"), "f").unwrap(),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            timestamp(Term::from(ByteList::from("42")), "f").unwrap(),
            Some(42)
        );
        assert_eq!(timestamp(bin(b"yesterday"), "f").unwrap(), None);
        assert_eq!(timestamp(bin(b"0"), "f").unwrap(), None);
        assert!(timestamp(Term::from(Atom::from("now")), "f").is_err());
    }

    #[test]
    fn lists_atoms_and_bytes() {
        let svc = Term::from(List::from(vec![
            Term::from(Atom::from("jwt")),
            Term::from(Atom::from("ua")),
        ]));
        assert_eq!(atoms(svc, "f").unwrap(), ["jwt", "ua"]);
        assert!(atoms(ints(&[1]), "f").is_err());
        assert_eq!(
            list(Term::from(ByteList::from(vec![1, 2])), "f")
                .unwrap()
                .len(),
            2
        );
        assert!(list(Term::from(Atom::from("x")), "f").is_err());
        assert_eq!(bytes(ints(&[0, 255]), "f").unwrap(), Some(vec![0, 255]));
        assert!(bytes(ints(&[256]), "f").is_err());
        assert_eq!(bytes(bin(&[0, 1]), "f").unwrap(), Some(vec![0, 1]));
    }
}
