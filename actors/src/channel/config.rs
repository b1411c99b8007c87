//! `[sms]` and `[voice]` settings: which provider, where the outbox is, limits and
//! credentials. One struct serves both sections.

use std::{collections::BTreeMap, path::PathBuf};

use serde::{Deserialize, Deserializer};

use super::{delivery::Channel, secret::Secret};

/// Which provider a channel delivers through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Append each delivery to a JSON-lines outbox file (development, tests, load).
    #[default]
    Simulated,
    /// POST a JSON body to a webhook of the operator's choosing.
    Http,
    /// Twilio's REST API (Messages for SMS, Calls with TwiML for voice).
    Twilio,
}

/// The settings of one channel: the `[sms]` or the `[voice]` section.
///
/// The server config holds two of these. Because the outbox default differs per
/// channel, its fields are declared as
///
/// ```text
/// #[serde(default = "ChannelConfig::sms_default", deserialize_with = "ChannelConfig::deserialize_sms")]
/// pub sms: ChannelConfig,
/// #[serde(default = "ChannelConfig::voice_default", deserialize_with = "ChannelConfig::deserialize_voice")]
/// pub voice: ChannelConfig,
/// ```
///
/// `default` covers a missing section, `deserialize_with` a section without `outbox`.
/// Secrets (`url`, `auth_token`, header values) are [`Secret`]s, so `Debug` is safe.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelConfig {
    /// Which provider delivers this channel's codes.
    pub provider: ProviderKind,
    /// The simulated provider's JSON-lines file. Empty means the channel's default
    /// (`data/sms-outbox.jsonl` or `data/voice-outbox.jsonl`).
    pub outbox: PathBuf,
    /// How long one provider request may take, in milliseconds.
    pub timeout_ms: u64,
    /// How many deliveries may be in flight at once on this channel.
    pub max_concurrent: usize,
    /// How many deliveries may wait for a free slot; beyond that they fail as busy.
    pub max_queued: usize,
    /// How many times a failed HTTP request is retried (connect errors, timeouts, 5xx, 429).
    pub max_retries: u32,
    /// Wait before the first retry, in milliseconds; doubles for each later retry,
    /// never beyond `timeout_ms`.
    pub backoff_ms: u64,
    /// The webhook (`provider = "http"`); may embed a key, so it is a secret.
    pub url: Option<Secret>,
    /// Extra headers sent to the webhook (e.g. `Authorization`); values are secrets.
    pub headers: BTreeMap<String, Secret>,
    /// Twilio account SID (user name of the basic auth, part of the URL path).
    pub account_sid: Option<String>,
    /// Twilio auth token (password of the basic auth).
    pub auth_token: Option<Secret>,
    /// Twilio sender: a phone number in E.164 or a messaging service / caller id.
    pub from: Option<String>,
    /// Twilio API root; configurable so tests can point it at a local server.
    pub base_url: String,
}

/// Where the simulated SMS provider writes when the config says nothing.
pub const SMS_OUTBOX: &str = "data/sms-outbox.jsonl";
/// Where the simulated voice provider writes when the config says nothing.
pub const VOICE_OUTBOX: &str = "data/voice-outbox.jsonl";

impl Default for ChannelConfig {
    /// Channel-neutral defaults: `outbox` is empty, meaning "the channel's default".
    fn default() -> Self {
        Self {
            provider: ProviderKind::Simulated,
            outbox: PathBuf::new(),
            timeout_ms: 10_000,
            max_concurrent: 64,
            max_queued: 1024,
            max_retries: 2,
            backoff_ms: 250,
            url: None,
            headers: BTreeMap::new(),
            account_sid: None,
            auth_token: None,
            from: None,
            base_url: "https://api.twilio.com".to_owned(),
        }
    }
}

impl ChannelConfig {
    /// The `[sms]` section when the config file has none.
    pub fn sms_default() -> Self {
        Self::default().with_default_outbox(Channel::Sms)
    }

    /// The `[voice]` section when the config file has none.
    pub fn voice_default() -> Self {
        Self::default().with_default_outbox(Channel::Voice)
    }

    /// Fills an empty `outbox` with the channel's default path.
    pub fn with_default_outbox(mut self, channel: Channel) -> Self {
        if self.outbox.as_os_str().is_empty() {
            self.outbox = PathBuf::from(match channel {
                Channel::Sms => SMS_OUTBOX,
                Channel::Voice => VOICE_OUTBOX,
            });
        }
        self
    }

    /// `deserialize_with` for the server config's `sms` field.
    pub fn deserialize_sms<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d).map(|c| c.with_default_outbox(Channel::Sms))
    }

    /// `deserialize_with` for the server config's `voice` field.
    pub fn deserialize_voice<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d).map(|c| c.with_default_outbox(Channel::Voice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Server {
        #[serde(
            default = "ChannelConfig::sms_default",
            deserialize_with = "ChannelConfig::deserialize_sms"
        )]
        sms: ChannelConfig,
        #[serde(
            default = "ChannelConfig::voice_default",
            deserialize_with = "ChannelConfig::deserialize_voice"
        )]
        voice: ChannelConfig,
    }

    #[test]
    fn missing_sections_and_keys_get_each_channels_outbox() {
        let none: Server = serde_json::from_str("{}").unwrap();
        assert_eq!(none.sms.outbox, PathBuf::from(SMS_OUTBOX));
        assert_eq!(none.voice.outbox, PathBuf::from(VOICE_OUTBOX));
        let empty: Server = serde_json::from_str(r#"{"sms":{},"voice":{"timeout_ms":5}}"#).unwrap();
        assert_eq!(empty.sms.outbox, PathBuf::from(SMS_OUTBOX));
        assert_eq!(empty.voice.outbox, PathBuf::from(VOICE_OUTBOX));
        assert_eq!(empty.voice.timeout_ms, 5);
        assert_eq!(empty.voice.max_concurrent, 64);
        assert_eq!(empty.voice.max_retries, 2);
        assert_eq!(empty.voice.base_url, "https://api.twilio.com");
    }

    #[test]
    fn provider_names_are_lowercase_and_unknown_keys_are_refused() {
        let c: ChannelConfig = serde_json::from_str(r#"{"provider":"twilio"}"#).unwrap();
        assert_eq!(c.provider, ProviderKind::Twilio);
        assert!(serde_json::from_str::<ChannelConfig>(r#"{"provider":"Twilio"}"#).is_err());
        let err = serde_json::from_str::<ChannelConfig>(r#"{"outbx":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("outbx"), "{err}");
    }

    #[test]
    fn debug_hides_tokens_urls_and_header_values() {
        let c: ChannelConfig = serde_json::from_str(
            r#"{"provider":"http","url":"https://h/x?key=URLKEY","auth_token":"TOKEN42",
                "headers":{"Authorization":"Bearer HDRKEY"},"account_sid":"AC1"}"#,
        )
        .unwrap();
        let shown = format!("{c:?}");
        for secret in ["URLKEY", "TOKEN42", "HDRKEY"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(
            shown.contains("Authorization") && shown.contains("AC1"),
            "{shown}"
        );
    }
}
