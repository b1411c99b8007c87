//! SMS spend (SMS pumping: premium-rate numbers registered to earn on every code):
//! `auth.allowed_country_codes`, `auth.max_sends_per_country_per_hour` and
//! `auth.max_sends_per_hour`, over reg and Profile migration; the counts are in the
//! database (a restart keeps them) and a spent budget is logged once per hour.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{
    profile::device,
    support::{
        etf::{ask, pair, Auth},
        harness::TestServer,
        logs,
        profile_wire::{ask_io, Req},
    },
};

/// Sleeps past the end of the clock hour if it is about to end: the budgets count
/// per clock hour, so a test must not straddle one.
fn away_from_the_hour() {
    let into = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 3600;
    if into > 3600 - 20 {
        std::thread::sleep(Duration::from_secs(3600 - into + 1));
    }
}

/// `reg` of `phone` from a new registering connection `id`: the result.
async fn reg(server: &TestServer, id: &str, phone: &str) -> eetf::Term {
    let mut dev = server.reg(id).await;
    ask(&mut dev, Auth::phone(phone), "reg").await.0
}

#[tokio::test]
async fn a_global_budget_of_3_refuses_the_4th_phone_and_warns_once() {
    away_from_the_hour();
    let config = |c: &mut roster_server::config::Config| {
        c.auth.max_sends_per_hour = 3;
        c.auth.test_numbers.enabled = true;
    };
    let server = TestServer::with(config);
    // One logged-in account (its code is the first send), then two more phones.
    let (mut owner, _) = device(&server, "spend_owner", "380508880001").await;
    for (i, phone) in ["380508880002", "447700900002"].iter().enumerate() {
        let r = reg(&server, &format!("emqttd_reg_spend{i}"), phone).await;
        assert_eq!(r, pair("ok", "sms_sent"), "{phone}");
    }
    // The fourth distinct phone, and any after it, in any country.
    for (i, phone) in ["380508880004", "14155550104"].iter().enumerate() {
        let r = reg(&server, &format!("emqttd_reg_spend_over{i}"), phone).await;
        assert_eq!(r, pair("error", "too_many_requests"), "{phone}");
    }
    let to = Req {
        phone: Some("380508880009"),
        ..Req::default()
    };
    ask_io(&mut owner, to, "migration", "error", "too_many_requests").await;
    // Test numbers send nothing and are not counted.
    let r = reg(&server, "emqttd_reg_spend_test", "99900123456").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    assert_eq!(server.outbox("sms").len(), 3, "three codes sent");
    drop(owner);

    // The count is in the database: a restart does not refill the budget, nor warn
    // again.
    let server = server.restart(config);
    let r = reg(&server, "emqttd_reg_spend_after", "393471234567").await;
    assert_eq!(r, pair("error", "too_many_requests"));
    let warned = logs::containing("auth.max_sends_per_hour = 3 reached");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].starts_with("WARN"), "{warned:?}");
}

#[tokio::test]
async fn a_country_cap_refuses_that_country_only() {
    away_from_the_hour();
    let server = TestServer::with(|c| c.auth.max_sends_per_country_per_hour = 2);
    for (i, phone) in ["380508881001", "380508881002"].iter().enumerate() {
        let r = reg(&server, &format!("emqttd_reg_cc{i}"), phone).await;
        assert_eq!(r, pair("ok", "sms_sent"), "{phone}");
    }
    for i in 0..2 {
        let r = reg(&server, &format!("emqttd_reg_cc_over{i}"), "380508881003").await;
        assert_eq!(r, pair("error", "too_many_requests"));
    }
    // Another country (by its E.164 calling code) has its own count.
    for phone in ["393471230001", "447700901001"] {
        let r = reg(&server, &format!("emqttd_reg_cc_{phone}"), phone).await;
        assert_eq!(r, pair("ok", "sms_sent"), "{phone}");
    }
    let warned = logs::containing("auth.max_sends_per_country_per_hour = 2 reached");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("+380"), "{warned:?}");
}

#[tokio::test]
async fn a_phone_outside_the_allowed_countries_gets_no_code() {
    let server = TestServer::with(|c| {
        c.auth.allowed_country_codes = vec!["380".into(), "+39".into()];
        c.auth.test_numbers.enabled = true;
    });
    for phone in ["447700902001", "+14155550199", "3815551234"] {
        let r = reg(&server, &format!("emqttd_reg_out_{}", &phone[1..5]), phone).await;
        assert_eq!(r, pair("error", "invalid_phone"), "{phone}");
    }
    assert!(server.outbox("sms").is_empty());
    for phone in ["380508882001", "393471232001"] {
        let r = reg(&server, &format!("emqttd_reg_in_{phone}"), phone).await;
        assert_eq!(r, pair("ok", "sms_sent"), "{phone}");
    }
    // Nothing is sent for a JWT session or a test number: no country rule.
    let mut jwt = server.reg("emqttd_reg_out_jwt").await;
    let jwt_reg = Auth {
        phone: Some("447700902002"),
        services: vec!["jwt"],
        ..Default::default()
    };
    assert_eq!(
        ask(&mut jwt, jwt_reg, "reg").await.0,
        pair("ok", "jwt_required")
    );
    let r = reg(&server, "emqttd_reg_out_test", "99900123457").await;
    assert_eq!(r, pair("ok", "sms_sent"));
    // Migration to a phone outside them: invalid_phone too.
    let (mut owner, _) = device(&server, "out_owner", "380508882009").await;
    let to = Req {
        phone: Some("447700902009"),
        ..Req::default()
    };
    ask_io(&mut owner, to, "migration", "error", "invalid_phone").await;
}
