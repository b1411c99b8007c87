//! Webhook provider against a local server: body, headers, retries, timeouts.

use std::{collections::HashMap, sync::Arc, time::Duration};

use actix::Actor;
use tokio::{net::TcpListener, time::Instant};

use super::WebhookProvider;
use crate::channel::{
    build_provider_with_env,
    http::HttpSender,
    retry::RetryPolicy,
    test_server::{Answer, TestServer},
    Channel, ChannelConfig, ChannelError, Delivery, DeliveryError, Lang, Provider, ProviderKind,
    Secret, SendCode, SmsActor,
};

fn cfg(url: &str, timeout_ms: u64, max_retries: u32) -> ChannelConfig {
    let mut c = ChannelConfig::sms_default();
    c.provider = ProviderKind::Http;
    c.url = Some(Secret::new(url));
    c.timeout_ms = timeout_ms;
    c.max_retries = max_retries;
    c.backoff_ms = 10;
    c
}

fn provider(c: &ChannelConfig) -> Arc<dyn Provider> {
    build_provider_with_env(c, Channel::Sms, |_| None)
        .unwrap()
        .0
}

fn sms() -> Delivery {
    Delivery::sms("380501234522", "123456")
}

#[actix_rt::test]
async fn posts_the_json_body_with_the_configured_headers() {
    let server = TestServer::start(vec![Answer::Status(204)]).await;
    let mut c = cfg(&format!("{}/hook?key=abc", server.url), 2000, 2);
    c.headers
        .insert("Authorization".into(), Secret::new("Bearer s3cret"));
    c.headers.insert("X-Tenant".into(), Secret::new("roster"));
    let p = build_provider_with_env(&c, Channel::Voice, |_| None)
        .unwrap()
        .0;
    p.deliver(&Delivery::voice("380501234522", "123456", Lang::En))
        .await
        .unwrap();

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/hook?key=abc")
    );
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("authorization"), "Bearer s3cret");
    assert_eq!(r.header("x-tenant"), "roster");
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "channel": "voice",
            "to": "+380501234522",
            "code": "123456",
            "lang": "en",
            "text": "Your roster code is 1, 2, 3, 4, 5, 6",
        })
    );
}

#[actix_rt::test]
async fn sms_bodies_carry_a_null_lang() {
    let server = TestServer::start(vec![]).await;
    provider(&cfg(&server.url, 2000, 0))
        .deliver(&sms())
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&server.seen()[0].body).unwrap();
    assert_eq!(body["channel"], "sms");
    assert!(body["lang"].is_null());
    assert_eq!(body["text"], "Your roster code: 123456");
}

#[actix_rt::test]
async fn server_errors_are_retried_until_success() {
    let server = TestServer::start(vec![Answer::Status(500), Answer::Status(503)]).await;
    provider(&cfg(&server.url, 2000, 2))
        .deliver(&sms())
        .await
        .unwrap();
    assert_eq!(server.seen().len(), 3);
}

#[actix_rt::test]
async fn retries_stop_at_max_retries_with_the_last_status() {
    let server = TestServer::start(vec![Answer::Status(500); 4]).await;
    let r = provider(&cfg(&server.url, 2000, 2)).deliver(&sms()).await;
    assert!(
        matches!(r, Err(DeliveryError::Rejected { status: 500 })),
        "{r:?}"
    );
    assert_eq!(server.seen().len(), 3, "one attempt and two retries");
}

