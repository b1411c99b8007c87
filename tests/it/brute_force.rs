//! Guessing codes across tokens: beyond `auth.max_attempts` per code and the sends per
//! phone, failed verifies are capped per connection and per address.

use crate::support::{
    etf::{io, pair, tail_token, Auth},
    harness::{Client, TestServer},
};

/// The fixed code of test numbers (`auth.test_numbers`), so no SMS limit applies.
const CODE: &str = "903182";
const WRONG: &str = "000000";

async fn reg(dev: &mut Client, phone: &str) -> String {
    let (r, tail) = io(&dev.request(Auth::phone(phone).encode("reg")).await);
    assert_eq!(r, pair("ok", "sms_sent"));
    tail_token(&tail)
}

async fn verify(dev: &mut Client, token: &str, code: &str) -> eetf::Term {
    io(&dev.request(Auth::code(token, code).encode("verify")).await).0
}

#[tokio::test]
async fn failed_verifies_are_capped_per_connection_and_per_address() {
    let server = TestServer::with(|c| {
        c.auth.test_numbers.enabled = true;
        c.auth.max_attempts = 100;
        c.auth.max_failed_verifies_per_connection = 3;
        c.auth.max_failed_verifies_per_ip_per_hour = 5;
    });
    // One connection: three failures, spread over its own token and others.
    let mut a = server.reg("emqttd_reg_guess1").await;
    let token = reg(&mut a, "9990011100").await;
    assert_eq!(
        verify(&mut a, &token, WRONG).await,
        pair("error", "invalid_sms_code")
    );
    assert_eq!(
        verify(&mut a, "feedfacefeedfacefeedfacefeedface", WRONG).await,
        pair("error", "session_not_found")
    );
    assert_eq!(
        verify(&mut a, &token, "111111").await,
        pair("error", "invalid_sms_code")
    );
    // The fourth verify is refused unchecked, even with the right code, and the
    // connection is closed.
    assert_eq!(
        verify(&mut a, &token, CODE).await,
        pair("error", "too_many_requests")
    );
    a.closed().await;

    // A new connection from the same address: two more failures reach the
    // address's five; then it is refused too, but stays connected.
    let mut b = server.reg("emqttd_reg_guess2").await;
    let token_b = reg(&mut b, "9990011101").await;
    for _ in 0..2 {
        assert_eq!(
            verify(&mut b, &token_b, WRONG).await,
            pair("error", "invalid_sms_code")
        );
    }
    assert_eq!(
        verify(&mut b, &token_b, CODE).await,
        pair("error", "too_many_requests")
    );
    let again = reg(&mut b, "9990011101").await;
    assert_eq!(
        verify(&mut b, &again, CODE).await,
        pair("error", "too_many_requests"),
        "the address stays capped for the hour, whatever the token"
    );
}

#[tokio::test]
async fn successful_verifies_are_not_counted() {
    let server = TestServer::with(|c| {
        c.auth.test_numbers.enabled = true;
        c.auth.max_failed_verifies_per_connection = 1;
        c.auth.max_failed_verifies_per_ip_per_hour = 1;
    });
    for i in 0..3 {
        let mut dev = server.reg(&format!("emqttd_reg_honest{i}")).await;
        let token = reg(&mut dev, &format!("999001120{i}")).await;
        let r = verify(&mut dev, &token, CODE).await;
        assert!(
            matches!(&r, eetf::Term::Tuple(t) if t.elements[0] == crate::support::etf::atom("ok2")),
            "{r}"
        );
    }
}
