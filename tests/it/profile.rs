//! docs/protocol.md §4 (Profile) over MQTT against a real SQLite file: every status of the table, who
//! may ask, fan-out to other devices (live and parked), the optimistic `update` race,
//! `remove`, and a restart.

use rumqttc::ConnectReturnCode;

use crate::{
    auth::register,
    support::{
        harness::{Client, TestServer, DEADLINE},
        profile_wire::{ask, ask_io, profile, roster, Profile, Req},
    },
};

/// Registers a device of `phone` and connects it logged in; the client and its token.
pub(crate) async fn device(server: &TestServer, symbols: &str, phone: &str) -> (Client, String) {
    let (token, id) = register(server, &format!("emqttd_reg_{symbols}"), phone).await;
    (server.login(&id, &token).await, token)
}

/// The next publish to `dev`, which must be a `'Profile'` tuple.
pub(crate) async fn next_profile(dev: &mut Client) -> Profile {
    let p = dev.next_publish().await;
    profile(&p.payload).expect("a Profile message")
}

#[tokio::test]
async fn every_row_of_the_table() {
    let server = TestServer::with(|c| c.profile.max_data_bytes = 1000);
    let (mut dev, _) = device(&server, "rows1", "+380502200001").await;

    // get: the profile made at the first verify, with its first account.
    let got = ask(&mut dev, Req::default(), "get").await;
    assert_eq!(got.status, "get");
    assert_eq!(got.phone, "380502200001");
    assert_eq!(got.presence, "online");
    assert!(got.data.is_empty());
    assert_eq!(got.person_id.len(), 32);
    assert_eq!(got.accounts.len(), 1);
    let first = got.accounts[0].id;
    assert_eq!(got.accounts[0].phone.as_deref(), Some("380502200001"));
    // The phone slot may name the caller's own phone, with or without '+'.
    let own = ask(
        &mut dev,
        Req {
            phone: Some("+380502200001"),
            ..Req::default()
        },
        "get",
    )
    .await;
    assert_eq!(own, got);

    // set: data and a new account; the reply carries a later update time.
    let set = ask(
        &mut dev,
        Req {
            data: Some(b"\x00opaque\xff"),
            accounts: vec![roster(None, Some("Ann"), None)],
            ..Req::default()
        },
        "set",
    )
    .await;
    assert_eq!(set.status, "update");
    assert!(set.update > got.update);
    assert_eq!(set.data, b"\x00opaque\xff");
    assert_eq!(set.accounts.len(), 2);
    assert_eq!(set.accounts[1].names.as_deref(), Some("Ann"));
    assert_eq!(set.person_id, got.person_id);
    let second = set.accounts[1].id;

    // update: only from the stored update time.
    ask_io(
        &mut dev,
        Req {
            update: Some(got.update),
            data: Some(b"lost"),
            ..Req::default()
        },
        "update",
        "error",
        "stale_update",
    )
    .await;
    let upd = ask(
        &mut dev,
        Req {
            update: Some(set.update),
            accounts: vec![roster(Some(first), Some("Bob"), None)],
            ..Req::default()
        },
        "update",
    )
    .await;
    assert_eq!(upd.status, "update");
    assert!(upd.update > set.update);
    assert_eq!(upd.data, b"\x00opaque\xff", "absent data is kept");
    assert_eq!(upd.accounts[0].names.as_deref(), Some("Bob"));

    // Accounts: remove one; the last one stays; unknown ids are refused.
    let removed = ask(
        &mut dev,
        Req {
            accounts: vec![roster(Some(second), None, Some("remove"))],
            ..Req::default()
        },
        "set",
    )
    .await;
    assert_eq!(removed.accounts.len(), 1);
    assert_eq!(removed.accounts[0].id, first);
    for (accounts, error) in [
        (
            vec![roster(Some(first), None, Some("remove"))],
            "last_account",
        ),
        (
            vec![roster(Some(second), Some("X"), None)],
            "account_not_found",
        ),
    ] {
        ask_io(
            &mut dev,
            Req {
                accounts,
                ..Req::default()
            },
            "set",
            "error",
            error,
        )
        .await;
    }
    // Data above profile.max_data_bytes.
    ask_io(
        &mut dev,
        Req {
            data: Some(&[7; 1001]),
            ..Req::default()
        },
        "set",
        "error",
        "data_too_large",
    )
    .await;
    let after = ask(&mut dev, Req::default(), "get").await;
    assert_eq!(
        after.update, removed.update,
        "refused requests change nothing"
    );
    assert_eq!(after.data, removed.data);

    // email.
    ask_io(
        &mut dev,
        Req {
            data: Some(b"ann@example.org"),
            ..Req::default()
        },
        "email",
        "ok",
        "email",
    )
    .await;
    ask_io(
        &mut dev,
        Req {
            data: Some(b"not an email"),
            ..Req::default()
        },
        "email",
        "error",
        "invalid_email",
    )
    .await;
}

