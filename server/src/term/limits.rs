//! `[limits]`: the bounds every untrusted ETF payload is decoded within, and the
//! decode budget that bounds how much decoding one connection or address may ask for
//! per second ([`decode_work`] is what one payload is charged).

use serde::Deserialize;

use crate::guard::DecodeBudget;

/// Deepest nesting the decoder ever follows, whatever the config says. The
/// decoder recurses once per level; at this depth it needs under 256 KiB of stack
/// even in a debug build (a test checks), so any thread can run it. Requests
/// nest at most 5 deep.
pub const DEPTH_CEILING: usize = 64;

/// Bounds for decoding one untrusted payload (`[limits]` in `config.toml`).
///
/// Every allocation the decoder makes is sized by bytes it has already checked
/// are present or by these limits. One payload costs at most its inflated bytes
/// (`max_decompressed_bytes`), a copy of those bytes in binaries and strings, and
/// `max_elements` terms of 56 bytes each (about 230 KB at the defaults).
///
/// The defaults sit above the largest real requests (`term/tests/largest.rs`
/// builds them): a Profile `set` of `profile.max_accounts` accounts whose texts are
/// all `profile.max_text_bytes` long, with `profile.max_data_bytes` of data, is
/// 1,710 terms and 379,038 bytes inflated; an `'Auth'` with every slot filled, its
/// text sent as charlists (a term per character) and a 1,200-character JWT, is 1,953
/// terms, its longest list 1,200. Headroom: a quarter more bytes, twice the terms,
/// half as long again a list.
///
/// ```toml
/// [limits]
/// max_payload_bytes = 65536        # largest PUBLISH payload decoded
/// max_decompressed_bytes = 524288  # largest inflated size of a compressed term (tag 80)
/// max_depth = 32                   # deepest nesting of tuples and lists (at most 64)
/// max_list_len = 2048              # most elements in one list, tuple or charlist
/// max_elements = 4096              # most terms in one payload
/// decode_bytes_per_sec_per_connection = 262144
/// decode_burst_per_connection = 1048576
/// decode_bytes_per_sec_per_ip = 1048576
/// decode_burst_per_ip = 4194304
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest payload accepted, in bytes, compressed or not (checked first).
    pub max_payload_bytes: usize,
    /// Largest size a compressed term (tag 80) may inflate to, in bytes; the
    /// declared size is checked before inflating and the output buffer is never
    /// larger than it.
    pub max_decompressed_bytes: usize,
    /// Deepest nesting of tuples and lists; the top-level term is depth 1.
    /// Values above [`DEPTH_CEILING`] are treated as the ceiling.
    pub max_depth: usize,
    /// Most elements in one list or tuple; a charlist sent as `STRING_EXT` is a
    /// list too, so it bounds charlist text (binaries are bounded by size only).
    pub max_list_len: usize,
    /// Most terms in one payload, counting every nested term once (and each
    /// byte of a `STRING_EXT`, which stands for a list of integers).
    pub max_elements: usize,
    /// Decode work (see [`decode_work`]) one connection may ask for per second, on
    /// average; beyond it requests are answered `too_many_requests` undecoded. 0: off.
    pub decode_bytes_per_sec_per_connection: u64,
    /// Decode work one connection may ask for at once (at least one payload's most).
    pub decode_burst_per_connection: u64,
    /// Decode work one address (IPv4, or IPv6 prefix) may ask for per second, over
    /// all its connections. 0: off.
    pub decode_bytes_per_sec_per_ip: u64,
    /// Decode work one address may ask for at once.
    pub decode_burst_per_ip: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_bytes: 65_536,
            max_decompressed_bytes: 524_288,
            max_depth: 32,
            max_list_len: 2_048,
            max_elements: 4_096,
            decode_bytes_per_sec_per_connection: 262_144,
            decode_burst_per_connection: 1_048_576,
            decode_bytes_per_sec_per_ip: 1_048_576,
            decode_burst_per_ip: 4_194_304,
        }
    }
}

/// What decoding `payload` may cost, in bytes the decoder reads: the payload, and
/// for a compressed term the size it declares (what inflating writes, then reads
/// again as terms). Each term takes at least one byte, so this bounds the terms
/// decoded plus the bytes inflated. Known before decoding: a compressed term that
/// declares more than `max_decompressed_bytes` is refused without inflating, and
/// costs only its bytes.
pub fn decode_work(payload: &[u8], limits: &Limits) -> u64 {
    let inflated = match payload {
        [131, 80, a, b, c, d, ..] => {
            let declared = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
            if declared <= limits.max_decompressed_bytes {
                declared
            } else {
                0
            }
        }
        _ => 0,
    };
    (payload.len() + inflated) as u64
}

