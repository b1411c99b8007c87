//! The Auth operations on an in-memory database, with "now" set by hand.

use std::sync::Arc;

use rusqlite::Connection;

use super::{account::LogoutDone, env::Fail, *};
use crate::{
    auth::{
        answer::AuthError,
        config::JwtConfig,
        jwt::JwtVerifier,
        kind::Os,
        request::{Login, Proof, Push, Reg, Verify},
    },
    codes::AuthConfig,
    phone::{Phone, PhoneSlot},
    secret::{CodeKey, Token},
};

fn db() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    for m in crate::store::MIGRATIONS {
        c.execute_batch(m).unwrap();
    }
    c
}

fn ctx(now: i64) -> AuthEnv {
    let mut cfg = AuthConfig::default();
    cfg.test_numbers.enabled = true;
    AuthEnv {
        cfg: Arc::new(cfg),
        key: CodeKey::from_bytes([7; 32]),
        jwt: Arc::new(JwtVerifier::new(&JwtConfig::default()).unwrap()),
        now,
    }
}

fn reg_req(phone: &str) -> Reg {
    Reg {
        phone: Phone::parse(phone).unwrap(),
        dev_key: Some("DEV1".into()),
        services: Vec::new(),
        comments: None,
    }
}

fn verify_req(token: &str, code: &str) -> Verify {
    Verify {
        token: Token::from_client(token),
        phone: PhoneSlot::Absent,
        dev_key: None,
        proof: Some(Proof::new(code.into())),
    }
}

fn tok(token: &str) -> Token {
    Token::from_client(token)
}

fn auth_err<T: std::fmt::Debug>(r: Result<T, Fail>) -> AuthError {
    match r {
        Err(Fail::Answer(e)) => e,
        other => panic!("expected an Auth error, got {other:?}"),
    }
}

/// Registers `id` on `phone`; the token and the code that would be sent.
fn registered(c: &Connection, now: i64, id: &str, phone: &str) -> (String, String) {
    let done = reg(c, &ctx(now), id, reg_req(phone)).unwrap();
    let code = done.send.expect("a code to send").code.expose().to_owned();
    (done.token.expose().to_owned(), code)
}

#[test]
fn reg_then_verify_logs_in_as_emqttd_symbols() {
    let c = db();
    let (token, code) = registered(&c, 1_000, "emqttd_reg_abc", "+380501234567");
    assert_eq!(code.len(), 6);
    let v = verify(
        &c,
        &ctx(2_000),
        "emqttd_reg_abc",
        &verify_req(&token, &code),
    )
    .unwrap();
    assert_eq!(v.client_id, "emqttd_abc");
    assert!(v.replaced.is_none());
    assert_eq!(check_token(&c, "emqttd_abc", Some(&token)).unwrap(), Ok(()));
    assert_eq!(
        check_token(&c, "emqttd_abc", Some("nope")).unwrap(),
        Err(TokenRefusal::BadToken)
    );
    assert_eq!(
        check_token(&c, "emqttd_abc", None).unwrap(),
        Err(TokenRefusal::BadToken)
    );
    assert_eq!(
        check_token(&c, "emqttd_xyz", Some(&token)).unwrap(),
        Err(TokenRefusal::NoSession)
    );
    // The pending session is gone: a replay finds nothing.
    let again = verify(
        &c,
        &ctx(3_000),
        "emqttd_reg_abc",
        &verify_req(&token, &code),
    );
    assert_eq!(auth_err(again), AuthError::SessionNotFound);
}

#[test]
fn wrong_codes_until_attempts_expire_then_resend_revives() {
    let c = db();
    let (token, code) = registered(&c, 0, "reg_x", "380501111111");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let r = verify(&c, &ctx(10), "reg_x", &verify_req(&token, wrong));
        assert_eq!(auth_err(r), AuthError::InvalidSmsCode);
    }
    // Dead now, even with the right code.
    let r = verify(&c, &ctx(10), "reg_x", &verify_req(&token, &code));
    assert_eq!(auth_err(r), AuthError::AttemptsExpired);
    // A resend after the cooldown issues a new code and resets the attempts.
    let send = resend(&c, &ctx(31_000), "reg_x", &tok(&token))
        .unwrap()
        .expect("a code");
    let old = verify(&c, &ctx(31_001), "reg_x", &verify_req(&token, &code));
    if send.code.expose() != code {
        assert_eq!(
            auth_err(old),
            AuthError::InvalidSmsCode,
            "the old code died"
        );
    }
    verify(
        &c,
        &ctx(31_002),
        "reg_x",
        &verify_req(&token, send.code.expose()),
    )
    .unwrap();
}

