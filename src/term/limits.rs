//! `[limits]`: the bounds every untrusted ETF payload is decoded within.

use serde::Deserialize;

/// Deepest nesting the decoder ever follows, whatever the config says: the decoder
/// recurses once per level, so this keeps its stack use small on every thread.
pub const DEPTH_CEILING: usize = 256;

/// Bounds for decoding one untrusted payload (`[limits]` in `config.toml`).
///
/// Every allocation the decoder makes is sized by bytes it has already checked
/// are present, so a payload costs at most about
/// `max_elements × size_of::<eetf::Term>()` plus `max_decompressed_bytes`.
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
    /// Most elements in one list or tuple (a `STRING_EXT` byte string is bounded
    /// by the payload size instead).
    pub max_list_len: usize,
    /// Most terms in one payload, counting every nested term once.
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
