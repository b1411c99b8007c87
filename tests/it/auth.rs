//! docs/protocol.md §3 (Auth) over real MQTT against a real SQLite file: registration, verification,
//! login on several devices, logout, push, list, limits, JWT, restarts, secrets.

use eetf::Term;
use rumqttc::ConnectReturnCode;

use crate::support::{
    etf::{ask, atom, bin, io, pair, tail_token, tuple, Auth},
    harness::TestServer,
    logs,
};

/// reg → code from the outbox → verify; the token and the logged-in ClientId.
pub(crate) async fn register(server: &TestServer, reg_id: &str, phone: &str) -> (String, String) {
    let mut dev = server.reg(reg_id).await;
    let (result, tail) = io(&dev
        .request(
            Auth {
                phone: Some(phone),
                dev_key: Some("DEV"),
                ..Default::default()
            }
            .encode("reg"),
        )
        .await);
    assert_eq!(result, pair("ok", "sms_sent"));
    let token = tail_token(&tail);
    assert_eq!(token.len(), 32);
    let code = server.last_sms_code(phone.trim_start_matches('+'));
    let (result, tail) = io(&dev
        .request(Auth::code(&token, &code).encode("verify"))
        .await);
    let logged_in = match &result {
        Term::Tuple(t)
            if t.elements.len() == 3
                && t.elements[0] == atom("ok2")
                && t.elements[1] == atom("login") =>
        {
            match &t.elements[2] {
                Term::Tuple(c) if c.elements[0] == atom("Client") => match &c.elements[1] {
                    Term::Binary(b) => String::from_utf8(b.bytes.clone()).unwrap(),
                    other => panic!("{other}"),
                },
                other => panic!("{other}"),
            }
        }
        other => panic!("verify: {other}"),
    };
    assert_eq!(tail_token(&tail), token);
    (token, logged_in)
}

#[tokio::test]
async fn register_verify_reconnect_login() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_flow1", "+380501110001").await;
    assert_eq!(id, "emqttd_flow1");
    let mut dev = server.login(&id, &token).await;
    let (result, tail) = ask(
        &mut dev,
        Auth {
            token: Some(&token),
            dev_key: Some("DEV"),
            phone: Some("380501110001"),
            ..Default::default()
        },
        "login",
    )
    .await;
    assert_eq!(result, pair("ok", "login"));
    assert_eq!(tail_token(&tail), token);
    // A reg-only request from a logged-in session is not authorised.
    let (result, _) = ask(&mut dev, Auth::phone("380501110001"), "reg").await;
    assert_eq!(result, pair("error", "not_authorized"));
}

#[tokio::test]
async fn error_rows_of_the_table() {
    let server = TestServer::with(|c| c.auth.max_attempts = 2);
    let mut dev = server.reg("emqttd_reg_err1").await;
    let (r, _) = ask(&mut dev, Auth::phone("12-34"), "reg").await;
    assert_eq!(r, pair("error", "invalid_phone"));
    let (r, tail) = ask(&mut dev, Auth::code("deadbeef", "1"), "verify").await;
    assert_eq!(r, pair("error", "session_not_found"));
    assert_eq!(
        tail_token(&tail),
        "deadbeef",
        "the request's token is echoed"
    );
    let (r, _) = ask(&mut dev, Auth::default(), "list").await;
    assert_eq!(r, pair("error", "not_authorized"));
    let (r, _) = ask(&mut dev, Auth::default(), "resend").await;
    assert_eq!(r, pair("error", "session_not_found"));

    let (r, tail) = ask(&mut dev, Auth::phone("380501110002"), "reg").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    let token = tail_token(&tail);
    let code = server.last_sms_code("380501110002");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // Another device presenting this token: mismatch.
    let mut other = server.reg("emqttd_reg_err2").await;
    let (r, _) = ask(&mut other, Auth::code(&token, &code), "verify").await;
    assert_eq!(r, pair("error", "mismatch_user_data"));
    for _ in 0..2 {
        let (r, _) = ask(&mut dev, Auth::code(&token, wrong), "verify").await;
        assert_eq!(r, pair("error", "invalid_sms_code"));
    }
    let (r, _) = ask(&mut dev, Auth::code(&token, &code), "verify").await;
    assert_eq!(r, pair("error", "attempts_expired"));
    // Malformed Auth: invalid_data, with the token echoed.
    let bad = crate::support::etf::encode(&tuple(vec![
        atom("Auth"),
        bin(&token),
        atom("x"),
        atom("y"),
        atom("z"),
        atom("w"),
        atom("nosuchtype"),
        atom("a"),
        atom("b"),
        atom("c"),
        atom("d"),
        atom("e"),
    ]));
    let (r, tail) = io(&dev.request(bad).await);
    assert_eq!(r, pair("error", "invalid_data"));
    assert_eq!(tail_token(&tail), token);
}

