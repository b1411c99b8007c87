//! Which atom tags a reply uses. N2O's bert.js before 5.x and other pre-2018 BERT
//! decoders know `ATOM_EXT` (100) and not `SMALL_ATOM_UTF8_EXT` (119), so
//! `[wire] reply_atoms` picks: `"mirror"` (default: the family the request's own
//! record atom used), `"utf8"` (always 119) or `"latin1"` (always 100).
//!
//! [`request_family`] reads the family from a payload's first bytes (inflating at
//! most a few bytes of a compressed one); [`to_latin1`] rewrites a reply this crate
//! encoded from 119 to 100 atoms, for a message pushed to a session whose requests
//! are latin1 (the push is encoded once for every recipient).

use std::io::Read;

use serde::Deserialize;

/// An atom encoding family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomFamily {
    /// `SMALL_ATOM_UTF8_EXT` (119), `ATOM_UTF8_EXT` (118) past 255 bytes.
    Utf8,
    /// `ATOM_EXT` (100), what 2017 clients read.
    Latin1,
}

/// `[wire] reply_atoms`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyAtoms {
    /// The family of the request (of the session's last request, for pushes).
    #[default]
    Mirror,
    /// Always 119.
    Utf8,
    /// Always 100.
    Latin1,
}

impl ReplyAtoms {
    /// The family to answer a request of `request` family in (`None`: unknown).
    pub fn choose(self, request: Option<AtomFamily>) -> AtomFamily {
        match self {
            ReplyAtoms::Mirror => request.unwrap_or(AtomFamily::Utf8),
            ReplyAtoms::Utf8 => AtomFamily::Utf8,
            ReplyAtoms::Latin1 => AtomFamily::Latin1,
        }
    }
}

/// The family of the first atom of a request payload (`131`, a tuple, its record
/// atom), or `None` when the payload does not start that way. A compressed payload
/// has at most 16 bytes inflated for this.
pub fn request_family(payload: &[u8]) -> Option<AtomFamily> {
    match payload {
        [131, 80, rest @ ..] => {
            let zlib = rest.get(4..)?;
            let mut head = [0u8; 16];
            let mut n = 0;
            let mut z = flate2::read::ZlibDecoder::new(zlib).take(head.len() as u64);
            while n < head.len() {
                match z.read(&mut head[n..]) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => n += k,
                }
            }
            first_atom_family(&head[..n])
        }
        [131, rest @ ..] => first_atom_family(rest),
        _ => None,
    }
}

fn first_atom_family(term: &[u8]) -> Option<AtomFamily> {
    let tag = match term {
        [104, _, tag, ..] => *tag,
        [105, _, _, _, _, tag, ..] => *tag,
        _ => return None,
    };
    match tag {
        100 | 115 => Some(AtomFamily::Latin1),
        118 | 119 => Some(AtomFamily::Utf8),
        _ => None,
    }
}

/// Rewrites a reply encoded by [`super::encode`] with 119/118 atoms into one with
/// 100 atoms (one that already has them comes back the same) (names of Latin-1 characters only; any other is left as it was).
/// `None` when the bytes hold a tag the encoder never writes.
pub fn to_latin1(reply: &[u8]) -> Option<Vec<u8>> {
    let (&version, mut rest) = reply.split_first()?;
    if version != 131 {
        return None;
    }
    let mut out = Vec::with_capacity(reply.len() + 16);
    out.push(131);
    term(&mut rest, &mut out, 0)?;
    rest.is_empty().then_some(out)
}

/// Deeper than any reply the encoder writes.
const MAX_DEPTH: usize = 16;

fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, tail) = input.split_at_checked(n)?;
    *input = tail;
    Some(head)
}

fn term(input: &mut &[u8], out: &mut Vec<u8>, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let tag = take(input, 1)?[0];
    match tag {
        104 => {
            let arity = take(input, 1)?[0];
            out.extend_from_slice(&[104, arity]);
            for _ in 0..arity {
                term(input, out, depth + 1)?;
            }
        }
        108 => {
            let len = take(input, 4)?;
            out.push(108);
            out.extend_from_slice(len);
            let n = u32::from_be_bytes(len.try_into().ok()?);
            for _ in 0..=n {
                // The elements, then the tail.
                term(input, out, depth + 1)?;
            }
        }
        119 => {
            let n = usize::from(take(input, 1)?[0]);
            atom(take(input, n)?, tag, out)?;
        }
        118 => {
            let n = u16::from_be_bytes(take(input, 2)?.try_into().ok()?);
            atom(take(input, usize::from(n))?, tag, out)?;
        }
        109 => {
            let len = take(input, 4)?;
            let n = u32::from_be_bytes(len.try_into().ok()?) as usize;
            out.push(109);
            out.extend_from_slice(len);
            out.extend_from_slice(take(input, n)?);
        }
        100 => {
            let len = take(input, 2)?;
            let n = u16::from_be_bytes(len.try_into().ok()?);
            out.push(100);
            out.extend_from_slice(len);
            out.extend_from_slice(take(input, usize::from(n))?);
        }
        106 => out.push(106),
        97 => {
            out.push(97);
            out.extend_from_slice(take(input, 1)?);
        }
        98 => {
            out.push(98);
            out.extend_from_slice(take(input, 4)?);
        }
        110 => {
            let n = take(input, 1)?[0];
            out.extend_from_slice(&[110, n]);
            out.extend_from_slice(take(input, usize::from(n) + 1)?);
        }
        _ => return None,
    }
    Some(())
}

/// One atom: as `ATOM_EXT` when every character is Latin-1, else as it came.
fn atom(utf8: &[u8], tag: u8, out: &mut Vec<u8>) -> Option<()> {
    let name = std::str::from_utf8(utf8).ok()?;
    let latin1: Option<Vec<u8>> = name.chars().map(|c| u8::try_from(c).ok()).collect();
    match latin1 {
        Some(bytes) if bytes.len() <= 255 => {
            out.push(100);
            out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        _ => {
            out.push(tag);
            if tag == 119 {
                out.push(utf8.len() as u8);
            } else {
                out.extend_from_slice(&(utf8.len() as u16).to_be_bytes());
            }
            out.extend_from_slice(utf8);
        }
    }
    Some(())
}
