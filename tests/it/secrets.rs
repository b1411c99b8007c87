//! No secret in the log: the real binary at `RUST_LOG=debug` through a full flow
//! (SMS and JWT registration with failures, token CONNECTs good and bad, login, push,
//! list, a malformed request, logout, shutdown), then its whole stderr is searched
//! for every token, code, JWT and push token it saw.

use std::{net::SocketAddr, path::Path};

use eetf::Term;
use jsonwebtoken::{encode as jwt_encode, EncodingKey, Header};
use rumqttc::QoS;

use crate::support::{
    etf::{ask, atom, bin, encode, io, pair, tail_token, tuple, Auth},
    harness::{connect, options},
    process::{write_config, Roster},
};

const JWT_SECRET: &str = "jwt-shared-secret-5f1d";
const PUSH: &str = "push-secret-apns-7a3c9e";

fn last_code(dir: &Path, phone: &str) -> String {
    std::fs::read_to_string(dir.join("sms-outbox.jsonl"))
        .expect("outbox")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .rev()
        .find(|l| l["phone"] == phone)
        .and_then(|l| l["code"].as_str().map(str::to_owned))
        .expect("a code")
}

fn jwt(phone: &str, secret: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({ "phone_number": phone, "exp": now + 300, "iat": now });
    jwt_encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn is_ok2(t: &Term) -> bool {
    matches!(t, Term::Tuple(t) if t.elements[0] == atom("ok2"))
}

/// reg, a wrong code, the right code: (token, code, wrong code).
async fn sms_flow(addr: SocketAddr, dir: &Path) -> (String, String, String) {
    let mut dev = connect(options(addr, "emqttd_reg_secret1")).await.unwrap();
    let phone = "380501119960";
    let (r, tail) = ask(&mut dev, Auth::phone(phone), "reg").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    let token = tail_token(&tail);
    let code = last_code(dir, phone);
    let wrong = if code == "482913" { "482914" } else { "482913" };
    for (guess, ok) in [(wrong, false), (code.as_str(), true)] {
        let (r, _) = ask(&mut dev, Auth::code(&token, guess), "verify").await;
        assert_eq!(is_ok2(&r), ok, "{r}");
    }
    (token, code, wrong.to_owned())
}

/// reg with services=[jwt], a badly signed JWT, a good one: (token, good, bad).
async fn jwt_flow(addr: SocketAddr) -> (String, String, String) {
    let mut dev = connect(options(addr, "emqttd_reg_secret2")).await.unwrap();
    let phone = "380501119961";
    let (r, tail) = ask(
        &mut dev,
        Auth {
            phone: Some(phone),
            services: vec!["jwt"],
            ..Default::default()
        },
        "reg",
    )
    .await;
    assert_eq!(r, pair("ok", "jwt_required"));
    let token = tail_token(&tail);
    let (good, bad) = (jwt(phone, JWT_SECRET), jwt(phone, "not-the-secret"));
    for (code, ok) in [(&bad, false), (&good, true)] {
        let (r, _) = ask(
            &mut dev,
            Auth {
                token: Some(&token),
                sms_code: Some(code),
                services: vec!["jwt"],
                ..Default::default()
            },
            "verify",
        )
        .await;
        assert_eq!(is_ok2(&r), ok, "{r}");
    }
    (token, good, bad)
}

#[tokio::test]
async fn a_full_flow_at_debug_level_logs_no_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!("[auth]\nresend_cooldown_secs = 0\n[jwt]\nsecret = {JWT_SECRET:?}\n"),
    );
    let roster = Roster::start(&config, "debug");
    let addr = roster.addr;
    let (token, code, wrong) = sms_flow(addr, dir.path()).await;
    let (jwt_token, good_jwt, bad_jwt) = jwt_flow(addr).await;

    // CONNECT with a wrong password, then the right one.
    let mut o = options(addr, "emqttd_secret1");
    o.set_credentials("user", "wrong-password-0c4f2a");
    assert!(connect(o).await.is_err());
    let mut o = options(addr, "emqttd_secret1");
    o.set_credentials("user", &token);
    o.set_clean_session(false);
    let mut dev = connect(o).await.expect("logged in");
    let (r, _) = ask(&mut dev, Auth::token(&token), "login").await;
    assert_eq!(r, pair("ok", "login"));
    let (r, _) = ask(
        &mut dev,
        Auth {
            push: Some(PUSH),
            os: Some("ios"),
            ..Default::default()
        },
        "push",
    )
    .await;
    assert_eq!(r, bin(""));
    dev.request(Auth::default().encode("list")).await;
    // A malformed request carrying the token, answered with the token echoed.
    let bad = encode(&tuple(vec![atom("Auth"), bin(&token), atom("x")]));
    let (r, _) = io(&dev.request(bad).await);
    assert_eq!(r, pair("error", "invalid_data"));
    // A publish outside events/ with a secret in its topic.
    dev.client
        .publish(
            format!("elsewhere/{token}"),
            QoS::AtLeastOnce,
            false,
            vec![1],
        )
        .await
        .unwrap();
    let (r, _) = ask(&mut dev, Auth::default(), "logout").await;
    assert_eq!(r, pair("ok", "logout"));
    dev.closed().await;

    let (status, stderr) = roster.terminate();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.contains("DEBUG"), "the log level was debug");
    let signature = |j: &str| j.rsplit('.').next().unwrap().to_owned();
    for secret in [
        token.as_str(),
        jwt_token.as_str(),
        good_jwt.as_str(),
        &signature(&good_jwt),
        bad_jwt.as_str(),
        &signature(&bad_jwt),
        PUSH,
        JWT_SECRET,
        "wrong-password-0c4f2a",
    ] {
        let hits: Vec<&str> = stderr.lines().filter(|l| l.contains(secret)).collect();
        assert!(hits.is_empty(), "a secret in the log: {hits:?}");
    }
    // Codes as numbers of their own (not inside a longer number such as a port).
    for c in [code.as_str(), wrong.as_str()] {
        let hits: Vec<&str> = stderr
            .lines()
            .filter(|l| l.split(|ch: char| !ch.is_ascii_digit()).any(|n| n == c))
            .collect();
        assert!(hits.is_empty(), "a code in the log: {hits:?}");
    }
}

/// The real binary refuses to start (exit 2, naming the file) when `server.key`
/// gives group or others any access, and creates its own files owner-only.
#[test]
fn a_server_key_others_can_read_stops_start_up() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    // First start: roster makes the key, the database and the outboxes owner-only.
    let (status, text) = Roster::start(&config, "info").terminate();
    assert!(status.success(), "{text}");
    for name in ["server.key", "roster.db", "roster.db.lock"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}: {mode:o}");
    }
    let key = dir.path().join("server.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (status, text) = crate::support::process::start_fails(&config);
    assert_eq!(status.code(), Some(2), "{text}");
    assert!(text.contains("server.key"), "{text}");
}
