//! `provider = "http"`: a generic webhook. POSTs
//! `{"channel","to","code","lang","text"}` as JSON to `url` with the configured
//! extra headers; 2xx is success.

use std::fmt;

use reqwest::{
    header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE},
    Url,
};
use serde::Serialize;

use super::{
    check::{missing, parse_http_url},
    config::ChannelConfig,
    delivery::{Channel, Delivery},
    error::ChannelError,
    http::HttpSender,
    provider::{DeliveryError, DeliveryFuture, Provider},
};

/// Delivers by POSTing JSON to an operator's endpoint.
pub struct WebhookProvider {
    /// Client and retry loop.
    sender: HttpSender,
    /// The endpoint (may carry a key: never logged).
    url: Url,
    /// Extra headers, marked sensitive.
    headers: HeaderMap,
}

/// The JSON body of the webhook.
#[derive(Serialize)]
struct Body<'a> {
    /// "sms" or "voice".
    channel: &'static str,
    /// The destination in E.164: `+` and digits.
    to: String,
    /// The verification code, for providers that render their own text.
    code: &'a str,
    /// "ua" / "en" / "it" for voice, null for SMS.
    lang: Option<&'static str>,
    /// roster's rendered message or spoken text.
    text: &'a str,
}

impl WebhookProvider {
    /// Checks `url` and `headers` of `cfg` (after the environment overlay).
    pub fn from_config(
        cfg: &ChannelConfig,
        channel: Channel,
        sender: HttpSender,
    ) -> Result<Self, ChannelError> {
        let Some(raw) = cfg.url.as_ref().filter(|u| !u.is_empty()) else {
            return Err(missing(channel, "http", &[("url", false)]));
        };
        let url = parse_http_url(raw.expose(), channel, "url")?;
        let headers = header_map(cfg, channel)?;
        Ok(Self {
            sender,
            url,
            headers,
        })
    }
}

/// The `headers` table as a header map; a bad name or value is named by its
/// header name only.
fn header_map(cfg: &ChannelConfig, channel: Channel) -> Result<HeaderMap, ChannelError> {
    let invalid = |why: String| ChannelError::Invalid {
        section: channel.as_str(),
        key: "headers",
        why,
    };
    let mut map = HeaderMap::new();
    for (name, value) in &cfg.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("`{name}` is not a valid header name")))?;
        let mut value = HeaderValue::from_str(value.expose())
            .map_err(|_| invalid(format!("the value of `{name}` is not a valid header value")))?;
        value.set_sensitive(true);
        map.insert(header, value);
    }
    Ok(map)
}

impl fmt::Debug for WebhookProvider {
    /// Shows where deliveries go, not the path or query (they may carry a key).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookProvider")
            .field("host", &self.url.host_str().unwrap_or_default())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Provider for WebhookProvider {
    fn deliver<'a>(&'a self, d: &'a Delivery) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let body = Body {
                channel: d.channel.as_str(),
                to: format!("+{}", d.phone),
                code: &d.code,
                lang: d.lang.map(|l| l.as_str()),
                text: &d.text,
            };
            let body = serde_json::to_vec(&body)
                .map_err(|e| DeliveryError::Transport(format!("body: {e}")))?;
            let make = || {
                self.sender
                    .client()
                    .post(self.url.clone())
                    .headers(self.headers.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            };
            self.sender.send(&make).await
        })
    }
}

#[cfg(test)]
mod tests;