impl Limits {
    /// Checks the values make sense together; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("max_payload_bytes", self.max_payload_bytes),
            ("max_decompressed_bytes", self.max_decompressed_bytes),
            ("max_depth", self.max_depth),
            ("max_list_len", self.max_list_len),
            ("max_elements", self.max_elements),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("limits.{key} must be at least 1"));
        }
        if self.max_depth > DEPTH_CEILING {
            return Err(format!("limits.max_depth must be at most {DEPTH_CEILING}"));
        }
        // A burst smaller than one payload's most would refuse that payload forever.
        let most = (self.max_payload_bytes + self.max_decompressed_bytes) as u64;
        let bursts = [
            (
                "decode_burst_per_connection",
                self.decode_bytes_per_sec_per_connection,
                self.decode_burst_per_connection,
            ),
            (
                "decode_burst_per_ip",
                self.decode_bytes_per_sec_per_ip,
                self.decode_burst_per_ip,
            ),
        ];
        if let Some((key, _, _)) = bursts.iter().find(|(_, rate, b)| *rate > 0 && *b < most) {
            return Err(format!(
                "limits.{key} must be at least max_payload_bytes + max_decompressed_bytes ({most})"
            ));
        }
        Ok(())
    }

    /// The decode budget these limits set, grouping IPv6 by `ipv6_prefix_len` bits.
    pub fn decode_budget(&self, ipv6_prefix_len: u8) -> DecodeBudget {
        DecodeBudget::new(
            (
                self.decode_bytes_per_sec_per_connection,
                self.decode_burst_per_connection,
            ),
            (self.decode_bytes_per_sec_per_ip, self.decode_burst_per_ip),
        )
        .with_ipv6_prefix_len(ipv6_prefix_len)
    }

    /// The nesting bound the decoder applies: `max_depth`, never above the ceiling.
    pub(crate) fn depth(&self) -> usize {
        self.max_depth.min(DEPTH_CEILING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones_and_valid() {
        let l = Limits::default();
        assert_eq!(l.max_payload_bytes, 65_536);
        assert_eq!(l.max_decompressed_bytes, 524_288);
        assert_eq!(l.max_depth, 32);
        assert_eq!(l.max_list_len, 2_048);
        assert_eq!(l.max_elements, 4_096);
        assert_eq!(l.decode_bytes_per_sec_per_connection, 262_144);
        assert_eq!(l.decode_burst_per_connection, 1_048_576);
        assert_eq!(l.decode_bytes_per_sec_per_ip, 1_048_576);
        assert_eq!(l.decode_burst_per_ip, 4_194_304);
        assert_eq!(l.validate(), Ok(()));
    }

    #[test]
    fn partial_section_fills_defaults_and_unknown_keys_fail() {
        let l: Limits = toml::from_str("max_depth = 8").unwrap();
        assert_eq!(l.max_depth, 8);
        assert_eq!(l.max_elements, 4_096);
        let err = toml::from_str::<Limits>("max_dpth = 8").unwrap_err();
        assert!(err.to_string().contains("max_dpth"), "{err}");
    }

    #[test]
    fn validate_names_the_bad_key() {
        let l = Limits {
            max_list_len: 0,
            ..Limits::default()
        };
        assert!(l.validate().unwrap_err().contains("max_list_len"));
        let l = Limits {
            max_depth: DEPTH_CEILING + 1,
            ..Limits::default()
        };
        assert!(l.validate().unwrap_err().contains("max_depth"));
        assert_eq!(l.depth(), DEPTH_CEILING);
        let l = Limits {
            decode_burst_per_ip: 1000,
            ..Limits::default()
        };
        assert!(l.validate().unwrap_err().contains("decode_burst_per_ip"));
        let off = Limits {
            decode_bytes_per_sec_per_ip: 0,
            ..l
        };
        assert_eq!(off.validate(), Ok(()), "no burst needed when off");
    }

    #[test]
    fn decode_work_is_the_bytes_read_and_inflated() {
        let l = Limits::default();
        assert_eq!(decode_work(&[131, 106], &l), 2);
        let mut compressed = vec![131, 80, 0, 3, 0x0d, 0x40];
        compressed.extend_from_slice(&[1, 2, 3, 4]);
        assert_eq!(decode_work(&compressed, &l), 10 + 200_000);
        // Declaring more than the limit is refused before inflating: only its bytes.
        let over = [131, 80, 0, 0x10, 0, 0, 1, 2];
        assert_eq!(decode_work(&over, &l), 8);
        assert_eq!(decode_work(&[131, 80, 0], &l), 3);
        assert_eq!(decode_work(&[], &l), 0);
    }
}
