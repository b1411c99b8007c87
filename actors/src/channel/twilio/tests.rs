//! Twilio provider against a local server: URL, form fields, basic auth, TwiML.

use std::{collections::HashMap, sync::Arc};

use super::twiml;
use crate::channel::{
    build_provider_with_env,
    test_server::{Answer, Seen, TestServer},
    Channel, ChannelConfig, Delivery, DeliveryError, Lang, Provider, ProviderKind, Secret,
};

fn cfg(base_url: &str) -> ChannelConfig {
    let mut c = ChannelConfig::sms_default();
    c.provider = ProviderKind::Twilio;
    c.account_sid = Some("AC123".into());
    c.auth_token = Some(Secret::new("tok-secret"));
    c.from = Some("+15005550006".into());
    c.base_url = format!("{base_url}/");
    c.backoff_ms = 10;
    c
}

fn provider(c: &ChannelConfig, channel: Channel) -> Arc<dyn Provider> {
    build_provider_with_env(c, channel, |_| None).unwrap().0
}

fn form(seen: &Seen) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&seen.body)
        .unwrap()
        .into_iter()
        .collect()
}

fn assert_twilio_request(r: &Seen, leaf: &str) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, format!("/2010-04-01/Accounts/AC123/{leaf}"));
    assert_eq!(
        r.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    // base64("AC123:tok-secret")
    assert_eq!(r.header("authorization"), "Basic QUMxMjM6dG9rLXNlY3JldA==");
}

#[actix_rt::test]
async fn sms_goes_to_messages_with_to_from_body_and_basic_auth() {
    let server = TestServer::start(vec![Answer::Status(201)]).await;
    provider(&cfg(&server.url), Channel::Sms)
        .deliver(&Delivery::sms("380501234522", "123456"))
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_twilio_request(&seen[0], "Messages.json");
    let fields = form(&seen[0]);
    assert_eq!(fields.len(), 3, "{fields:?}");
    assert_eq!(fields["To"], "+380501234522");
    assert_eq!(fields["From"], "+15005550006");
    assert_eq!(fields["Body"], "Your roster code: 123456");
}

#[actix_rt::test]
async fn voice_goes_to_calls_with_twiml_in_the_sessions_language() {
    let server = TestServer::start(vec![Answer::Status(201)]).await;
    let mut c = cfg(&server.url);
    c.outbox = ChannelConfig::voice_default().outbox;
    provider(&c, Channel::Voice)
        .deliver(&Delivery::voice("390612345678", "123456", Lang::It))
        .await
        .unwrap();
    let seen = server.seen();
    assert_twilio_request(&seen[0], "Calls.json");
    let fields = form(&seen[0]);
    assert_eq!(fields.len(), 3, "{fields:?}");
    assert_eq!(fields["To"], "+390612345678");
    let say = r#"<Say language="it-IT">Il tuo codice roster è 1, 2, 3, 4, 5, 6</Say>"#;
    assert_eq!(
        fields["Twiml"],
        format!(r#"<Response>{say}<Pause length="1"/>{say}</Response>"#)
    );
}

#[test]
fn twiml_locales_and_escaping() {
    let ua = twiml(&Delivery::voice("380501234522", "42", Lang::Ua));
    assert_eq!(
        ua.matches(r#"<Say language="uk-UA">Ваш код roster: 4, 2</Say>"#)
            .count(),
        2,
        "{ua}"
    );
    let en = twiml(&Delivery::voice("380501234522", "42", Lang::En));
    assert!(
        en.contains(r#"<Say language="en-US">Your roster code is 4, 2</Say>"#),
        "{en}"
    );
    let mut odd = Delivery::voice("380501234522", "1", Lang::En);
    odd.text = "a<b>&\"c'".into();
    assert!(twiml(&odd).contains("a&lt;b&gt;&amp;&quot;c&apos;"));
}

#[actix_rt::test]
async fn twilio_errors_are_retried_like_the_webhooks() {
    let server = TestServer::start(vec![Answer::Status(503), Answer::Status(401)]).await;
    let r = provider(&cfg(&server.url), Channel::Sms)
        .deliver(&Delivery::sms("380501234522", "123456"))
        .await;
    assert!(
        matches!(r, Err(DeliveryError::Rejected { status: 401 })),
        "{r:?}"
    );
    assert_eq!(server.seen().len(), 2, "503 retried, 401 not");
}

#[test]
fn missing_credentials_are_listed_with_their_variables() {
    let mut c = cfg("http://127.0.0.1:9");
    c.auth_token = None;
    c.from = None;
    let err = build_provider_with_env(&c, Channel::Voice, |_| None)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        err,
        "[voice] provider = \"twilio\" needs auth_token (or ROSTER_VOICE_AUTH_TOKEN), from (or ROSTER_VOICE_FROM)"
    );
    let env = HashMap::from([
        ("ROSTER_VOICE_AUTH_TOKEN", "t"),
        ("ROSTER_VOICE_FROM", "+1555"),
    ]);
    assert!(
        build_provider_with_env(&c, Channel::Voice, |k| env.get(k).map(|v| v.to_string())).is_ok()
    );
}

#[test]
fn a_sid_that_would_bend_the_url_is_refused() {
    let mut c = cfg("http://127.0.0.1:9");
    c.account_sid = Some("AC1/../x".into());
    let err = build_provider_with_env(&c, Channel::Sms, |_| None)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(err, "[sms] account_sid: must be letters and digits");
}

#[test]
fn debug_of_the_provider_hides_the_token() {
    let shown = format!(
        "{:?}",
        super::TwilioProvider::from_config(&cfg("http://127.0.0.1:9"), Channel::Sms, sender())
            .unwrap()
    );
    assert!(!shown.contains("tok-secret"), "{shown}");
    assert!(shown.contains("AC123"), "{shown}");
}

fn sender() -> crate::channel::http::HttpSender {
    crate::channel::http::HttpSender::new(crate::channel::retry::RetryPolicy::from_config(&cfg(
        "http://127.0.0.1:9",
    )))
    .unwrap()
}