#[tokio::test]
async fn attempts_expired_then_resend_issues_a_working_code() {
    let server = TestServer::with(|c| {
        c.auth.max_attempts = 1;
        c.auth.resend_cooldown_secs = 0;
    });
    let mut dev = server.reg("emqttd_reg_resend").await;
    let (_, tail) = ask(&mut dev, Auth::phone("380501110003"), "reg").await;
    let token = tail_token(&tail);
    let first = server.last_sms_code("380501110003");
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    ask(&mut dev, Auth::code(&token, wrong), "verify").await;
    let (r, _) = ask(&mut dev, Auth::code(&token, &first), "verify").await;
    assert_eq!(r, pair("error", "attempts_expired"));
    let (r, _) = ask(&mut dev, Auth::token(&token), "resend").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    let second = server.last_sms_code("380501110003");
    assert_eq!(server.outbox("sms").len(), 2);
    let (r, _) = ask(&mut dev, Auth::code(&token, &second), "verify").await;
    let expected = tuple(vec![
        atom("ok2"),
        atom("login"),
        tuple(vec![atom("Client"), bin("emqttd_resend")]),
    ]);
    assert_eq!(r, expected);
}

#[tokio::test]
async fn code_expiry() {
    // A TTL of zero: every code is already expired when it is checked.
    let server = TestServer::with(|c| c.auth.code_ttl_secs = 0);
    let mut dev = server.reg("emqttd_reg_exp").await;
    let (_, tail) = ask(&mut dev, Auth::phone("380501110004"), "reg").await;
    let token = tail_token(&tail);
    let code = server.last_sms_code("380501110004");
    let (r, _) = ask(&mut dev, Auth::code(&token, &code), "verify").await;
    assert_eq!(r, pair("error", "code_expired"));
}

#[tokio::test]
async fn cooldown_and_hourly_limit_per_phone() {
    let server = TestServer::with(|c| c.auth.max_sends_per_phone_per_hour = 2);
    let mut a = server.reg("emqttd_reg_rl1").await;
    let (r, tail) = ask(&mut a, Auth::phone("380501110005"), "reg").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    let token = tail_token(&tail);
    // Within the 30 s cooldown of this session.
    let (r, _) = ask(&mut a, Auth::token(&token), "resend").await;
    assert_eq!(r, pair("error", "too_many_requests"));
    // Second send to the phone from another device: allowed; third: over the hour's 2.
    let mut b = server.reg("emqttd_reg_rl2").await;
    let (r, _) = ask(&mut b, Auth::phone("380501110005"), "reg").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    let mut c = server.reg("emqttd_reg_rl3").await;
    let (r, _) = ask(&mut c, Auth::phone("380501110005"), "reg").await;
    assert_eq!(r, pair("error", "too_many_requests"));
    assert_eq!(server.outbox("sms").len(), 2);
}