#[test]
fn codes_expire_after_the_ttl() {
    let c = db();
    let (token, code) = registered(&c, 0, "reg_t", "380502222222");
    let late = 900_000;
    assert_eq!(
        auth_err(verify(&c, &ctx(late), "reg_t", &verify_req(&token, &code))),
        AuthError::CodeExpired
    );
    verify(&c, &ctx(899_999), "reg_t", &verify_req(&token, &code)).unwrap();
}

#[test]
fn cooldown_and_hourly_limit() {
    let c = db();
    let (token, _) = registered(&c, 0, "reg_c", "380503333333");
    // Within 30 s of the last send: refused.
    assert_eq!(
        auth_err(resend(&c, &ctx(29_999), "reg_c", &tok(&token))),
        AuthError::TooManyRequests
    );
    // Re-reg by the same client is the same session: cooldown too.
    assert_eq!(
        auth_err(reg(&c, &ctx(1_000), "reg_c", reg_req("380503333333"))),
        AuthError::TooManyRequests
    );
    // Four more sends fit in the hour (5 in all), the sixth does not.
    for i in 1..5 {
        resend(&c, &ctx(i * 31_000), "reg_c", &tok(&token)).unwrap();
    }
    assert_eq!(
        auth_err(resend(&c, &ctx(5 * 31_000), "reg_c", &tok(&token))),
        AuthError::TooManyRequests
    );
    // Another device on the same phone is limited too: the limit is per phone.
    assert_eq!(
        auth_err(reg(&c, &ctx(6 * 31_000), "reg_d", reg_req("380503333333"))),
        AuthError::TooManyRequests
    );
    // An hour after the first send, one slot is free again.
    resend(&c, &ctx(3_600_001), "reg_c", &tok(&token)).unwrap();
}

#[test]
fn test_numbers_get_the_fixed_code_and_no_send() {
    let c = db();
    let done = reg(&c, &ctx(0), "reg_tn", reg_req("99900123456")).unwrap();
    assert!(done.send.is_none(), "nothing is sent to a test number");
    let token = done.token.expose().to_owned();
    verify(&c, &ctx(1), "reg_tn", &verify_req(&token, "903182")).unwrap();
    // No limits either: many regs in a row.
    for i in 0..10 {
        reg(
            &c,
            &ctx(2 + i),
            &format!("reg_tn{i}"),
            reg_req("99900123456"),
        )
        .unwrap();
    }
}

#[test]
fn mismatches() {
    let c = db();
    let (token, code) = registered(&c, 0, "reg_m", "380504444444");
    // Another ClientId presenting this token.
    assert_eq!(
        auth_err(verify(&c, &ctx(1), "reg_other", &verify_req(&token, &code))),
        AuthError::MismatchUserData
    );
    // A phone or dev_key contradicting the stored ones.
    let mut r = verify_req(&token, &code);
    r.phone = PhoneSlot::parse(Some("380500000000"));
    assert_eq!(
        auth_err(verify(&c, &ctx(1), "reg_m", &r)),
        AuthError::MismatchUserData
    );
    let mut r = verify_req(&token, &code);
    r.dev_key = Some("OTHER".into());
    assert_eq!(
        auth_err(verify(&c, &ctx(1), "reg_m", &r)),
        AuthError::MismatchUserData
    );
    // Unknown token.
    assert_eq!(
        auth_err(verify(&c, &ctx(1), "reg_m", &verify_req("ffff", &code))),
        AuthError::SessionNotFound
    );
    assert_eq!(
        auth_err(resend(&c, &ctx(40_000), "reg_m", &tok("ffff"))),
        AuthError::SessionNotFound
    );
}

#[test]
fn jwt_sessions_get_no_code_and_need_a_valid_jwt() {
    let c = db();
    let mut r = reg_req("380505555555");
    r.services = vec!["jwt".into()];
    let done = reg(&c, &ctx(0), "reg_j", r).unwrap();
    assert!(done.jwt && done.send.is_none());
    let token = done.token.expose().to_owned();
    // No secret is configured here, so every JWT is refused and counted.
    let e = verify(&c, &ctx(1), "reg_j", &verify_req(&token, "a.b.c"));
    assert_eq!(auth_err(e), AuthError::InvalidJwtCode);
}

#[test]
fn verify_replaces_an_older_session_of_the_same_id() {
    let c = db();
    let (t1, c1) = registered(&c, 0, "reg_same", "380506666666");
    verify(&c, &ctx(1), "reg_same", &verify_req(&t1, &c1)).unwrap();
    let (t2, c2) = registered(&c, 100_000, "reg_same", "380506666666");
    let v = verify(&c, &ctx(100_001), "reg_same", &verify_req(&t2, &c2)).unwrap();
    assert_eq!(v.replaced.as_deref(), Some("380506666666"));
    assert_eq!(
        check_token(&c, "emqttd_same", Some(&t1)).unwrap(),
        Err(TokenRefusal::BadToken)
    );
    assert_eq!(check_token(&c, "emqttd_same", Some(&t2)).unwrap(), Ok(()));
}

