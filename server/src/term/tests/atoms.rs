//! Reply atom families: which family a request used, and every sample reply
//! rewritten to `ATOM_EXT` (100) reads the same as the original, with no UTF-8 atom
//! tag left; Io replies then decode with a decoder that knows only the tags a
//! pre-2018 BERT client knows.

use std::io::Write;

use super::replies::samples;
use crate::term::{
    decode_term, encode, request_family, to_latin1, AtomFamily, IoResult, Limits, Reply,
    ReplyAtoms, Tail,
};

/// A 2017 client's decoder: 97, 98, 100, 104, 106, 107, 108, 109 and nothing else.
/// Returns the number of atoms it read.
fn old_decoder(bytes: &[u8]) -> Result<usize, String> {
    fn term(b: &mut &[u8], atoms: &mut usize) -> Result<(), String> {
        let take = |b: &mut &[u8], n: usize| -> Result<Vec<u8>, String> {
            if b.len() < n {
                return Err("truncated".into());
            }
            let (h, t) = b.split_at(n);
            let h = h.to_vec();
            *b = t;
            Ok(h)
        };
        let tag = take(b, 1)?[0];
        match tag {
            97 => drop(take(b, 1)?),
            98 => drop(take(b, 4)?),
            100 => {
                let n = take(b, 2)?;
                take(b, usize::from(u16::from_be_bytes([n[0], n[1]])))?;
                *atoms += 1;
            }
            104 => {
                for _ in 0..take(b, 1)?[0] {
                    term(b, atoms)?;
                }
            }
            106 => {}
            107 => {
                let n = take(b, 2)?;
                take(b, usize::from(u16::from_be_bytes([n[0], n[1]])))?;
            }
            108 => {
                let n = take(b, 4)?;
                for _ in 0..=u32::from_be_bytes([n[0], n[1], n[2], n[3]]) {
                    term(b, atoms)?;
                }
            }
            109 => {
                let n = take(b, 4)?;
                take(b, u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)?;
            }
            other => return Err(format!("unknown tag {other}")),
        }
        Ok(())
    }
    let (&v, mut rest) = bytes.split_first().ok_or("empty")?;
    if v != 131 {
        return Err("no version byte".into());
    }
    let mut atoms = 0;
    term(&mut rest, &mut atoms)?;
    rest.is_empty()
        .then_some(atoms)
        .ok_or_else(|| "trailing bytes".into())
}

#[test]
fn every_reply_rewritten_to_latin1_reads_the_same() {
    let limits = Limits::default();
    for (reply, _) in samples() {
        let utf8 = encode(&reply);
        let latin1 = to_latin1(&utf8).expect("our own encoding");
        assert_eq!(
            decode_term(&latin1, &limits).unwrap(),
            decode_term(&utf8, &limits).unwrap(),
            "{reply:?}"
        );
        // Idempotent, and no 119 atom left where a 100 could hold it.
        assert_eq!(to_latin1(&latin1).as_deref(), Some(&latin1[..]));
        assert_ne!(latin1, utf8, "every reply has an atom: {reply:?}");
    }
}

#[test]
fn io_replies_in_latin1_decode_with_a_2017_decoder() {
    let replies = [
        Reply::Io {
            result: IoResult::Ok("sms_sent"),
            tail: Tail::Auth("0123abcd".into()),
        },
        Reply::Io {
            result: IoResult::Ok2Login {
                client_id: "emqttd_x".into(),
            },
            tail: Tail::Auth("tok".into()),
        },
        Reply::Io {
            result: IoResult::Error("invalid_data"),
            tail: Tail::Empty,
        },
    ];
    for reply in replies {
        let utf8 = encode(&reply);
        assert!(old_decoder(&utf8).is_err(), "119 is unknown to it");
        let atoms = old_decoder(&to_latin1(&utf8).unwrap()).expect("readable");
        assert!(atoms >= 2, "{reply:?}");
    }
}

#[test]
fn a_request_family_is_its_record_atom_tag() {
    let mut auth = vec![131, 104, 2];
    for (tag, want) in [
        (100u8, AtomFamily::Latin1),
        (115, AtomFamily::Latin1),
        (118, AtomFamily::Utf8),
        (119, AtomFamily::Utf8),
    ] {
        auth.truncate(3);
        auth.push(tag);
        assert_eq!(request_family(&auth), Some(want), "tag {tag}");
    }
    assert_eq!(
        request_family(&[131, 105, 0, 0, 0, 2, 100, 0, 4]),
        Some(AtomFamily::Latin1)
    );
    // Compressed: the inner term's first atom.
    let inner = [104u8, 2, 100, 0, 4, b'A', b'u', b't', b'h', 106];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&inner).unwrap();
    let mut payload = vec![131, 80, 0, 0, 0, inner.len() as u8];
    payload.extend(z.finish().unwrap());
    assert_eq!(request_family(&payload), Some(AtomFamily::Latin1));
    for junk in [
        &[][..],
        &[131],
        &[131, 109, 0],
        &[1, 104, 2, 100],
        &[131, 80, 0],
    ] {
        assert_eq!(request_family(junk), None, "{junk:?}");
    }
}

#[test]
fn reply_atoms_choose_the_family() {
    let (l, u) = (Some(AtomFamily::Latin1), Some(AtomFamily::Utf8));
    assert_eq!(ReplyAtoms::Mirror.choose(l), AtomFamily::Latin1);
    assert_eq!(ReplyAtoms::Mirror.choose(u), AtomFamily::Utf8);
    assert_eq!(ReplyAtoms::Mirror.choose(None), AtomFamily::Utf8);
    assert_eq!(ReplyAtoms::Utf8.choose(l), AtomFamily::Utf8);
    assert_eq!(ReplyAtoms::Latin1.choose(u), AtomFamily::Latin1);
}

#[test]
fn bytes_the_encoder_never_writes_are_not_rewritten() {
    assert_eq!(to_latin1(&[131, 70, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    assert_eq!(to_latin1(&[131, 119, 5, b'a']), None);
    assert_eq!(to_latin1(&[131, 106, 106]), None);
    assert_eq!(to_latin1(&[]), None);
}