#[tokio::test]
async fn voice_reads_the_code_in_the_language_asked() {
    let server = TestServer::with(|c| c.auth.resend_cooldown_secs = 0);
    let mut dev = server.reg("emqttd_reg_voice").await;
    let (_, tail) = ask(&mut dev, Auth::phone("380501110006"), "reg").await;
    let token = tail_token(&tail);
    let (r, tail) = ask(
        &mut dev,
        Auth {
            token: Some(&token),
            services: vec!["ua"],
            ..Default::default()
        },
        "voice",
    )
    .await;
    assert_eq!(r, pair("ok", "call_in_progress"));
    assert_eq!(tail_token(&tail), token);
    let calls = server.outbox("voice");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["lang"], "ua");
    assert_eq!(calls[0]["channel"], "voice");
    let code = calls[0]["code"].as_str().unwrap().to_owned();
    let (r, _) = ask(&mut dev, Auth::code(&token, &code), "verify").await;
    assert!(
        matches!(r, Term::Tuple(ref t) if t.elements[0] == atom("ok2")),
        "{r}"
    );
}

mod jwt_flow {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};

    fn jwt(secret: &str, phone: &str, exp_offset: i64) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let claims = serde_json::json!({ "phone_number": phone, "exp": now + exp_offset, "iat": now, "iss": "confirm" });
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn good_bad_signature_wrong_phone_expired() {
        let server = TestServer::with(|c| {
            c.jwt.secret = "jwt-secret".into();
            c.jwt.issuer = "confirm".into();
            c.auth.max_attempts = 10;
        });
        let mut dev = server.reg("emqttd_reg_jwt1").await;
        let (r, tail) = ask(
            &mut dev,
            Auth {
                phone: Some("+380501110007"),
                services: vec!["jwt"],
                ..Default::default()
            },
            "reg",
        )
        .await;
        assert_eq!(r, pair("ok", "jwt_required"));
        assert!(server.outbox("sms").is_empty(), "no SMS for jwt");
        let token = tail_token(&tail);
        for bad in [
            jwt("wrong-secret", "380501110007", 60),
            jwt("jwt-secret", "380509999999", 60),
            jwt("jwt-secret", "380501110007", -60),
        ] {
            let (r, _) = ask(
                &mut dev,
                Auth {
                    token: Some(&token),
                    sms_code: Some(&bad),
                    services: vec!["jwt"],
                    ..Default::default()
                },
                "verify",
            )
            .await;
            assert_eq!(r, pair("error", "invalid_jwt_code"));
        }
        let good = jwt("jwt-secret", "+380501110007", 60);
        let (r, _) = ask(
            &mut dev,
            Auth {
                token: Some(&token),
                sms_code: Some(&good),
                services: vec!["jwt"],
                ..Default::default()
            },
            "verify",
        )
        .await;
        assert!(
            matches!(r, Term::Tuple(ref t) if t.elements[0] == atom("ok2")),
            "{r}"
        );
    }
}

/// The list of an account as (client_id, token) pairs.
fn listed(replies: &[Vec<u8>]) -> Vec<(String, Term)> {
    replies
        .iter()
        .map(|p| match crate::support::harness::term(p) {
            Term::Tuple(t) => {
                assert_eq!(t.elements.len(), 15, "full 15-element Auth tuple");
                assert_eq!(t.elements[0], atom("Auth"));
                let id = match &t.elements[5] {
                    Term::Binary(b) => String::from_utf8(b.bytes.clone()).unwrap(),
                    other => panic!("{other}"),
                };
                (id, t.elements[1].clone())
            }
            other => panic!("{other}"),
        })
        .collect()
}