#[test]
fn two_devices_list_logout_push_login() {
    let c = db();
    let (ta, ca) = registered(&c, 0, "reg_a", "380507777777");
    verify(&c, &ctx(1), "reg_a", &verify_req(&ta, &ca)).unwrap();
    let (tb, cb) = registered(&c, 40_000, "reg_b", "+380507777777");
    verify(&c, &ctx(40_001), "reg_b", &verify_req(&tb, &cb)).unwrap();
    let (tz, cz) = registered(&c, 0, "reg_z", "380508888888");
    verify(&c, &ctx(2), "reg_z", &verify_req(&tz, &cz)).unwrap();

    push(
        &c,
        "emqttd_a",
        &Push {
            push: "PUSHTOKEN".into(),
            os: Some(Os::Ios),
        },
    )
    .unwrap();
    let sessions = list(&c, "emqttd_a", Some(&ta)).unwrap();
    let ids: Vec<_> = sessions.iter().map(|s| s.client_id.as_str()).collect();
    assert_eq!(ids, ["emqttd_a", "emqttd_b"]);
    assert_eq!(sessions[0].token.as_deref(), Some(ta.as_str()));
    assert_eq!(
        sessions[1].token, None,
        "other sessions' tokens are never shown"
    );
    assert_eq!(sessions[0].os, Some(Os::Ios));
    assert_eq!(sessions[0].push.as_deref(), Some("PUSHTOKEN"));

    let mut l = Login {
        token: tok(&tb),
        phone: PhoneSlot::parse(Some("380507777777")),
        dev_key: Some("DEV1".into()),
        user_id: None,
    };
    login(&c, &l).unwrap();
    l.dev_key = Some("DEV2".into());
    assert_eq!(auth_err(login(&c, &l)), AuthError::MismatchUserData);

    // Logging out another account's session is refused; the same account's works.
    assert_eq!(
        auth_err(logout(&c, "emqttd_a", Some("emqttd_z"))),
        AuthError::MismatchUserData
    );
    let done = logout(&c, "emqttd_a", Some("emqttd_b")).unwrap();
    assert_eq!(
        done,
        LogoutDone {
            client_id: "emqttd_b".into(),
            own: false,
            phone: "380507777777".into(),
        }
    );
    assert_eq!(
        check_token(&c, "emqttd_b", Some(&tb)).unwrap(),
        Err(TokenRefusal::NoSession)
    );
    let done = logout(&c, "emqttd_a", None).unwrap();
    assert!(done.own);
    assert_eq!(
        auth_err(push(
            &c,
            "emqttd_a",
            &Push {
                push: "P".into(),
                os: None
            }
        )),
        AuthError::MismatchUserData
    );
}

#[test]
fn verify_turns_the_pending_row_into_the_session_in_place() {
    let c = db();
    let (t, code) = registered(&c, 5, "reg_place", "380508888888");
    let before: (i64, Vec<u8>) = c
        .query_row(
            "SELECT rowid, token_hash FROM auth_session WHERE client_id = 'reg_place'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    verify(&c, &ctx(6), "reg_place", &verify_req(&t, &code)).unwrap();
    let after: (i64, Vec<u8>, bool, Option<Vec<u8>>, i64, i64, String) = c
        .query_row(
            "SELECT rowid, token_hash, logged_in, code_hash, attempts, created, user_id \
             FROM auth_session WHERE client_id = 'emqttd_place'",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        (after.0, &after.1),
        (before.0, &before.1),
        "same row, same token"
    );
    assert!(after.2, "logged in");
    assert_eq!(
        (after.3, after.4, after.5),
        (None, 0, 5),
        "code gone, created kept"
    );
    let person: String = c
        .query_row(
            "SELECT person_id FROM profile WHERE phone = '380508888888'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(after.6, person, "user_id is the new profile's person id");
    let one_row: i64 = c
        .query_row("SELECT count(*) FROM auth_session", [], |r| r.get(0))
        .unwrap();
    assert_eq!(one_row, 1);
}

#[test]
fn person_ids_are_32_hex_characters_in_creation_order() {
    let c = db();
    let mut ids = Vec::new();
    for (i, now) in [0x0123_4567_89ab_i64, 0x0123_4567_89ac, 0x0200_0000_0000]
        .into_iter()
        .enumerate()
    {
        let id = format!("reg_order{i}");
        let phone = format!("38050900000{i}");
        let (t, code) = registered(&c, now, &id, &phone);
        verify(&c, &ctx(now + 1), &id, &verify_req(&t, &code)).unwrap();
        let person: String = c
            .query_row(
                "SELECT person_id FROM profile WHERE phone = ?1",
                [&phone],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(person.len(), 32, "{person}");
        assert!(person
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(&person[..12], &format!("{:012x}", now + 1));
        ids.push(person);
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "later accounts sort after earlier ones");
}
