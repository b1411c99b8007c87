//! JWT confirmation (docs/protocol.md 3.6) against what a hostile review tried:
//! `iss`/`aud` left out when the server requires them, `nbf` in the future, an `iat`
//! long past or missing, and one token confirming device after device, even across a
//! restart. Each is answered `{error,invalid_jwt_code}`.

use eetf::Term;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Map, Value};

use crate::support::{
    etf::{ask, atom, pair, tail_token, Auth},
    harness::{Client, TestServer},
};

const SECRET: &str = "hardening-jwt-secret";
const PHONE: &str = "380507770001";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An HS256 token under [`SECRET`] with every claim a good provider sends; `edit`
/// changes or removes some.
fn jwt(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut claims = json!({
        "phone_number": format!("+{PHONE}"),
        "exp": now() + 300,
        "iat": now(),
        "iss": "confirm.example",
        "aud": "roster",
    });
    edit(claims.as_object_mut().unwrap());
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn server() -> TestServer {
    TestServer::with(configure)
}

fn configure(c: &mut roster_server::config::Config) {
    c.jwt.secret = SECRET.into();
    c.jwt.issuer = "confirm.example".into();
    c.jwt.audience = "roster".into();
    c.auth.max_attempts = 20;
    c.auth.max_failed_verifies_per_connection = 0;
}

/// A registering device that asked for JWT confirmation: it and its token.
async fn jwt_session(server: &TestServer, id: &str) -> (Client, String) {
    let mut dev = server.reg(id).await;
    let (r, tail) = ask(
        &mut dev,
        Auth {
            phone: Some(PHONE),
            services: vec!["jwt"],
            ..Default::default()
        },
        "reg",
    )
    .await;
    assert_eq!(r, pair("ok", "jwt_required"));
    (dev, tail_token(&tail))
}

/// The result of verifying `token`'s session with `jwt`.
async fn verify(dev: &mut Client, token: &str, jwt: &str) -> Term {
    ask(dev, Auth::code(token, jwt), "verify").await.0
}

fn logged_in(r: &Term) -> bool {
    matches!(r, Term::Tuple(t) if t.elements[0] == atom("ok2"))
}

#[tokio::test]
async fn iss_and_aud_are_required_when_configured() {
    let server = server();
    let (mut dev, token) = jwt_session(&server, "emqttd_reg_jwtiss").await;
    let bare = json!({ "phone_number": PHONE, "exp": now() + 300 });
    let bare = encode(
        &Header::default(),
        &bare,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let refused = [
        ("only phone_number and exp", bare),
        ("no iss", jwt(|c| drop(c.remove("iss")))),
        ("no aud", jwt(|c| drop(c.remove("aud")))),
        ("neither", jwt(|c| drop((c.remove("iss"), c.remove("aud"))))),
        (
            "another aud",
            jwt(|c| drop(c.insert("aud".into(), json!("x")))),
        ),
    ];
    for (what, bad) in refused {
        assert_eq!(
            verify(&mut dev, &token, &bad).await,
            pair("error", "invalid_jwt_code"),
            "{what}"
        );
    }
    assert!(logged_in(&verify(&mut dev, &token, &jwt(|_| {})).await));
}

#[tokio::test]
async fn nbf_in_the_future_and_an_old_or_missing_iat_are_refused() {
    let server = server();
    let (mut dev, token) = jwt_session(&server, "emqttd_reg_jwtnbf").await;
    let refused = [
        (
            "nbf ahead",
            jwt(|c| drop(c.insert("nbf".into(), json!(now() + 60)))),
        ),
        (
            "iat 11 min ago",
            jwt(|c| drop(c.insert("iat".into(), json!(now() - 660)))),
        ),
        ("no iat", jwt(|c| drop(c.remove("iat")))),
    ];
    for (what, bad) in refused {
        assert_eq!(
            verify(&mut dev, &token, &bad).await,
            pair("error", "invalid_jwt_code"),
            "{what}"
        );
    }
    let good = jwt(|c| drop(c.insert("nbf".into(), json!(now() - 5))));
    assert!(logged_in(&verify(&mut dev, &token, &good).await));
}

#[tokio::test]
async fn one_jwt_confirms_one_device_even_across_a_restart() {
    let server = server();
    let once = jwt(|_| {});
    let (mut first, token) = jwt_session(&server, "emqttd_reg_jwtonce1").await;
    assert!(logged_in(&verify(&mut first, &token, &once).await));
    // The same token for a second device of the phone: refused.
    let (mut second, token2) = jwt_session(&server, "emqttd_reg_jwtonce2").await;
    assert_eq!(
        verify(&mut second, &token2, &once).await,
        pair("error", "invalid_jwt_code")
    );
    // A token with a jti: another token with that jti is the same use.
    let with_id = |exp: i64| {
        jwt(|c| {
            drop((
                c.insert("jti".into(), json!("j-1")),
                c.insert("exp".into(), json!(exp)),
            ))
        })
    };
    let (a, b) = (with_id(now() + 300), with_id(now() + 301));
    assert!(logged_in(&verify(&mut second, &token2, &a).await));
    let (mut third, token3) = jwt_session(&server, "emqttd_reg_jwtonce3").await;
    assert_eq!(
        verify(&mut third, &token3, &b).await,
        pair("error", "invalid_jwt_code"),
        "same jti, another encoding"
    );
    drop((first, second, third));
    // After a restart the database still remembers both.
    let server = server.restart(configure);
    let (mut fourth, token4) = jwt_session(&server, "emqttd_reg_jwtonce4").await;
    for used in [&once, &a] {
        assert_eq!(
            verify(&mut fourth, &token4, used).await,
            pair("error", "invalid_jwt_code")
        );
    }
    assert!(logged_in(
        &verify(
            &mut fourth,
            &token4,
            &jwt(|c| drop(c.insert("jti".into(), json!("j-2"))))
        )
        .await
    ));
}
