//! `[jwt]`: the keys and claims `services=[jwt]` codes are checked with.

use std::{fmt, path::PathBuf};

use serde::Deserialize;

/// `[jwt]`: how `services=[jwt]` codes are checked.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwtConfig {
    /// HS256 shared secret; empty disables HS256.
    pub secret: String,
    /// Required `iss` claim (a token without one is refused); empty: not checked.
    pub issuer: String,
    /// Required `aud` claim (a token without one is refused); empty: not checked.
    pub audience: String,
    /// PEM public key file for RS256 or ES256 tokens; unset disables them.
    pub public_key: Option<PathBuf>,
    /// Oldest token accepted, by its `iat`, in seconds (a token without `iat` is
    /// refused); 0: `iat` is not read.
    pub max_age_secs: u64,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            secret: String::new(),
            issuer: String::new(),
            audience: String::new(),
            public_key: None,
            max_age_secs: 600,
        }
    }
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field(
                "secret",
                &if self.secret.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("public_key", &self.public_key)
            .field("max_age_secs", &self.max_age_secs)
            .finish()
    }
}