#[tokio::test]
async fn only_logged_in_sessions_acting_for_their_own_phone() {
    let server = TestServer::start();
    let mut reg = server.reg("emqttd_reg_noauth0").await;
    for status in [
        "get",
        "set",
        "update",
        "remove",
        "email",
        "migration",
        "confirm",
    ] {
        ask_io(&mut reg, Req::default(), status, "error", "not_authorized").await;
    }
    let (mut dev, _) = device(&server, "noauth1", "380502200011").await;
    device(&server, "noauth2", "380502200012").await;
    for status in ["get", "set", "update", "remove", "email"] {
        ask_io(
            &mut dev,
            Req {
                phone: Some("380502200012"),
                ..Req::default()
            },
            status,
            "error",
            "not_authorized",
        )
        .await;
    }
    // The other account is untouched, this one still works.
    assert_eq!(ask(&mut dev, Req::default(), "get").await.accounts.len(), 1);
}

#[tokio::test]
async fn changes_fan_out_to_connected_and_parked_sessions() {
    let server = TestServer::start();
    let phone = "380502200021";
    let (mut a, _) = device(&server, "fan_a", phone).await;
    let (mut b, _) = device(&server, "fan_b", phone).await;
    let (c, c_token) = device(&server, "fan_c", phone).await;
    // C goes away; its persistent session is parked.
    drop(c);
    let parked = async {
        loop {
            let counts = server
                .registry
                .send(::roster_server::registry::Counts)
                .await;
            if counts.unwrap().1 == 1 {
                return counts.unwrap();
            }
            tokio::task::yield_now().await;
        }
    };
    let counts = tokio::time::timeout(DEADLINE, parked)
        .await
        .expect("C parked within the deadline");
    assert_eq!(counts, (2, 1));

    let set = ask(
        &mut a,
        Req {
            data: Some(b"v1"),
            ..Req::default()
        },
        "set",
    )
    .await;
    // B gets the same tuple as A's reply, at once.
    assert_eq!(next_profile(&mut b).await, set);
    // C gets it when it comes back.
    let mut c = server.login("emqttd_fan_c", &c_token).await;
    assert!(c.session_present);
    assert_eq!(next_profile(&mut c).await, set);
    // get and email are not changes: nothing is published for them; the next change is.
    ask(&mut a, Req::default(), "get").await;
    let next = ask(
        &mut a,
        Req {
            update: Some(set.update),
            data: Some(b"v2"),
            ..Req::default()
        },
        "update",
    )
    .await;
    assert_eq!(next_profile(&mut b).await, next);
    assert_eq!(next_profile(&mut c).await, next);
}

#[tokio::test]
async fn two_devices_racing_update_exactly_one_wins() {
    let server = TestServer::start();
    let phone = "380502200031";
    let (mut a, _) = device(&server, "race_a", phone).await;
    let (mut b, _) = device(&server, "race_b", phone).await;
    let base = ask(&mut a, Req::default(), "get").await.update;
    for (dev, data) in [(&a, b"from-a"), (&b, b"from-b")] {
        dev.client
            .publish(
                crate::support::harness::events_topic(&dev.id),
                rumqttc::QoS::AtLeastOnce,
                false,
                Req {
                    update: Some(base),
                    data: Some(data),
                    ..Req::default()
                }
                .encode("update"),
            )
            .await
            .unwrap();
    }
    // Each device's own reply: a Profile carrying its own data (it won), or
    // stale_update; a Profile with the other's data is the winner's fan-out.
    async fn outcome(dev: &mut Client, own: &[u8]) -> bool {
        loop {
            let p = dev.next_publish().await;
            match profile(&p.payload) {
                Some(p) if p.data == own => return true,
                Some(_) => continue,
                None => {
                    let (result, _) = crate::support::etf::io(&p.payload);
                    assert_eq!(result, crate::support::etf::pair("error", "stale_update"));
                    return false;
                }
            }
        }
    }
    let (won_a, won_b) = tokio::join!(outcome(&mut a, b"from-a"), outcome(&mut b, b"from-b"));
    assert!(won_a ^ won_b, "exactly one wins: a {won_a}, b {won_b}");
    let winner: &[u8] = if won_a { b"from-a" } else { b"from-b" };
    let now = ask(&mut a, Req::default(), "get").await;
    assert_eq!(now.data, winner);
    assert!(now.update > base);
}