#[actix_rt::test]
async fn a_client_error_is_not_retried() {
    let server = TestServer::start(vec![Answer::Status(400)]).await;
    let r = provider(&cfg(&server.url, 2000, 2)).deliver(&sms()).await;
    assert!(
        matches!(r, Err(DeliveryError::Rejected { status: 400 })),
        "{r:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[actix_rt::test]
async fn retry_after_is_honoured() {
    let server = TestServer::start(vec![Answer::RetryAfter(429, 1)]).await;
    let started = Instant::now();
    provider(&cfg(&server.url, 2000, 2))
        .deliver(&sms())
        .await
        .unwrap();
    assert_eq!(server.seen().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
}

#[actix_rt::test]
async fn a_retry_after_longer_than_an_attempt_gives_up_at_once() {
    let server = TestServer::start(vec![Answer::RetryAfter(429, 60)]).await;
    let r = provider(&cfg(&server.url, 1000, 2)).deliver(&sms()).await;
    assert!(
        matches!(r, Err(DeliveryError::Rejected { status: 429 })),
        "{r:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[actix_rt::test]
async fn a_hanging_server_times_out_after_each_attempt() {
    let server = TestServer::start(vec![Answer::Hang, Answer::Hang]).await;
    let started = Instant::now();
    let r = provider(&cfg(&server.url, 200, 1)).deliver(&sms()).await;
    assert!(matches!(r, Err(DeliveryError::Timeout)), "{r:?}");
    assert_eq!(server.seen().len(), 2, "the timeout was retried once");
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[actix_rt::test]
async fn a_refused_connection_is_a_transport_error_without_the_url() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let r = provider(&cfg(&format!("http://{addr}/h?key=URLSECRET"), 500, 1))
        .deliver(&sms())
        .await;
    let Err(DeliveryError::Transport(why)) = r else {
        panic!("{r:?}")
    };
    assert!(why.starts_with("could not connect"), "{why}");
    assert!(
        !why.contains("URLSECRET") && !why.contains("123456"),
        "{why}"
    );
}

#[actix_rt::test]
async fn a_hanging_request_does_not_delay_another_on_the_same_actor() {
    let server = TestServer::start(vec![Answer::Hang]).await;
    let (p, limits) =
        build_provider_with_env(&cfg(&server.url, 300, 0), Channel::Sms, |_| None).unwrap();
    let addr = SmsActor::new(p, limits).start();
    let hung = actix_rt::spawn(addr.send(SendCode(Delivery::sms("380501234522", "111111"))));
    // The first request must reach the server first, so the second is the one answered.
    server.wait_for(1).await;
    addr.send(SendCode(Delivery::sms("380501234522", "222222")))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !hung.is_finished(),
        "the second delivery finished while the first still hangs"
    );
    let r = hung.await.unwrap().unwrap();
    assert!(matches!(r, Err(DeliveryError::Timeout)), "{r:?}");
}

#[test]
fn the_url_is_required_and_may_come_from_the_environment() {
    let mut c = cfg("", 1000, 0);
    c.url = None;
    let err = build_provider_with_env(&c, Channel::Sms, |_| None)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "[sms] provider = \"http\" needs url (or ROSTER_SMS_URL)"
    );
    let env = HashMap::from([("ROSTER_SMS_URL", "http://127.0.0.1:9/hook")]);
    assert!(
        build_provider_with_env(&c, Channel::Sms, |k| env.get(k).map(|v| v.to_string())).is_ok()
    );
}

#[test]
fn bad_headers_are_named_without_their_values() {
    let mut c = cfg("http://127.0.0.1:9/", 1000, 0);
    c.headers
        .insert("Authorization".into(), Secret::new("Bearer SECRET\nX"));
    let err = build_provider_with_env(&c, Channel::Sms, |_| None)
        .err()
        .unwrap();
    assert!(
        matches!(err, ChannelError::Invalid { key: "headers", .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("Authorization") && !err.to_string().contains("SECRET"),
        "{err}"
    );
}

#[test]
fn debug_of_the_provider_hides_the_url_key_and_header_values() {
    let mut c = cfg("http://127.0.0.1:9/hook?key=URLSECRET", 1000, 0);
    c.headers
        .insert("Authorization".into(), Secret::new("Bearer HDRSECRET"));
    let sender = HttpSender::new(RetryPolicy::from_config(&c)).unwrap();
    let shown = format!(
        "{:?}",
        WebhookProvider::from_config(&c, Channel::Sms, sender).unwrap()
    );
    assert!(
        !shown.contains("URLSECRET") && !shown.contains("HDRSECRET"),
        "{shown}"
    );
    assert!(
        shown.contains("127.0.0.1") && shown.contains("authorization"),
        "{shown}"
    );
}
