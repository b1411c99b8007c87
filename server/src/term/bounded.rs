//! Bounded ETF decoder: untrusted bytes to an `eetf::Term`, within `Limits`.
//!
//! `eetf`'s own decoder is not used on payloads: it panics on some tags, sizes
//! allocations from unchecked length prefixes, inflates without a limit and
//! recurses without one. This one accepts only the tags a request can hold:
//! integers 97/98/110/111, atoms 100/115/118/119, tuples 104/105, nil 106,
//! `STRING_EXT` 107, lists 108, binaries 109, a top-level compressed term 80, and
//! finite `NEW_FLOAT_EXT` 70 (so a float in a field is reported as that field's
//! error). Everything else is refused: maps, pids, ports, references, funs, bit
//! strings, old text floats, atom cache refs, distribution headers.
//!
//! Every length is checked against the bytes left before anything is allocated.
//! Nesting depth, list and tuple length and the number of terms are counted (a
//! `STRING_EXT` of n bytes is the list of n integers it stands for). Bytes after
//! the term are refused (Erlang's `binary_to_term/1` ignores them). Integers are
//! normalised: a value that fits `i32` is always a `FixInteger`, whatever its
//! encoding; one beyond `i64`/`u64` is refused, since no request field holds one.

use eetf::{
    Atom, BigInteger, Binary, ByteList, FixInteger, Float, ImproperList, List, Term, Tuple,
};

use super::inflate::inflate;
use super::{InvalidData, Limits};

const VERSION: u8 = 131;
const NEW_FLOAT: u8 = 70;
const COMPRESSED: u8 = 80;
const SMALL_INTEGER: u8 = 97;
const INTEGER: u8 = 98;
const ATOM: u8 = 100;
const SMALL_TUPLE: u8 = 104;
const LARGE_TUPLE: u8 = 105;
const NIL: u8 = 106;
const STRING: u8 = 107;
const LIST: u8 = 108;
const BINARY: u8 = 109;
const SMALL_BIG: u8 = 110;
const LARGE_BIG: u8 = 111;
const SMALL_ATOM: u8 = 115;
const ATOM_UTF8: u8 = 118;
const SMALL_ATOM_UTF8: u8 = 119;

/// Most characters in an atom, as in Erlang.
const MAX_ATOM_CHARS: usize = 255;
/// Capacity reserved up front for a list or tuple; more grows as elements decode,
/// so a length prefix alone never reserves memory.
const PREALLOC: usize = 16;

/// Decodes one whole payload (`131`, then a term or a compressed term).
pub fn decode_term(payload: &[u8], limits: &Limits) -> Result<Term, InvalidData> {
    if payload.len() > limits.max_payload_bytes {
        return Err(InvalidData::new(
            "payload larger than limits.max_payload_bytes",
        ));
    }
    match payload {
        [VERSION, COMPRESSED, rest @ ..] => {
            let (size, zlib) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| InvalidData::new("compressed term: truncated size"))?;
            let declared = u32::from_be_bytes(*size) as usize;
            if declared > limits.max_decompressed_bytes {
                return Err(InvalidData::new(
                    "compressed term: declared size above limits.max_decompressed_bytes",
                ));
            }
            let inflated = inflate(zlib, declared)?;
            Reader::new(&inflated, limits).whole()
        }
        [VERSION, rest @ ..] => Reader::new(rest, limits).whole(),
        [] => Err(InvalidData::new("empty payload")),
        _ => Err(InvalidData::new(
            "payload does not start with version byte 131",
        )),
    }
}

