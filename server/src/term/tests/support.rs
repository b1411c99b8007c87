//! Shared test helpers: empty records to fill in, and the Erlang-made vectors.

use crate::term::{AuthSlots, AuthType, ProfileSlots, ProfileStatus};

/// An `'Auth'` record with every slot but the type absent.
pub fn auth(kind: AuthType) -> AuthSlots {
    AuthSlots::new(kind)
}

/// A `'Profile'` record with every slot but the status absent.
pub fn profile(status: ProfileStatus) -> ProfileSlots {
    ProfileSlots::new(status)
}

/// `Some(s.to_owned())`.
pub fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

macro_rules! vectors {
    ($($name:literal),* $(,)?) => {
        /// Every vector made by `vectors/make_vectors.escript`, by file stem.
        pub const VECTORS: &[(&str, &[u8])] = &[
            $(($name, include_bytes!(concat!("../vectors/", $name, ".bin")))),*
        ];
    };
}

vectors![
    "auth_10_reg",
    "auth_11_voice",
    "auth_12_reg_jwt",
    "auth_13_push",
    "auth_14_login",
    "auth_15_verify",
    "auth_15_atoms_119",
    "auth_12_otp_default",
    "auth_atoms_115",
    "auth_atoms_118",
    "auth_atoms_100",
    "auth_charlists",
    "auth_charlist_small_ints",
    "auth_integers",
    "auth_small_ints",
    "auth_absent_forms",
    "auth_compressed",
    "profile_6_get",
    "profile_7_update",
    "profile_8_set",
    "profile_8_ids_string_ext",
    "profile_8_ids_list",
    "profile_8_migrate",
    "profile_8_email_charlist",
    "profile_7_confirm_atoms_115",
    "profile_compressed",
    "bad_unknown_record",
    "bad_auth_type",
    "bad_auth_arity",
    "bad_auth_float",
    "bad_profile_status",
];

/// The bytes of one vector.
pub fn vector(name: &str) -> &'static [u8] {
    VECTORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

/// How the test encoder writes what Erlang could write in several ways.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Atom tag: 100, 115, 118 or 119 (100/115 need Latin-1 names).
    pub atom_tag: u8,
    /// Write non-empty lists of integers 0..=255 as `STRING_EXT`, as OTP does.
    pub strings: bool,
}

/// Encodes a term the way a client might (test side only; trusted input).
pub fn etf(term: &eetf::Term, style: Style) -> Vec<u8> {
    let mut out = vec![131];
    write(&mut out, term, style);
    out
}

fn write(out: &mut Vec<u8>, term: &eetf::Term, style: Style) {
    use eetf::Term;
    match term {
        Term::Atom(a) => {
            let bytes: Vec<u8> = match style.atom_tag {
                100 | 115 => a
                    .name
                    .chars()
                    .map(|c| u8::try_from(c as u32).unwrap())
                    .collect(),
                _ => a.name.as_bytes().to_vec(),
            };
            out.push(style.atom_tag);
            match style.atom_tag {
                100 | 118 => out.extend_from_slice(&(bytes.len() as u16).to_be_bytes()),
                _ => out.push(u8::try_from(bytes.len()).unwrap()),
            }
            out.extend_from_slice(&bytes);
        }
        Term::FixInteger(i) => match u8::try_from(i.value) {
            Ok(b) => out.extend_from_slice(&[97, b]),
            Err(_) => {
                out.push(98);
                out.extend_from_slice(&i.value.to_be_bytes());
            }
        },
        Term::BigInteger(b) => {
            let v = i64::try_from(&b.value).unwrap();
            let digits = v.unsigned_abs().to_le_bytes();
            let used = digits.iter().rposition(|&d| d != 0).map_or(1, |i| i + 1);
            out.extend_from_slice(&[110, used as u8, u8::from(v < 0)]);
            out.extend_from_slice(&digits[..used]);
        }
        Term::Binary(b) => {
            out.push(109);
            out.extend_from_slice(&(b.bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(&b.bytes);
        }
        Term::ByteList(b) => {
            out.push(107);
            out.extend_from_slice(&(b.bytes.len() as u16).to_be_bytes());
            out.extend_from_slice(&b.bytes);
        }
        Term::List(l) if l.elements.is_empty() => out.push(106),
        Term::List(l) => {
            let small: Option<Vec<u8>> = l
                .elements
                .iter()
                .map(|e| match e {
                    Term::FixInteger(i) => u8::try_from(i.value).ok(),
                    _ => None,
                })
                .collect();
            match small {
                Some(bytes) if style.strings => {
                    write(out, &Term::from(eetf::ByteList::from(bytes)), style)
                }
                _ => {
                    out.push(108);
                    out.extend_from_slice(&(l.elements.len() as u32).to_be_bytes());
                    for e in &l.elements {
                        write(out, e, style);
                    }
                    out.push(106);
                }
            }
        }
        Term::Tuple(t) => {
            out.extend_from_slice(&[104, u8::try_from(t.elements.len()).unwrap()]);
            for e in &t.elements {
                write(out, e, style);
            }
        }
        other => panic!("test encoder does not write {other}"),
    }
}
