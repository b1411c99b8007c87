//! Property tests on hostile bytes: no input panics the decoder.

use std::io::Write;

use proptest::prelude::*;
use proptest::{collection::vec, sample::select};

use super::support::VECTORS;
use crate::term::{decode, Limits};

/// Tags a hostile payload would use, to reach deeper than random bytes do.
const TAGS: [u8; 22] = [
    68, 70, 77, 80, 82, 97, 98, 100, 104, 105, 106, 107, 108, 109, 110, 111, 115, 116, 118, 119,
    255, 0,
];

fn tag_soup() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![select(TAGS.to_vec()), 0u8..4, any::<u8>()],
        0..300,
    )
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// Decoding must return, never panic, and a refusal has a short reason.
fn survives(payload: &[u8]) {
    if let Err(e) = decode(payload, &Limits::default()) {
        assert!(!e.reason.is_empty());
        assert!(e.reason.len() < 120, "reason too long: {}", e.reason);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..1024)) {
        survives(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_131_never_panic(bytes in vec(any::<u8>(), 0..1024)) {
        let mut payload = vec![131];
        payload.extend_from_slice(&bytes);
        survives(&payload);
    }

    #[test]
    fn tag_soup_never_panics(soup in tag_soup(), compress in any::<bool>()) {
        let mut payload = vec![131];
        if compress {
            payload.push(80);
            payload.extend_from_slice(&(soup.len() as u32).to_be_bytes());
            payload.extend_from_slice(&zlib(&soup));
        } else {
            payload.extend_from_slice(&soup);
        }
        survives(&payload);
    }

    #[test]
    fn mutated_vectors_never_panic(
        which in 0..VECTORS.len(),
        edits in vec((0u8..4, any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = VECTORS[which].1.to_vec();
        for (kind, at, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                2 => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        survives(&bytes);
    }
}
