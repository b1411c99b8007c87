//! Start-up checks shared by the providers: limits, required keys (naming the
//! environment variable that may supply each), URLs. Never echoes a secret.

use std::time::Duration;

use reqwest::Url;

use super::{
    actor::Limits, config::ChannelConfig, delivery::Channel, env::env_var, error::ChannelError,
    retry::RetryPolicy,
};

/// Slack between the provider's own worst case and the actor's deadline, so the
/// provider's last error (rather than a bare timeout) reaches the caller.
const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

/// Checks the limits every provider uses; `retries` says whether the provider
/// retries (HTTP) so the deadline must cover every attempt and wait.
pub fn check_limits(
    cfg: &ChannelConfig,
    channel: Channel,
    retries: bool,
) -> Result<Limits, ChannelError> {
    let section = channel.as_str();
    let invalid = |key, why: &str| ChannelError::Invalid {
        section,
        key,
        why: why.to_owned(),
    };
    if cfg.timeout_ms == 0 {
        return Err(invalid("timeout_ms", "must be at least 1"));
    }
    if cfg.max_concurrent == 0 {
        return Err(invalid("max_concurrent", "must be at least 1"));
    }
    let deadline = if retries {
        RetryPolicy::from_config(cfg)
            .worst_case()
            .saturating_add(DEADLINE_MARGIN)
    } else {
        Duration::from_millis(cfg.timeout_ms)
    };
    Ok(Limits {
        deadline,
        max_concurrent: cfg.max_concurrent,
        max_queued: cfg.max_queued,
    })
}

/// The error for a provider whose required keys are not all set: `keys` pairs
/// each key with whether it is present; the absent ones are named, each with its
/// environment variable.
pub fn missing(
    channel: Channel,
    provider: &'static str,
    keys: &[(&'static str, bool)],
) -> ChannelError {
    let missing: Vec<String> = keys
        .iter()
        .filter(|(_, present)| !present)
        .map(|(key, _)| format!("{key} (or {})", env_var(channel, key)))
        .collect();
    ChannelError::Missing {
        section: channel.as_str(),
        provider,
        missing: missing.join(", "),
    }
}

/// Parses an http(s) URL. The error says what is wrong, not what the URL was
/// (a webhook URL may embed a key).
pub fn parse_http_url(raw: &str, channel: Channel, key: &'static str) -> Result<Url, ChannelError> {
    let invalid = |why: &str| ChannelError::Invalid {
        section: channel.as_str(),
        key,
        why: why.to_owned(),
    };
    let url = Url::parse(raw).map_err(|e| invalid(&format!("not a valid URL ({e})")))?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(url),
        "http" | "https" => Err(invalid("has no host")),
        _ => Err(invalid("must start with http:// or https://")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_name_their_variables() {
        let err = missing(
            Channel::Voice,
            "twilio",
            &[
                ("account_sid", true),
                ("auth_token", false),
                ("from", false),
            ],
        );
        assert_eq!(
            err.to_string(),
            "[voice] provider = \"twilio\" needs auth_token (or ROSTER_VOICE_AUTH_TOKEN), from (or ROSTER_VOICE_FROM)"
        );
    }

    #[test]
    fn bad_urls_are_named_without_their_value() {
        for raw in ["not a url KEY123", "ftp://h/KEY123", "http://:KEY123@/"] {
            let err = parse_http_url(raw, Channel::Sms, "url")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("[sms] url: "), "{err}");
            assert!(!err.contains("KEY123"), "{err}");
        }
        assert!(parse_http_url("http://127.0.0.1:9/x?k=1", Channel::Sms, "url").is_ok());
    }

    #[test]
    fn the_deadline_covers_retries_only_for_retrying_providers() {
        let mut cfg = ChannelConfig::sms_default();
        cfg.timeout_ms = 1000;
        cfg.max_retries = 2;
        assert_eq!(
            check_limits(&cfg, Channel::Sms, false).unwrap().deadline,
            Duration::from_secs(1)
        );
        assert_eq!(
            check_limits(&cfg, Channel::Sms, true).unwrap().deadline,
            Duration::from_millis(5500)
        );
    }
}
