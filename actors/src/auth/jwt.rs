//! JWT codes for `services=[jwt]`: HS256 under `jwt.secret`, or RS256/ES256 under the
//! PEM key at `jwt.public_key`; `exp` always and `nbf` when present (no leeway),
//! `iss`/`aud` required when configured, `iat` within `jwt.max_age_secs` of now, and
//! the `phone_number` claim equal to the session's phone. What passes comes back as a
//! [`Confirmed`]: the key its single use is remembered under, and until when.

use std::fmt;

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::config::JwtConfig;
use crate::phone::Phone;

/// The claims read from a confirmation JWT (the library checks `exp`, `nbf`, `iss`
/// and `aud` itself).
#[derive(Deserialize)]
struct Claims {
    /// The confirmed phone, digits with an optional `+`.
    phone_number: String,
    /// Expiry, seconds since the epoch (required, so always there).
    exp: f64,
    /// Issued at, seconds since the epoch.
    #[serde(default)]
    iat: Option<f64>,
    /// The token's unique id, if its issuer gives one.
    #[serde(default)]
    jti: Option<String>,
    /// Its issuer (part of what a `jti` is unique within).
    #[serde(default)]
    iss: Option<String>,
}

/// A JWT that passed every check, as its single use is remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    /// SHA-256 of its issuer and `jti`, or, when it has no `jti`, of its signed part
    /// (header and claims: a re-encoded signature, which ES256 allows, is the same
    /// token).
    pub key: [u8; 32],
    /// Unix ms after which it is refused anyway (its `exp`, or sooner its `iat` plus
    /// `jwt.max_age_secs`): until then a second use must be refused.
    pub expires_ms: i64,
}

/// Checks JWT codes; built once from `[jwt]`.
pub struct JwtVerifier {
    /// HS256 key, when `jwt.secret` is set.
    hs: Option<DecodingKey>,
    /// The public key and its algorithm, when `jwt.public_key` is set.
    public: Option<(DecodingKey, Algorithm)>,
    /// Required issuer, if any.
    issuer: Option<String>,
    /// Required audience, if any.
    audience: Option<String>,
    /// Oldest `iat` accepted, in seconds; 0: `iat` not read.
    max_age_secs: u64,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.hs.is_some())
            .field("public", &self.public.as_ref().map(|p| p.1))
            .finish()
    }
}

/// Why `[jwt]` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JwtConfigError {
    /// The key file cannot be read.
    #[error("jwt.public_key: cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The key file is neither an RSA nor an EC public key in PEM.
    #[error("jwt.public_key: {path} is not an RSA or EC public key in PEM")]
    BadKey {
        /// The file.
        path: String,
    },
}

impl JwtVerifier {
    /// Builds the verifier from `[jwt]`.
    pub fn new(cfg: &JwtConfig) -> Result<JwtVerifier, JwtConfigError> {
        let hs = (!cfg.secret.is_empty()).then(|| DecodingKey::from_secret(cfg.secret.as_bytes()));
        let public = match &cfg.public_key {
            None => None,
            Some(path) => {
                let shown = path.display().to_string();
                let pem = std::fs::read(path).map_err(|source| JwtConfigError::Read {
                    path: shown.clone(),
                    source,
                })?;
                let key = DecodingKey::from_rsa_pem(&pem)
                    .map(|k| (k, Algorithm::RS256))
                    .or_else(|_| DecodingKey::from_ec_pem(&pem).map(|k| (k, Algorithm::ES256)))
                    .map_err(|_| JwtConfigError::BadKey { path: shown })?;
                Some(key)
            }
        };
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(JwtVerifier {
            hs,
            public,
            issuer: nonempty(&cfg.issuer),
            audience: nonempty(&cfg.audience),
            max_age_secs: cfg.max_age_secs,
        })
    }

    /// Whether `jwt` is a valid confirmation of `phone` at `now_ms`: what to remember
    /// it by when it is. The reason for a refusal goes to the debug log only, never the
    /// token.
    pub fn verify(&self, jwt: &str, phone: &Phone, now_ms: i64) -> Option<Confirmed> {
        let Ok(header) = decode_header(jwt) else {
            log::debug!("jwt: undecodable header");
            return None;
        };
        let key = match header.alg {
            Algorithm::HS256 => self.hs.as_ref(),
            alg => self
                .public
                .as_ref()
                .filter(|(_, a)| *a == alg)
                .map(|(k, _)| k),
        };
        let Some(key) = key else {
            log::debug!("jwt: no key configured for {:?}", header.alg);
            return None;
        };
        let data = match decode::<Claims>(jwt, key, &self.validation(header.alg)) {
            Ok(data) => data,
            Err(e) => {
                log::debug!("jwt: refused: {:?}", e.kind());
                return None;
            }
        };
        let claims = data.claims;
        if !Phone::parse(&claims.phone_number).is_ok_and(|p| p == *phone) {
            log::debug!("jwt: phone_number claim does not match the session");
            return None;
        }
        let now = now_ms as f64 / 1000.0;
        let mut until = claims.exp;
        if self.max_age_secs > 0 {
            let max_age = self.max_age_secs as f64;
            match claims.iat {
                Some(iat) if (now - iat).abs() <= max_age => until = until.min(iat + max_age),
                Some(_) => {
                    log::debug!("jwt: iat further than jwt.max_age_secs from now");
                    return None;
                }
                None => {
                    log::debug!("jwt: no iat claim");
                    return None;
                }
            }
        }
        Some(Confirmed {
            key: replay_key(jwt, claims.iss.as_deref(), claims.jti.as_deref()),
            expires_ms: (until * 1000.0).ceil() as i64,
        })
    }

    /// What the library checks: the signature under `alg`, `exp` (required) and `nbf`
    /// (when present) with no leeway, `iss` and `aud` required and equal when configured.
    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        let mut required = vec!["exp"];
        v.leeway = 0;
        v.validate_nbf = true;
        match &self.issuer {
            Some(iss) => {
                v.set_issuer(&[iss]);
                required.push("iss");
            }
            None => v.iss = None,
        }
        match &self.audience {
            Some(aud) => {
                v.set_audience(&[aud]);
                required.push("aud");
            }
            None => v.validate_aud = false,
        }
        v.set_required_spec_claims(&required);
        v
    }
}

/// The key a JWT's single use is remembered under: its issuer and `jti`, or its
/// signed part (everything before the last `.`).
fn replay_key(jwt: &str, iss: Option<&str>, jti: Option<&str>) -> [u8; 32] {
    let mut h = Sha256::new();
    match jti {
        Some(jti) => {
            h.update(b"jti\0");
            h.update(iss.unwrap_or("").as_bytes());
            h.update(b"\0");
            h.update(jti.as_bytes());
        }
        None => {
            let signed = jwt.rsplit_once('.').map_or(jwt, |(signed, _)| signed);
            h.update(b"jwt\0");
            h.update(signed.as_bytes());
        }
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests;