/// A cursor over term bytes with the running counts the limits bound.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    elements: usize,
    limits: &'a Limits,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], limits: &'a Limits) -> Self {
        Self {
            bytes,
            pos: 0,
            elements: 0,
            limits,
        }
    }

    /// One term that uses every byte.
    fn whole(mut self) -> Result<Term, InvalidData> {
        let term = self.term(1)?;
        if self.pos != self.bytes.len() {
            return Err(InvalidData::new("bytes after the term"));
        }
        Ok(term)
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], InvalidData> {
        if n > self.remaining() {
            return Err(InvalidData::new("truncated term"));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], InvalidData> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, InvalidData> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<usize, InvalidData> {
        Ok(u16::from_be_bytes(self.array()?) as usize)
    }

    fn u32(&mut self) -> Result<usize, InvalidData> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    /// One term at `depth`. Only containers recurse, and this frame and
    /// [`Reader::list`]'s are the only ones on the recursion path, so they stay
    /// small; leaves are read by [`Reader::scalar`].
    fn term(&mut self, depth: usize) -> Result<Term, InvalidData> {
        if depth > self.limits.depth() {
            return Err(InvalidData::new("nesting deeper than limits.max_depth"));
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(InvalidData::new("more terms than limits.max_elements"));
        }
        match self.u8()? {
            SMALL_TUPLE => {
                let n = self.u8()? as usize;
                Ok(Term::from(Tuple::from(self.elements(n, depth)?)))
            }
            LARGE_TUPLE => {
                let n = self.u32()?;
                Ok(Term::from(Tuple::from(self.elements(n, depth)?)))
            }
            LIST => self.list(depth),
            tag => self.scalar(tag),
        }
    }

    /// A `LIST_EXT` at `depth`: elements, then the tail (`[]` for a proper list).
    fn list(&mut self, depth: usize) -> Result<Term, InvalidData> {
        let n = self.u32()?;
        let elements = self.elements(n, depth)?;
        Ok(match self.term(depth + 1)? {
            Term::List(tail) if tail.is_nil() => Term::from(List::from(elements)),
            tail => Term::from(ImproperList::from((elements, tail))),
        })
    }

    /// A term with no children.
    #[inline(never)]
    fn scalar(&mut self, tag: u8) -> Result<Term, InvalidData> {
        Ok(match tag {
            NEW_FLOAT => Float::try_from(f64::from_be_bytes(self.array()?))
                .map(Term::from)
                .map_err(|_| InvalidData::new("float is not finite"))?,
            SMALL_INTEGER => Term::from(FixInteger::from(self.u8()?)),
            INTEGER => Term::from(FixInteger::from(i32::from_be_bytes(self.array()?))),
            SMALL_BIG => {
                let n = self.u8()? as usize;
                self.big(n)?
            }
            LARGE_BIG => {
                let n = self.u32()?;
                self.big(n)?
            }
            ATOM => {
                let n = self.u16()?;
                self.atom(n, false)?
            }
            SMALL_ATOM => {
                let n = self.u8()? as usize;
                self.atom(n, false)?
            }
            ATOM_UTF8 => {
                let n = self.u16()?;
                self.atom(n, true)?
            }
            SMALL_ATOM_UTF8 => {
                let n = self.u8()? as usize;
                self.atom(n, true)?
            }
            NIL => Term::from(List::nil()),
            STRING => {
                let n = self.u16()?;
                self.count_list(n)?;
                self.elements += n;
                if self.elements > self.limits.max_elements {
                    return Err(InvalidData::new("more terms than limits.max_elements"));
                }
                Term::from(ByteList::from(self.take(n)?.to_vec()))
            }
            BINARY => {
                let n = self.u32()?;
                Term::from(Binary::from(self.take(n)?))
            }
            other => return Err(InvalidData::new(format!("unsupported tag {other}"))),
        })
    }

    /// Checks a list, tuple or byte string of `n` elements against
    /// `max_list_len` and against the bytes left (each element takes at least one).
    fn count_list(&self, n: usize) -> Result<(), InvalidData> {
        if n > self.limits.max_list_len {
            return Err(InvalidData::new(
                "list or tuple longer than limits.max_list_len",
            ));
        }
        if n > self.remaining() {
            return Err(InvalidData::new("truncated term"));
        }
        Ok(())
    }

    /// `n` child terms of a tuple or list at `depth`.
    fn elements(&mut self, n: usize, depth: usize) -> Result<Vec<Term>, InvalidData> {
        self.count_list(n)?;
        let mut out = Vec::with_capacity(n.min(PREALLOC));
        for _ in 0..n {
            out.push(self.term(depth + 1)?);
        }
        Ok(out)
    }

    fn atom(&mut self, n: usize, utf8: bool) -> Result<Term, InvalidData> {
        let bytes = self.take(n)?;
        let name: String = match std::str::from_utf8(bytes) {
            // ASCII reads the same as Latin-1 and UTF-8.
            Ok(ascii) if ascii.is_ascii() => ascii.to_owned(),
            Ok(text) if utf8 => text.to_owned(),
            Err(_) if utf8 => return Err(InvalidData::new("atom is not valid UTF-8")),
            _ => bytes.iter().map(|&b| char::from(b)).collect(),
        };
        if name.len() > MAX_ATOM_CHARS && name.chars().count() > MAX_ATOM_CHARS {
            return Err(InvalidData::new("atom longer than 255 characters"));
        }
        Ok(Term::from(Atom::from(name)))
    }

    /// A `SMALL_BIG`/`LARGE_BIG` of `n` little-endian magnitude bytes.
    fn big(&mut self, n: usize) -> Result<Term, InvalidData> {
        let negative = match self.u8()? {
            0 => false,
            1 => true,
            _ => return Err(InvalidData::new("big integer with a bad sign byte")),
        };
        let digits = self.take(n)?;
        let used = digits.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        if used > 8 {
            return Err(InvalidData::new("integer out of range"));
        }
        let mut le = [0u8; 8];
        le[..used].copy_from_slice(&digits[..used]);
        let magnitude = u64::from_le_bytes(le);
        if !negative {
            return Ok(match i32::try_from(magnitude) {
                Ok(v) => Term::from(FixInteger::from(v)),
                Err(_) => Term::from(BigInteger::from(magnitude)),
            });
        }
        let value = 0i128 - i128::from(magnitude);
        if let Ok(v) = i32::try_from(value) {
            return Ok(Term::from(FixInteger::from(v)));
        }
        i64::try_from(value)
            .map(|v| Term::from(BigInteger::from(v)))
            .map_err(|_| InvalidData::new("integer out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8]) -> Result<Term, InvalidData> {
        decode_term(bytes, &Limits::default())
    }

    #[test]
    fn decodes_each_supported_tag() {
        let t = dec(&[131, 104, 3, 100, 0, 1, b'a', 115, 1, b'b', 119, 1, b'c']).unwrap();
        let atoms: Vec<Term> = ["a", "b", "c"].map(|a| Term::from(Atom::from(a))).into();
        assert_eq!(t, Term::from(Tuple::from(atoms)));
        assert_eq!(
            dec(&[131, 118, 0, 2, 0xC3, 0xA9]).unwrap(),
            Term::from(Atom::from("é"))
        );
        assert_eq!(
            dec(&[131, 100, 0, 1, 0xE9]).unwrap(),
            Term::from(Atom::from("é"))
        );
        let mut float = vec![131, 70];
        float.extend_from_slice(&1.5f64.to_be_bytes());
        assert_eq!(
            dec(&float).unwrap(),
            Term::from(Float::try_from(1.5f64).unwrap())
        );
        float[2..].copy_from_slice(&f64::NAN.to_be_bytes());
        assert!(dec(&float).unwrap_err().reason.contains("finite"));
        assert_eq!(
            dec(&[131, 97, 200]).unwrap(),
            Term::from(FixInteger::from(200))
        );
        assert_eq!(
            dec(&[131, 98, 255, 255, 255, 251]).unwrap(),
            Term::from(FixInteger::from(-5))
        );
        assert_eq!(dec(&[131, 106]).unwrap(), Term::from(List::nil()));
        assert_eq!(
            dec(&[131, 107, 0, 2, 1, 2]).unwrap(),
            Term::from(ByteList::from(vec![1, 2]))
        );
        assert_eq!(
            dec(&[131, 109, 0, 0, 0, 1, 7]).unwrap(),
            Term::from(Binary::from(vec![7]))
        );
        let list = dec(&[131, 108, 0, 0, 0, 1, 97, 1, 106]).unwrap();
        assert_eq!(
            list,
            Term::from(List::from(vec![Term::from(FixInteger::from(1))]))
        );
        let improper = dec(&[131, 108, 0, 0, 0, 1, 97, 1, 97, 2]).unwrap();
        assert!(matches!(improper, Term::ImproperList(_)));
        let large = dec(&[131, 105, 0, 0, 0, 1, 106]).unwrap();
        assert_eq!(
            large,
            Term::from(Tuple::from(vec![Term::from(List::nil())]))
        );
    }

    #[test]
    fn big_integers_normalise_and_stay_in_i64() {
        let small = dec(&[131, 110, 2, 1, 0x10, 0x00]).unwrap();
        assert_eq!(small, Term::from(FixInteger::from(-16)));
        let ms: i64 = 1_700_000_000_000;
        let mut bytes = vec![131, 110, 8, 0];
        bytes.extend_from_slice(&ms.to_le_bytes());
        assert_eq!(dec(&bytes).unwrap(), Term::from(BigInteger::from(ms)));
        let mut min = vec![131, 111, 0, 0, 0, 9, 1];
        min.extend_from_slice(&(1u64 << 63).to_le_bytes());
        min.push(0);
        assert_eq!(dec(&min).unwrap(), Term::from(BigInteger::from(i64::MIN)));
        let too_big = [131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert!(dec(&too_big).unwrap_err().reason.contains("out of range"));
        let too_small = [131, 110, 8, 1, 1, 0, 0, 0, 0, 0, 0, 0x80];
        assert!(dec(&too_small).is_err());
        assert!(dec(&[131, 110, 1, 2, 1])
            .unwrap_err()
            .reason
            .contains("sign"));
    }

    #[test]
    fn framing_errors() {
        assert!(dec(&[]).unwrap_err().reason.contains("empty"));
        assert!(dec(&[130, 106]).unwrap_err().reason.contains("131"));
        assert!(dec(&[131]).unwrap_err().reason.contains("truncated"));
        assert!(dec(&[131, 106, 106]).unwrap_err().reason.contains("after"));
        assert!(dec(&[131, 100, 0, 1, 0xFF, 0]).is_err());
        assert!(dec(&[131, 119, 1, 0xFF])
            .unwrap_err()
            .reason
            .contains("UTF-8"));
    }
}
