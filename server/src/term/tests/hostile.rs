//! Hostile payloads: each trap of a naive ETF decoder is refused as `InvalidData`.

use std::io::Write;

use flate2::{write::ZlibEncoder, Compression};

use crate::term::{decode, Limits, DEPTH_CEILING};

fn reason(payload: &[u8], limits: &Limits) -> String {
    match decode(payload, limits) {
        Ok(r) => panic!("accepted: {r:?}"),
        Err(e) => e.reason,
    }
}

fn refused(payload: &[u8]) -> String {
    reason(payload, &Limits::default())
}

fn compressed(declared: u32, inner: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(inner).unwrap();
    let mut out = vec![131, 80];
    out.extend_from_slice(&declared.to_be_bytes());
    out.extend_from_slice(&z.finish().unwrap());
    out
}

#[test]
fn tags_eetf_leaves_unimplemented() {
    assert!(refused(&[131, 82, 0]).contains("unsupported tag 82"));
    assert!(refused(&[131, 68, 0, 0]).contains("unsupported tag 68"));
    assert!(refused(&[131, 104, 1, 82, 0]).contains("unsupported tag 82"));
    for tag in [
        77, 88, 90, 99, 101, 102, 103, 112, 113, 114, 116, 117, 120, 0, 255,
    ] {
        assert!(refused(&[131, tag, 0, 0, 0, 0, 0]).contains("unsupported tag"));
    }
}

#[test]
fn length_prefixes_are_checked_against_the_bytes_left() {
    let huge = [0xFF, 0xFF, 0xFF, 0xFF];
    for tag in [109u8, 111] {
        let mut p = vec![131, tag];
        p.extend_from_slice(&huge);
        p.extend_from_slice(&[0, 1, 2]);
        assert!(refused(&p).contains("truncated"), "tag {tag}");
    }
    for tag in [108u8, 105] {
        let mut p = vec![131, tag];
        p.extend_from_slice(&huge);
        assert!(refused(&p).contains("max_list_len"), "tag {tag}");
        // Within max_list_len, far beyond the bytes left.
        let n = Limits::default().max_list_len as u32;
        let mut p = vec![131, tag];
        p.extend_from_slice(&n.to_be_bytes());
        p.push(106);
        assert!(refused(&p).contains("truncated"), "tag {tag}");
    }
    assert!(refused(&[131, 107, 0x01, 0x00, 1, 2]).contains("truncated"));
    assert!(refused(&[131, 107, 0xFF, 0xFF, 1, 2]).contains("max_list_len"));
    assert!(refused(&[131, 100, 0xFF, 0xFF, b'a']).contains("truncated"));
    assert!(refused(&[131, 110, 0xFF, 0, 1]).contains("truncated"));
    let mut long_atom = vec![131, 118, 1, 0];
    long_atom.extend(std::iter::repeat_n(b'a', 256));
    assert!(refused(&long_atom).contains("255"));
}

#[test]
fn compressed_sizes_are_bounded() {
    let mut p = vec![131, 80, 0xFF, 0xFF, 0xFF, 0xFF];
    p.extend_from_slice(&[0x78, 0x9C, 0x03, 0x00]);
    assert!(refused(&p).contains("max_decompressed_bytes"));
    assert!(refused(&[131, 80, 0, 0]).contains("truncated size"));
    // A bomb that lies about its size stops at the declared size.
    let bomb = compressed(200_000, &vec![106; 10_000_000]);
    assert!(bomb.len() < 65_536);
    assert!(refused(&bomb).contains("past the declared size"));
    // One that tells the truth is refused before inflating.
    let honest = compressed(10_000_000, &vec![106; 10_000_000]);
    assert!(refused(&honest).contains("max_decompressed_bytes"));
    // The inflated bytes obey the same rules as plain ones.
    assert!(refused(&compressed(2, &[106, 106])).contains("after the term"));
    assert!(refused(&compressed(2, &[82, 0])).contains("unsupported tag 82"));
    assert!(refused(&compressed(1, &[80])).contains("unsupported tag 80"));
}

