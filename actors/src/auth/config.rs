//! `[jwt]`: the keys and claims `services=[jwt]` codes are checked with.

use std::{fmt, path::PathBuf};

use serde::Deserialize;

/// `[jwt]`: how `services=[jwt]` codes are checked.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwtConfig {
    /// HS256 shared secret; empty disables HS256.
    pub secret: String,
    /// Required `iss` claim; empty: not checked.
    pub issuer: String,
    /// Required `aud` claim; empty: not checked.
    pub audience: String,
    /// PEM public key file for RS256 or ES256 tokens; unset disables them.
    pub public_key: Option<PathBuf>,
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
            .finish()
    }
}
