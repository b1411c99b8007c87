//! Secrets from the environment: `ROSTER_SMS_*` / `ROSTER_VOICE_*` override the
//! matching keys of the `[sms]` / `[voice]` section, so tokens can stay out of files.

use super::{config::ChannelConfig, delivery::Channel, secret::Secret};

/// The header an `..._AUTHORIZATION` variable sets.
const AUTHORIZATION: &str = "Authorization";

/// The name of the variable that can supply `key` for `channel`
/// (`ROSTER_SMS_AUTH_TOKEN` for `auth_token` of `[sms]`).
pub fn env_var(channel: Channel, key: &str) -> String {
    format!(
        "ROSTER_{}_{}",
        channel.as_str().to_uppercase(),
        key.to_uppercase()
    )
}

/// Returns `cfg` with every variable that is set and non-empty applied:
/// `_URL` → `url`, `_AUTH_TOKEN` → `auth_token`, `_ACCOUNT_SID` → `account_sid`,
/// `_FROM` → `from`, `_AUTHORIZATION` → the `Authorization` entry of `headers`.
/// `lookup` is `std::env::var(..).ok()` in the server and a map in tests.
pub fn overlay_env(
    cfg: &ChannelConfig,
    channel: Channel,
    lookup: impl Fn(&str) -> Option<String>,
) -> ChannelConfig {
    let get = |key: &str| lookup(&env_var(channel, key)).filter(|v| !v.is_empty());
    let mut out = cfg.clone();
    if let Some(v) = get("url") {
        out.url = Some(Secret::new(v));
    }
    if let Some(v) = get("auth_token") {
        out.auth_token = Some(Secret::new(v));
    }
    if let Some(v) = get("account_sid") {
        out.account_sid = Some(v);
    }
    if let Some(v) = get("from") {
        out.from = Some(v);
    }
    if let Some(v) = get("authorization") {
        out.headers
            .retain(|name, _| !name.eq_ignore_ascii_case(AUTHORIZATION));
        out.headers.insert(AUTHORIZATION.to_owned(), Secret::new(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn variables_override_the_file_and_empty_ones_do_not() {
        let mut file = ChannelConfig::sms_default();
        file.from = Some("+100".into());
        file.account_sid = Some("ACfile".into());
        file.headers
            .insert("authorization".into(), Secret::new("Bearer file"));
        let env: HashMap<&str, &str> = HashMap::from([
            ("ROSTER_SMS_AUTH_TOKEN", "tok-env"),
            ("ROSTER_SMS_URL", "https://hook.example/x"),
            ("ROSTER_SMS_ACCOUNT_SID", ""),
            ("ROSTER_SMS_AUTHORIZATION", "Bearer env"),
            ("ROSTER_VOICE_FROM", "+200"),
        ]);
        let out = overlay_env(&file, Channel::Sms, |k| env.get(k).map(|v| v.to_string()));
        assert_eq!(out.auth_token.unwrap().expose(), "tok-env");
        assert_eq!(out.url.unwrap().expose(), "https://hook.example/x");
        assert_eq!(
            out.account_sid.as_deref(),
            Some("ACfile"),
            "empty variable ignored"
        );
        assert_eq!(
            out.from.as_deref(),
            Some("+100"),
            "the voice variable does not touch sms"
        );
        assert_eq!(out.headers.len(), 1);
        assert_eq!(out.headers["Authorization"].expose(), "Bearer env");
    }

    #[test]
    fn variable_names() {
        assert_eq!(
            env_var(Channel::Voice, "auth_token"),
            "ROSTER_VOICE_AUTH_TOKEN"
        );
        assert_eq!(env_var(Channel::Sms, "url"), "ROSTER_SMS_URL");
    }
}
