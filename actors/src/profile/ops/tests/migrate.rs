//! `migration`, `confirm` and the schema migration's backfill.

use rusqlite::{params, Connection};

use super::*;

/// Starts a migration of `from` to a real (non-test) phone; the code that was sent.
fn started(c: &Connection, now: i64, from: &str, to: &str) -> String {
    let send = migrate_to(c, &ctx(now), from, Some(to))
        .unwrap()
        .expect("a code to send");
    assert_eq!(send.phone.as_str(), to.trim_start_matches('+'));
    send.code.expose().to_owned()
}

#[test]
fn migration_moves_profile_accounts_and_sessions() {
    let c = db();
    let person = login(&c, "emqttd_a", "380500000010", 0);
    login(&c, "emqttd_b", "380500000010", 0);
    let code = started(&c, 1_000, "380500000010", "+380500000011");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm_with = |now, code: &str| {
        confirm_slots(
            &c,
            &ctx(now),
            "380500000010",
            Some("380500000011"),
            Some(code.as_bytes()),
        )
    };
    assert_eq!(
        err(confirm_with(1_001, wrong)),
        ProfileError::InvalidSmsCode
    );
    assert_eq!(
        err(confirm_slots(
            &c,
            &ctx(1_001),
            "380500000010",
            Some("380500000012"),
            Some(code.as_bytes())
        )),
        ProfileError::SessionNotFound
    );
    assert_eq!(
        err(confirm_slots(
            &c,
            &ctx(1_001),
            "380500000010",
            Some("12"),
            None
        )),
        ProfileError::InvalidPhone
    );
    let moved = confirm_with(1_002, &code).unwrap();
    assert_eq!(moved.view.phone, "380500000011");
    assert_eq!(moved.view.person_id, person);
    assert_eq!(moved.view.update, 1_002);
    assert!(moved
        .view
        .accounts
        .iter()
        .all(|a| a.phone == "380500000011" && a.update == 1_002));
    assert_eq!(moved.sessions, ["emqttd_a", "emqttd_b"]);
    assert_eq!(
        caller_phone(&c, "emqttd_b", Some("tok-emqttd_b")).unwrap(),
        "380500000011"
    );
    assert!(
        load(&c, "380500000010").unwrap().is_none(),
        "the old phone is free"
    );
    // The code is spent.
    assert_eq!(
        err(confirm_slots(
            &c,
            &ctx(1_003),
            "380500000011",
            Some("380500000011"),
            Some(code.as_bytes())
        )),
        ProfileError::SessionNotFound
    );
}

#[test]
fn migration_refusals() {
    let c = db();
    login(&c, "emqttd_a", "380500000020", 0);
    login(&c, "emqttd_z", "380500000029", 0);
    let start = |now, to: Option<&str>| migrate_to(&c, &ctx(now), "380500000020", to);
    assert_eq!(err(start(0, None)), ProfileError::InvalidPhone);
    assert_eq!(err(start(0, Some("12-34"))), ProfileError::InvalidPhone);
    assert_eq!(
        err(start(0, Some("380500000029"))),
        ProfileError::PhoneTaken
    );
    assert_eq!(
        err(start(0, Some("380500000020"))),
        ProfileError::PhoneTaken
    );
    // Cooldown, then the per-phone hourly limit shared with Auth.
    let code = started(&c, 0, "380500000020", "380500000021");
    assert_eq!(
        err(start(29_999, Some("380500000021"))),
        ProfileError::TooManyRequests
    );
    for i in 1..5 {
        started(&c, i * 31_000, "380500000020", "380500000021");
    }
    assert_eq!(
        err(start(5 * 31_000, Some("380500000021"))),
        ProfileError::TooManyRequests
    );
    let _ = code;
    // Attempts: max_attempts wrong codes kill the code.
    let code = started(&c, 3_700_000, "380500000020", "380500000022");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm_with = |now, code: &str| {
        confirm_slots(
            &c,
            &ctx(now),
            "380500000020",
            Some("380500000022"),
            Some(code.as_bytes()),
        )
    };
    for _ in 0..5 {
        assert_eq!(
            err(confirm_with(3_700_001, wrong)),
            ProfileError::InvalidSmsCode
        );
    }
    assert_eq!(
        err(confirm_with(3_700_002, &code)),
        ProfileError::AttemptsExpired
    );
    // Expiry after code_ttl_secs.
    let code = started(&c, 3_800_000, "380500000020", "380500000023");
    assert_eq!(
        err(confirm_slots(
            &c,
            &ctx(3_800_000 + 900_000),
            "380500000020",
            Some("380500000023"),
            Some(code.as_bytes())
        )),
        ProfileError::CodeExpired
    );
    // Taken between migration and confirm.
    let code = started(&c, 3_900_000, "380500000020", "380500000024");
    login(&c, "emqttd_y", "380500000024", 3_900_001);
    assert_eq!(
        err(confirm_slots(
            &c,
            &ctx(3_900_002),
            "380500000020",
            Some("380500000024"),
            Some(code.as_bytes())
        )),
        ProfileError::PhoneTaken
    );
    // Test numbers: the fixed code, nothing sent.
    assert!(start(4_000_000, Some("99900123456")).unwrap().is_none());
    confirm_slots(
        &c,
        &ctx(4_000_001),
        "380500000020",
        Some("99900123456"),
        Some(b"903182"),
    )
    .unwrap();
}

#[test]
fn the_migration_gives_older_logged_in_phones_a_profile() {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    for m in &crate::store::MIGRATIONS[..2] {
        c.execute_batch(m).unwrap();
    }
    for (id, phone, logged_in) in [
        ("emqttd_a", "380500000030", 1),
        ("emqttd_b", "380500000030", 1),
        ("emqttd_c", "380500000031", 1),
        ("reg_d", "380500000032", 0),
    ] {
        c.execute(
            "INSERT INTO auth_session (client_id, token_hash, phone, logged_in, user_id, created) \
             VALUES (?1, ?1, ?2, ?3, ?2, 0)",
            params![id, phone, logged_in],
        )
        .unwrap();
    }
    c.execute_batch(crate::profile::SCHEMA).unwrap();
    let a = view(&c, "380500000030");
    assert_eq!(a.view.accounts.len(), 1);
    assert_eq!(a.sessions, ["emqttd_a", "emqttd_b"]);
    assert_eq!(view(&c, "380500000031").view.accounts.len(), 1);
    assert!(load(&c, "380500000032").unwrap().is_none());
    let user: String = c
        .query_row(
            "SELECT user_id FROM auth_session WHERE client_id = 'emqttd_b'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(user, a.view.person_id);
}
