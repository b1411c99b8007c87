//! `set`, `update`, `remove`, `email`, the caller checks and profile creation.

use super::*;

#[test]
fn first_login_creates_one_profile_with_one_account() {
    let c = db();
    let person = login(&c, "emqttd_a", "380500000001", 1_000);
    assert_eq!(person.len(), 32);
    assert!(person.bytes().all(|b| b.is_ascii_hexdigit()));
    // A second device of the same phone shares it.
    assert_eq!(login(&c, "emqttd_b", "380500000001", 2_000), person);
    let l = view(&c, "380500000001");
    assert_eq!(l.view.person_id, person);
    assert_eq!(l.view.update, 1_000);
    assert_eq!(l.view.accounts.len(), 1);
    assert_eq!(l.view.accounts[0].phone, "380500000001");
    assert_eq!(l.sessions, ["emqttd_a", "emqttd_b"]);
    assert!(l.view.data.is_empty());
}

#[test]
fn the_caller_must_hold_the_live_token_and_name_its_own_phone() {
    let c = db();
    login(&c, "emqttd_a", "380500000002", 0);
    assert_eq!(
        caller_phone(&c, "emqttd_a", Some("tok-emqttd_a")).unwrap(),
        "380500000002"
    );
    for (id, tok) in [
        ("emqttd_a", Some("stale")),
        ("emqttd_a", None),
        ("emqttd_x", Some("tok-emqttd_x")),
    ] {
        assert_eq!(err(caller_phone(&c, id, tok)), ProfileError::NotAuthorized);
    }
    let slot = |text| PhoneSlot::parse(Some(text));
    own_phone(&PhoneSlot::Absent, "380500000002").unwrap();
    own_phone(&slot("+380500000002"), "380500000002").unwrap();
    for other in ["380500000003", "junk"] {
        assert_eq!(
            own_phone(&slot(other), "380500000002").unwrap_err(),
            ProfileError::NotAuthorized
        );
    }
    // Acting for the session's phone: the live token, and the slot where it names
    // the caller's own account.
    let token = Some("tok-emqttd_a");
    assert_eq!(
        acting_phone(&c, "emqttd_a", token, None).unwrap(),
        "380500000002"
    );
    acting_phone(&c, "emqttd_a", token, Some(&slot("380500000002"))).unwrap();
    for (tok, own) in [
        (Some("stale"), None),
        (token, Some(slot("380500000003"))),
        (token, Some(PhoneSlot::NotAPhone)),
    ] {
        assert_eq!(
            err(acting_phone(&c, "emqttd_a", tok, own.as_ref())),
            ProfileError::NotAuthorized
        );
    }
}

#[test]
fn set_creates_edits_and_removes_accounts_with_strictly_increasing_updates() {
    let c = db();
    login(&c, "emqttd_a", "380500000004", 5_000);
    let first = view(&c, "380500000004").view.accounts[0].id;
    // Two changes in the same millisecond still get distinct, increasing times.
    let a = set(
        &c,
        &ctx(5_000),
        "380500000004",
        &edits(vec![named(None, "Ann")], Some(b"d1")),
    )
    .unwrap();
    assert_eq!(a.view.update, 5_001);
    assert_eq!(a.view.data, b"d1");
    assert_eq!(a.view.accounts.len(), 2);
    let second = a.view.accounts[1].id;
    assert!(second > first);
    assert_eq!(a.view.accounts[1].update, 5_001);
    let b = set(
        &c,
        &ctx(5_000),
        "380500000004",
        &edits(vec![named(Some(first), "Bob"), removing(second)], None),
    )
    .unwrap();
    assert_eq!(b.view.update, 5_002);
    assert_eq!(b.view.data, b"d1", "data absent: kept");
    assert_eq!(b.view.accounts.len(), 1);
    assert_eq!(b.view.accounts[0].names.as_deref(), Some("Bob"));
    assert_eq!(b.view.accounts[0].update, 5_002);
    // A bare id names an account without changing it.
    let bare = AccountChange {
        id: Some(first),
        ..AccountChange::default()
    };
    let c2 = set(&c, &ctx(5_000), "380500000004", &edits(vec![bare], None)).unwrap();
    assert_eq!(c2.view.update, 5_003);
    assert_eq!(c2.view.accounts[0].update, 5_002);
    assert_eq!(c2.view.accounts[0].names.as_deref(), Some("Bob"));
    // The clock wins when it is ahead.
    let later = set(&c, &ctx(9_000), "380500000004", &edits(vec![], None)).unwrap();
    assert_eq!(later.view.update, 9_000);
}

