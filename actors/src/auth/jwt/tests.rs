//! Unit tests of the JWT checks: signatures, required claims, nbf, iat and the
//! replay key.

use super::*;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(secret: &str, claims: &Value) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Every claim a well-behaved provider sends; `edit` changes or removes some.
fn token(secret: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut claims = json!({
        "phone_number": "+380501234567",
        "exp": now() + 60,
        "iat": now(),
        "iss": "confirm.example",
        "aud": "roster",
    });
    edit(claims.as_object_mut().unwrap());
    sign(secret, &claims)
}

fn verifier(issuer: &str, audience: &str) -> JwtVerifier {
    JwtVerifier::new(&JwtConfig {
        secret: "s3cret".into(),
        issuer: issuer.into(),
        audience: audience.into(),
        ..JwtConfig::default()
    })
    .unwrap()
}

fn phone() -> Phone {
    Phone::parse("380501234567").unwrap()
}

fn passes(v: &JwtVerifier, jwt: &str) -> bool {
    v.verify(jwt, &phone(), now() * 1000).is_some()
}

#[test]
fn hs256_good_bad_expired_wrong_phone() {
    let v = verifier("", "");
    assert!(passes(&v, &token("s3cret", |_| {})));
    assert!(!passes(&v, &token("other", |_| {})), "bad signature");
    let expired = token("s3cret", |c| {
        c.insert("exp".into(), json!(now() - 10));
    });
    assert!(!passes(&v, &expired), "expired");
    let other = token("s3cret", |c| {
        c.insert("phone_number".into(), json!("380500000000"));
    });
    assert!(!passes(&v, &other), "other phone");
    let no_exp = token("s3cret", |c| {
        c.remove("exp");
    });
    assert!(!passes(&v, &no_exp), "exp is required");
    assert!(!passes(&v, "not a jwt"));
}

#[test]
fn issuer_and_audience_are_required_when_configured() {
    let v = verifier("confirm.example", "roster");
    assert!(passes(&v, &token("s3cret", |_| {})));
    for claim in ["iss", "aud"] {
        let wrong = token("s3cret", |c| {
            c.insert(claim.into(), json!("evil"));
        });
        assert!(!passes(&v, &wrong), "wrong {claim}");
        let absent = token("s3cret", |c| {
            c.remove(claim);
        });
        assert!(!passes(&v, &absent), "absent {claim}");
    }
    // Not configured: not read.
    let v = verifier("", "");
    let bare = token("s3cret", |c| {
        c.remove("iss");
        c.remove("aud");
    });
    assert!(passes(&v, &bare));
}

#[test]
fn nbf_is_checked_without_leeway() {
    let v = verifier("", "");
    let later = token("s3cret", |c| {
        c.insert("nbf".into(), json!(now() + 30));
    });
    assert!(!passes(&v, &later));
    let now_ok = token("s3cret", |c| {
        c.insert("nbf".into(), json!(now() - 1));
    });
    assert!(passes(&v, &now_ok));
}

#[test]
fn iat_is_required_and_within_max_age() {
    let v = verifier("", "");
    let old = token("s3cret", |c| {
        c.insert("iat".into(), json!(now() - 601));
    });
    assert!(!passes(&v, &old), "older than max_age_secs");
    let future = token("s3cret", |c| {
        c.insert("iat".into(), json!(now() + 601));
    });
    assert!(!passes(&v, &future), "further ahead than max_age_secs");
    let recent = token("s3cret", |c| {
        c.insert("iat".into(), json!(now() - 590));
    });
    assert!(passes(&v, &recent));
    let none = token("s3cret", |c| {
        c.remove("iat");
    });
    assert!(!passes(&v, &none), "no iat");
    // max_age_secs = 0: iat is not read.
    let lax = JwtVerifier::new(&JwtConfig {
        secret: "s3cret".into(),
        max_age_secs: 0,
        ..JwtConfig::default()
    })
    .unwrap();
    assert!(passes(&lax, &none));
    assert!(passes(&lax, &old));
}

#[test]
fn what_passes_is_remembered_by_jti_or_signed_part_until_it_would_be_refused() {
    let v = verifier("", "");
    let (t, iat) = (now(), now() - 100);
    let long = token("s3cret", |c| {
        c.insert("exp".into(), json!(t + 86_400));
        c.insert("iat".into(), json!(iat));
    });
    let c = v.verify(&long, &phone(), t * 1000).unwrap();
    assert_eq!(c.expires_ms, (iat + 600) * 1000, "iat + max_age before exp");
    assert_eq!(v.verify(&long, &phone(), t * 1000), Some(c.clone()));
    let short = token("s3cret", |c| {
        c.insert("exp".into(), json!(t + 60));
    });
    let s = v.verify(&short, &phone(), t * 1000).unwrap();
    assert_eq!(s.expires_ms, (t + 60) * 1000, "exp before iat + max_age");
    assert_ne!(s.key, c.key);
    // With a jti, the key is the jti's (and its issuer's): two encodings of one
    // token id are one use.
    let with_jti = |extra: i64| {
        token("s3cret", |c| {
            c.insert("jti".into(), json!("id-1"));
            c.insert("exp".into(), json!(t + 60 + extra));
        })
    };
    let (a, b) = (with_jti(0), with_jti(1));
    assert_ne!(a, b);
    let key = |jwt: &str| v.verify(jwt, &phone(), t * 1000).unwrap().key;
    assert_eq!(key(&a), key(&b));
    // The signature is not part of the key.
    let (signed, _) = short.rsplit_once('.').unwrap();
    assert_eq!(
        replay_key(&short, None, None),
        replay_key(&format!("{signed}.x"), None, None)
    );
}

#[test]
fn no_secret_refuses_everything() {
    let v = JwtVerifier::new(&JwtConfig::default()).unwrap();
    assert!(!passes(&v, &token("", |_| {})));
}
