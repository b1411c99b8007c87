//! docs/protocol.md §4.3.5/6, `migration`/`confirm`, over real MQTT: the code by SMS to the new phone,
//! Auth's attempts, expiry and send limits, the move of profile, accounts and
//! sessions, and the old phone free afterwards.

use crate::{
    auth::register,
    profile::{device, next_profile},
    support::{
        harness::TestServer,
        logs,
        profile_wire::{ask, ask_io, Req},
    },
};

#[tokio::test]
async fn migrate_moves_the_account_and_frees_the_old_phone() {
    let server = TestServer::start();
    let (old, new, other) = ("380502300001", "380502300002", "380502300003");
    let (mut a, a_token) = device(&server, "mig_a", old).await;
    let (mut b, _) = device(&server, "mig_b", old).await;
    let (mut z, _) = device(&server, "mig_z", other).await;
    let before = ask(&mut a, Req::default(), "get").await;
    fn to(phone: &str) -> Req<'_> {
        Req {
            phone: Some(phone),
            ..Req::default()
        }
    }
    fn code_req<'a>(phone: &'a str, code: &'a [u8]) -> Req<'a> {
        Req {
            phone: Some(phone),
            data: Some(code),
            ..Req::default()
        }
    }

    ask_io(&mut a, to(other), "migration", "error", "phone_taken").await;
    ask_io(&mut a, to("12-34"), "migration", "error", "invalid_phone").await;
    ask_io(
        &mut a,
        Req::default(),
        "migration",
        "error",
        "invalid_phone",
    )
    .await;
    ask_io(
        &mut a,
        code_req(new, b"123456"),
        "confirm",
        "error",
        "session_not_found",
    )
    .await;

    // `migrate` is the same as `migration`; the code goes to the new phone.
    ask_io(&mut a, to(&format!("+{new}")), "migrate", "ok", "sms_sent").await;
    let code = server.last_sms_code(new);
    let wrong: &[u8] = if code == "000000" {
        b"111111"
    } else {
        b"000000"
    };
    ask_io(
        &mut a,
        code_req(new, wrong),
        "confirm",
        "error",
        "invalid_sms_code",
    )
    .await;
    let moved = ask(&mut a, code_req(new, code.as_bytes()), "confirm").await;
    assert_eq!(moved.status, "update");
    assert_eq!(moved.phone, new);
    assert_eq!(moved.person_id, before.person_id);
    assert!(moved.update > before.update);
    assert!(moved
        .accounts
        .iter()
        .all(|r| r.phone.as_deref() == Some(new)));
    assert_eq!(
        moved.accounts.iter().map(|r| r.id).collect::<Vec<_>>(),
        before.accounts.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    // The other device hears of it, and both act for the new phone now.
    assert_eq!(next_profile(&mut b).await, moved);
    assert_eq!(ask(&mut b, to(new), "get").await.phone, new);
    ask_io(&mut a, to(old), "get", "error", "not_authorized").await;
    // The session and its token moved too: a reconnect still logs in.
    drop(a);
    let mut a = server.login("emqttd_mig_a", &a_token).await;
    assert_eq!(ask(&mut a, Req::default(), "get").await.phone, new);

    // The new phone is taken, the old one is free for a new account.
    ask_io(&mut z, to(new), "migration", "error", "phone_taken").await;
    let (mut fresh, _) = device(&server, "mig_fresh", old).await;
    let fresh = ask(&mut fresh, Req::default(), "get").await;
    assert_eq!(fresh.phone, old);
    assert_ne!(fresh.person_id, before.person_id);

    // The code never reached the log.
    let hits: Vec<String> = logs::containing(&code)
        .into_iter()
        .filter(|l| l.split(|c: char| !c.is_ascii_digit()).any(|n| n == code))
        .collect();
    assert!(hits.is_empty(), "code in the log: {hits:?}");
}

#[tokio::test]
async fn migration_codes_follow_the_auth_limits() {
    let server = TestServer::with(|c| c.auth.max_attempts = 2);
    let (mut a, _) = device(&server, "miglim_a", "380502300011").await;
    let target = "380502300012";
    let to = Req {
        phone: Some(target),
        ..Req::default()
    };
    ask_io(&mut a, to.clone(), "migration", "ok", "sms_sent").await;
    // Within auth.resend_cooldown_secs of the last code.
    ask_io(&mut a, to, "migration", "error", "too_many_requests").await;
    let code = server.last_sms_code(target);
    let wrong: &[u8] = if code == "000000" {
        b"111111"
    } else {
        b"000000"
    };
    let confirm = |data| Req {
        phone: Some(target),
        data: Some(data),
        ..Req::default()
    };
    for _ in 0..2 {
        ask_io(
            &mut a,
            confirm(wrong),
            "confirm",
            "error",
            "invalid_sms_code",
        )
        .await;
    }
    ask_io(
        &mut a,
        confirm(code.as_bytes()),
        "confirm",
        "error",
        "attempts_expired",
    )
    .await;
    // Nothing moved.
    assert_eq!(
        ask(&mut a, Req::default(), "get").await.phone,
        "380502300011"
    );
}

#[tokio::test]
async fn migration_codes_expire() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_migttl", "380502300021").await;
    // Every code is born expired from now on.
    let server = server.restart(|c| c.auth.code_ttl_secs = 0);
    let mut a = server.login(&id, &token).await;
    let target = "380502300022";
    ask_io(
        &mut a,
        Req {
            phone: Some(target),
            ..Req::default()
        },
        "migration",
        "ok",
        "sms_sent",
    )
    .await;
    let code = server.last_sms_code(target);
    ask_io(
        &mut a,
        Req {
            phone: Some(target),
            data: Some(code.as_bytes()),
            ..Req::default()
        },
        "confirm",
        "error",
        "code_expired",
    )
    .await;
}