#[tokio::test]
async fn remove_closes_every_connection_and_the_phone_registers_afresh() {
    let server = TestServer::start();
    let phone = "380502200041";
    let (mut a, a_token) = device(&server, "rm_a", phone).await;
    let (mut b, _) = device(&server, "rm_b", phone).await;
    let set = ask(
        &mut a,
        Req {
            data: Some(b"bye"),
            ..Req::default()
        },
        "set",
    )
    .await;
    next_profile(&mut b).await;
    let gone = ask(&mut a, Req::default(), "remove").await;
    assert_eq!(gone.status, "remove");
    assert_eq!(gone.data, b"bye");
    assert_eq!(gone.person_id, set.person_id);
    a.closed().await;
    b.closed().await;
    // The sessions are gone with the account.
    let mut o = server.options("emqttd_rm_a");
    o.set_credentials("x", &a_token);
    assert_eq!(server.refused(o).await, ConnectReturnCode::NotAuthorized);

    // The same phone registers as a new account.
    let (mut again, _) = device(&server, "rm_a", phone).await;
    assert!(
        !again.session_present,
        "nothing kept from the removed session"
    );
    let fresh = ask(&mut again, Req::default(), "get").await;
    assert_ne!(fresh.person_id, set.person_id);
    assert!(fresh.data.is_empty());
    assert_eq!(fresh.accounts.len(), 1);
    assert!(set
        .accounts
        .iter()
        .all(|old| old.id != fresh.accounts[0].id));
}

#[tokio::test]
async fn a_restart_keeps_profiles() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_prestart", "380502200051").await;
    let mut dev = server.login(&id, &token).await;
    let set = ask(
        &mut dev,
        Req {
            data: Some(b"durable"),
            accounts: vec![roster(None, Some("Kept"), None)],
            ..Req::default()
        },
        "set",
    )
    .await;
    drop(dev);
    let server = server.restart(|_| {});
    let mut dev = server.login(&id, &token).await;
    let got = ask(&mut dev, Req::default(), "get").await;
    assert_eq!(
        Profile {
            status: "update".into(),
            ..got
        },
        set
    );
}

/// `get` is served from memory between writes: every change, made from any device on
/// any worker, must show in the next `get` of every device once its reply is out.
#[tokio::test]
async fn a_get_after_a_change_sees_it_from_every_device() {
    let server = TestServer::start();
    let phone = "380502200041";
    let (mut a, _) = device(&server, "cache_a", phone).await;
    let (mut b, _) = device(&server, "cache_b", phone).await;
    for round in 0..20u8 {
        // Both keep an answer in memory, then one of them changes the profile.
        ask(&mut a, Req::default(), "get").await;
        ask(&mut b, Req::default(), "get").await;
        let (changer, other) = if round % 2 == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let data = [round];
        let set = ask(
            changer,
            Req {
                data: Some(&data),
                ..Req::default()
            },
            "set",
        )
        .await;
        assert_eq!(next_profile(other).await, set);
        for dev in [&mut a, &mut b] {
            let got = ask(dev, Req::default(), "get").await;
            assert_eq!((got.data.as_slice(), got.update), (&data[..], set.update));
        }
    }
    // A third device's first login changes nothing a get shows but must not break it.
    let (mut c, _) = device(&server, "cache_c", phone).await;
    let got = ask(&mut c, Req::default(), "get").await;
    assert_eq!(got, ask(&mut a, Req::default(), "get").await);
    // A cached answer still acts for the caller's own phone only.
    let other = Req {
        phone: Some("380502200049"),
        ..Req::default()
    };
    ask_io(&mut a, other, "get", "error", "not_authorized").await;

    // Requests sent back to back are answered from memory one after another, in order.
    let requests = 50u8;
    for i in 0..requests {
        let slot = format!("+{phone}");
        let req = Req {
            phone: (i % 2 == 0).then_some(slot.as_str()),
            ..Req::default()
        };
        a.client
            .publish(
                crate::support::harness::events_topic(&a.id),
                rumqttc::QoS::AtLeastOnce,
                false,
                req.encode("get"),
            )
            .await
            .expect("publish");
    }
    for _ in 0..requests {
        assert_eq!(next_profile(&mut a).await, got);
    }
}
