//! JWT codes for `services=[jwt]`: HS256 under `jwt.secret`, or RS256/ES256 under the
//! PEM key at `jwt.public_key`; `exp` always, `iss`/`aud` when configured, and the
//! `phone_number` claim equal to the session's phone.

use std::fmt;

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::config::JwtConfig;
use crate::phone::Phone;

/// The claims read from a confirmation JWT.
#[derive(Deserialize)]
struct Claims {
    /// The confirmed phone, digits with an optional `+`.
    phone_number: String,
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
        })
    }

    /// Whether `jwt` is a valid confirmation of `phone`. The reason for a refusal goes
    /// to the debug log only, never the token.
    pub fn verify(&self, jwt: &str, phone: &Phone) -> bool {
        let Ok(header) = decode_header(jwt) else {
            log::debug!("jwt: undecodable header");
            return false;
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
            return false;
        };
        let mut v = Validation::new(header.alg);
        v.set_required_spec_claims(&["exp"]);
        v.leeway = 0;
        match &self.issuer {
            Some(iss) => v.set_issuer(&[iss]),
            None => v.iss = None,
        }
        match &self.audience {
            Some(aud) => v.set_audience(&[aud]),
            None => v.validate_aud = false,
        }
        match decode::<Claims>(jwt, key, &v) {
            Ok(data) => match Phone::parse(&data.claims.phone_number) {
                Ok(p) if p == *phone => true,
                _ => {
                    log::debug!("jwt: phone_number claim does not match the session");
                    false
                }
            },
            Err(e) => {
                log::debug!("jwt: refused: {:?}", e.kind());
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde::Serialize;

    #[derive(Serialize)]
    struct Out<'a> {
        phone_number: &'a str,
        exp: u64,
        iss: &'a str,
        aud: &'a str,
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn token(secret: &str, phone: &str, exp: u64, iss: &str) -> String {
        let claims = Out {
            phone_number: phone,
            exp,
            iss,
            aud: "roster",
        };
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn verifier(issuer: &str) -> JwtVerifier {
        JwtVerifier::new(&JwtConfig {
            secret: "s3cret".into(),
            issuer: issuer.into(),
            audience: "roster".into(),
            public_key: None,
        })
        .unwrap()
    }

    #[test]
    fn hs256_good_bad_expired_wrong_phone() {
        let v = verifier("");
        let phone = Phone::parse("380501234567").unwrap();
        assert!(v.verify(&token("s3cret", "+380501234567", now() + 60, "x"), &phone));
        assert!(
            !v.verify(&token("other", "380501234567", now() + 60, "x"), &phone),
            "bad signature"
        );
        assert!(
            !v.verify(&token("s3cret", "380501234567", now() - 10, "x"), &phone),
            "expired"
        );
        assert!(
            !v.verify(&token("s3cret", "380500000000", now() + 60, "x"), &phone),
            "other phone"
        );
        assert!(!v.verify("not a jwt", &phone));
    }

    #[test]
    fn issuer_is_checked_when_configured() {
        let v = verifier("confirm.example");
        let phone = Phone::parse("380501234567").unwrap();
        assert!(v.verify(
            &token("s3cret", "380501234567", now() + 60, "confirm.example"),
            &phone
        ));
        assert!(!v.verify(&token("s3cret", "380501234567", now() + 60, "evil"), &phone));
    }

    #[test]
    fn no_secret_refuses_everything() {
        let v = JwtVerifier::new(&JwtConfig::default()).unwrap();
        let phone = Phone::parse("380501234567").unwrap();
        assert!(!v.verify(&token("", "380501234567", now() + 60, "x"), &phone));
    }
}