#[test]
fn refused_sets_change_nothing() {
    let c = db();
    login(&c, "emqttd_a", "380500000005", 0);
    let before = view(&c, "380500000005").view;
    let only = before.accounts[0].id;
    let cases = [
        (edits(vec![removing(only)], None), ProfileError::LastAccount),
        (
            edits(
                vec![named(None, "New"), removing(only), removing(only)],
                None,
            ),
            ProfileError::AccountNotFound,
        ),
        (
            edits(vec![named(Some(9_999), "X")], None),
            ProfileError::AccountNotFound,
        ),
        (
            edits(
                vec![AccountChange {
                    remove: true,
                    ..AccountChange::default()
                }],
                None,
            ),
            ProfileError::AccountNotFound,
        ),
        (
            edits(
                vec![named(None, "a"), named(None, "b"), named(None, "c")],
                None,
            ),
            ProfileError::TooManyAccounts,
        ),
        (edits(vec![], Some(&[0; 17])), ProfileError::DataTooLarge),
        (
            edits(vec![named(None, "123456789")], None),
            ProfileError::DataTooLarge,
        ),
        // A valid first step does not survive a refused second one.
        (
            edits(
                vec![named(Some(only), "Kept?"), named(Some(42), "x")],
                Some(b"new"),
            ),
            ProfileError::AccountNotFound,
        ),
    ];
    for (req, want) in cases {
        assert_eq!(err(set(&c, &ctx(1), "380500000005", &req)), want);
    }
    assert_eq!(view(&c, "380500000005").view, before);
    // Removing the only account while creating another is fine.
    let ok = set(
        &c,
        &ctx(2),
        "380500000005",
        &edits(vec![named(None, "New"), removing(only)], Some(&[1; 16])),
    )
    .unwrap();
    assert_eq!(ok.view.accounts.len(), 1);
    assert_ne!(ok.view.accounts[0].id, only);
}

#[test]
fn update_needs_the_stored_update_time() {
    let c = db();
    login(&c, "emqttd_a", "380500000006", 100);
    let mut req = Update {
        change: edits(vec![], Some(b"x")),
        update: Some(99),
    };
    assert_eq!(
        err(update(&c, &ctx(200), "380500000006", &req)),
        ProfileError::StaleUpdate
    );
    req.update = None;
    assert_eq!(
        err(update(&c, &ctx(200), "380500000006", &req)),
        ProfileError::StaleUpdate
    );
    req.update = Some(100);
    let won = update(&c, &ctx(200), "380500000006", &req).unwrap();
    assert_eq!(won.view.update, 200);
    // The same request again (a racing twin) is now stale.
    assert_eq!(
        err(update(&c, &ctx(200), "380500000006", &req)),
        ProfileError::StaleUpdate
    );
}

#[test]
fn remove_deletes_everything_and_a_new_login_starts_afresh() {
    let c = db();
    let old = login(&c, "emqttd_a", "380500000007", 0);
    login(&c, "emqttd_b", "380500000007", 0);
    let old_account = view(&c, "380500000007").view.accounts[0].id;
    email_data(&c, "380500000007", Some(b"a@b.cd")).unwrap();
    migrate_to(&c, &ctx(1), "380500000007", Some("99900111111")).unwrap();
    let gone = remove(&c, "380500000007").unwrap();
    assert_eq!(gone.sessions, ["emqttd_a", "emqttd_b"]);
    assert!(load(&c, "380500000007").unwrap().is_none());
    for table in [
        "person",
        "profile",
        "roster_account",
        "profile_migration",
        "auth_session",
    ] {
        let n: i64 = c
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(err(remove(&c, "380500000007")), ProfileError::NotAuthorized);
    let new = login(&c, "emqttd_a", "380500000007", 10);
    assert_ne!(new, old);
    assert!(
        view(&c, "380500000007").view.accounts[0].id > old_account,
        "ids are never reused"
    );
}

#[test]
fn email_is_checked_and_kept_on_the_person() {
    let c = db();
    let person = login(&c, "emqttd_a", "380500000008", 0);
    email_data(&c, "380500000008", Some(b"  ann.lee+x@mail.example.org ")).unwrap();
    let stored: String = c
        .query_row("SELECT email FROM person WHERE id = ?1", [&person], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored, "ann.lee+x@mail.example.org");
    for bad in [
        &b""[..],
        b"plain",
        b"@x.org",
        b"a@b",
        b"a@@b.org",
        b"a b@c.org",
        b"a@-b.org",
        b"a@b..org",
        b".a@b.org",
        b"\xff@b.org",
    ] {
        assert_eq!(
            err(email_data(&c, "380500000008", Some(bad))),
            ProfileError::InvalidEmail,
            "{bad:?}"
        );
    }
    assert_eq!(
        err(email_data(&c, "380500000008", None)),
        ProfileError::InvalidEmail
    );
    assert!(!valid_email(&format!("{}@b.org", "a".repeat(65))));
}