#[tokio::test]
async fn two_devices_list_push_and_logouts_close_connections() {
    let server = TestServer::start();
    let (ta, a_id) = register(&server, "emqttd_reg_devA", "380501110008").await;
    let (tb, b_id) = register(&server, "emqttd_reg_devB", "380501110008").await;
    let mut a = server.login(&a_id, &ta).await;
    let mut b = server.login(&b_id, &tb).await;

    // push: {io,<<>>,<<>>}
    let payload = a
        .request(
            Auth {
                push: Some("apns-token"),
                os: Some("ios"),
                ..Default::default()
            }
            .encode("push"),
        )
        .await;
    let (r, tail) = io(&payload);
    assert_eq!((r, tail), (bin(""), bin("")));

    // list: one message per session, only the caller's token shown.
    a.client
        .publish(
            crate::support::harness::events_topic(&a_id),
            rumqttc::QoS::AtLeastOnce,
            false,
            Auth::default().encode("list"),
        )
        .await
        .unwrap();
    let replies = vec![
        a.next_publish().await.payload.to_vec(),
        a.next_publish().await.payload.to_vec(),
    ];
    let mut sessions = listed(&replies);
    sessions.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(sessions[0], (a_id.clone(), bin(&ta)));
    assert_eq!(sessions[1].0, b_id);
    assert_ne!(
        sessions[1].1,
        bin(&tb),
        "another session's token is never listed"
    );

    // Remote logout of B from A closes B's live connection; B's token is dead.
    let (r, _) = ask(
        &mut a,
        Auth {
            client_id: Some(&b_id),
            ..Default::default()
        },
        "logout",
    )
    .await;
    assert_eq!(r, pair("ok", "logout"));
    b.closed().await;
    let mut o = server.options(&b_id);
    o.set_credentials("x", &tb);
    assert!(matches!(
        server.refused(o).await,
        ConnectReturnCode::NotAuthorized | ConnectReturnCode::BadUserNamePassword
    ));

    // Own logout: reply, then the connection closes.
    let (r, _) = ask(&mut a, Auth::default(), "logout").await;
    assert_eq!(r, pair("ok", "logout"));
    a.closed().await;
}

#[tokio::test]
async fn reverification_kills_the_old_token_and_connection() {
    let server = TestServer::with(|c| c.auth.resend_cooldown_secs = 0);
    let (old, id) = register(&server, "emqttd_reg_again", "380501110009").await;
    let mut live = server.login(&id, &old).await;
    let (new, id2) = register(&server, "emqttd_reg_again", "380501110009").await;
    assert_eq!(id, id2);
    live.closed().await;
    let mut o = server.options(&id);
    o.set_credentials("x", &old);
    assert_eq!(
        server.refused(o).await,
        ConnectReturnCode::BadUserNamePassword
    );
    server.login(&id, &new).await;
}

#[tokio::test]
async fn a_restart_keeps_sessions() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_restart", "380501110010").await;
    let server = server.restart(|_| {});
    let mut dev = server.login(&id, &token).await;
    let (r, _) = ask(&mut dev, Auth::token(&token), "login").await;
    assert_eq!(r, pair("ok", "login"));
}

#[tokio::test]
async fn no_secret_reaches_the_log() {
    let server = TestServer::with(|c| c.auth.resend_cooldown_secs = 0);
    let before = logs::count();
    let (token, id) = register(&server, "emqttd_reg_secret", "380501110011").await;
    let code = server.last_sms_code("380501110011");
    let mut dev = server.login(&id, &token).await;
    dev.request(
        Auth {
            push: Some("push-secret-token-42"),
            os: Some("android"),
            ..Default::default()
        }
        .encode("push"),
    )
    .await;
    dev.request(Auth::default().encode("list")).await;
    drop(dev);
    assert!(logs::count() > before, "the server logged something");
    for secret in [token.as_str(), "push-secret-token-42"] {
        let hits = logs::containing(secret);
        assert!(hits.is_empty(), "secret in the log: {hits:?}");
    }
    // The code as a number of its own (not inside a longer number such as a port).
    let hits: Vec<String> = logs::containing(&code)
        .into_iter()
        .filter(|l| l.split(|c: char| !c.is_ascii_digit()).any(|n| n == code))
        .collect();
    assert!(hits.is_empty(), "code in the log: {hits:?}");
}
