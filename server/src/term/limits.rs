//! `[limits]`: the bounds every untrusted ETF payload is decoded within.

use serde::Deserialize;

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
/// `max_elements` terms of 56 bytes each (about 5.6 MB at the defaults, up to
/// twice that while lists grow).
///
/// ```toml
/// [limits]
/// max_payload_bytes = 65536        # largest PUBLISH payload decoded
/// max_decompressed_bytes = 262144  # largest inflated size of a compressed term (tag 80)
/// max_depth = 32                   # deepest nesting of tuples and lists (at most 64)
/// max_list_len = 10000             # most elements in one list, tuple or charlist
/// max_elements = 100000            # most terms in one payload
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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_bytes: 65_536,
            max_decompressed_bytes: 262_144,
            max_depth: 32,
            max_list_len: 10_000,
            max_elements: 100_000,
        }
    }
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
        Ok(())
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
        assert_eq!(l.max_decompressed_bytes, 262_144);
        assert_eq!(l.max_depth, 32);
        assert_eq!(l.max_list_len, 10_000);
        assert_eq!(l.max_elements, 100_000);
        assert_eq!(l.validate(), Ok(()));
    }

    #[test]
    fn partial_section_fills_defaults_and_unknown_keys_fail() {
        let l: Limits = toml::from_str("max_depth = 8").unwrap();
        assert_eq!(l.max_depth, 8);
        assert_eq!(l.max_elements, 100_000);
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
    }
}