#[test]
fn deep_nesting_is_refused_without_recursing_into_it() {
    for opener in [&[104u8, 1][..], &[108, 0, 0, 0, 1]] {
        let mut p = vec![131];
        for _ in 0..60_000 {
            p.extend_from_slice(opener);
        }
        p.push(106);
        let roomy = Limits {
            max_payload_bytes: 1 << 20,
            ..Limits::default()
        };
        assert!(reason(&p, &roomy).contains("max_depth"));
    }
    let mut p = vec![131];
    p.extend(std::iter::repeat_n([104u8, 1], 500).flatten());
    p.push(106);
    let unbounded = Limits {
        max_depth: usize::MAX,
        ..Limits::default()
    };
    assert!(reason(&p, &unbounded).contains("max_depth"));
}

#[test]
fn depth_limit_is_exact() {
    let nested = |levels: usize| {
        let mut p = vec![131];
        p.extend(std::iter::repeat_n([104u8, 1], levels - 1).flatten());
        p.push(106);
        p
    };
    let limits = Limits {
        max_depth: DEPTH_CEILING,
        ..Limits::default()
    };
    // Decodes as a term (then is not a request), so the refusal is not about depth.
    assert!(!reason(&nested(DEPTH_CEILING), &limits).contains("max_depth"));
    assert!(reason(&nested(DEPTH_CEILING + 1), &limits).contains("max_depth"));
}

#[test]
fn list_length_element_count_and_payload_size_limits_are_exact() {
    let limits = Limits {
        max_list_len: 4,
        max_elements: 6,
        max_payload_bytes: 20,
        ..Limits::default()
    };
    let list = |n: u8| {
        let mut p = vec![131, 108, 0, 0, 0, n];
        p.extend(std::iter::repeat_n(106, n as usize + 1));
        p
    };
    assert_eq!(reason(&list(4), &limits), "request is not a tuple");
    assert!(reason(&list(5), &limits).contains("max_list_len"));
    let tuple_of_lists = [
        131, 104, 2, 108, 0, 0, 0, 2, 106, 106, 106, 108, 0, 0, 0, 1, 106, 106,
    ];
    assert!(reason(&tuple_of_lists, &limits).contains("max_elements"));
    assert!(reason(
        &[131, 109, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &limits
    )
    .contains("max_payload_bytes"));
}

#[test]
fn not_a_request() {
    assert_eq!(refused(&[131, 106]), "request is not a tuple");
    assert_eq!(refused(&[131, 104, 0]), "request is an empty tuple");
    assert!(refused(&[131, 104, 1, 97, 1]).contains("atom"));
    let improper_token = [
        131, 104, 10, 119, 4, b'A', b'u', b't', b'h', 108, 0, 0, 0, 1, 97, 49, 97, 50, 106, 106,
        106, 106, 119, 3, b'r', b'e', b'g', 106, 106, 106,
    ];
    let e = decode(&improper_token, &Limits::default()).unwrap_err();
    assert!(e.reason.contains("Auth.token"), "{}", e.reason);
    assert_eq!(e.auth_token, None);
}

#[test]
fn byte_strings_count_as_lists() {
    let limits = Limits {
        max_list_len: 4,
        max_elements: 8,
        ..Limits::default()
    };
    let string = |n: u8| {
        let mut p = vec![131, 107, 0, n];
        p.extend(std::iter::repeat_n(1, n as usize));
        p
    };
    assert_eq!(reason(&string(4), &limits), "request is not a tuple");
    assert!(reason(&string(5), &limits).contains("max_list_len"));
    let two = [131, 104, 2, 107, 0, 4, 1, 1, 1, 1, 107, 0, 4, 1, 1, 1, 1];
    assert!(reason(&two, &limits).contains("max_elements"));
}

/// Stack a thread needs for the deepest term the ceiling allows: an eighth of
/// the default 2 MiB, even in a debug build (where frames are largest).
const STACK: usize = 256 * 1024;

#[test]
fn ceiling_depth_fits_a_small_stack() {
    let limits = Limits {
        max_depth: DEPTH_CEILING,
        ..Limits::default()
    };
    let mut p = vec![131];
    for level in 1..DEPTH_CEILING {
        if level % 2 == 0 {
            p.extend_from_slice(&[104, 1]);
        } else {
            p.extend_from_slice(&[108, 0, 0, 0, 1]);
        }
    }
    p.push(106);
    p.extend(std::iter::repeat_n(106, DEPTH_CEILING / 2));
    let r = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || decode(&p, &limits).map(|_| ()).map_err(|e| e.reason))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(r, Err("request is not a tuple".to_owned()));
}
