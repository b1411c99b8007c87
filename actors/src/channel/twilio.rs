//! `provider = "twilio"`: Twilio's REST API. SMS through `Messages.json` with
//! `Body`; voice through `Calls.json` with TwiML that says the code twice in the
//! session's language. Form-encoded, HTTP basic auth `account_sid:auth_token`.

use reqwest::Url;

use super::{
    check::{missing, parse_http_url},
    config::ChannelConfig,
    delivery::{Channel, Delivery, Lang},
    error::ChannelError,
    http::HttpSender,
    provider::{DeliveryFuture, Provider},
    secret::Secret,
};

/// Delivers through Twilio (or anything speaking its REST shape at `base_url`).
#[derive(Debug)]
pub struct TwilioProvider {
    /// Client and retry loop.
    sender: HttpSender,
    /// `{base_url}/2010-04-01/Accounts/{sid}/Messages.json`.
    messages: Url,
    /// `{base_url}/2010-04-01/Accounts/{sid}/Calls.json`.
    calls: Url,
    /// Basic-auth user name.
    account_sid: String,
    /// Basic-auth password.
    auth_token: Secret,
    /// The sender number or id Twilio shows.
    from: String,
}

impl TwilioProvider {
    /// Checks `account_sid`, `auth_token`, `from` and `base_url` of `cfg` (after
    /// the environment overlay), reporting every missing key at once.
    pub fn from_config(
        cfg: &ChannelConfig,
        channel: Channel,
        sender: HttpSender,
    ) -> Result<Self, ChannelError> {
        let sid = cfg.account_sid.as_deref().filter(|s| !s.is_empty());
        let token = cfg.auth_token.as_ref().filter(|t| !t.is_empty());
        let from = cfg.from.as_deref().filter(|s| !s.is_empty());
        let (Some(sid), Some(token), Some(from)) = (sid, token, from) else {
            let keys = [
                ("account_sid", sid.is_some()),
                ("auth_token", token.is_some()),
                ("from", from.is_some()),
            ];
            return Err(missing(channel, "twilio", &keys));
        };
        if !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ChannelError::Invalid {
                section: channel.as_str(),
                key: "account_sid",
                why: "must be letters and digits".to_owned(),
            });
        }
        let base = parse_http_url(&cfg.base_url, channel, "base_url")?;
        let root = base.as_str().trim_end_matches('/');
        let endpoint = |leaf: &str| {
            parse_http_url(
                &format!("{root}/2010-04-01/Accounts/{sid}/{leaf}"),
                channel,
                "base_url",
            )
        };
        Ok(Self {
            sender,
            messages: endpoint("Messages.json")?,
            calls: endpoint("Calls.json")?,
            account_sid: sid.to_owned(),
            auth_token: token.clone(),
            from: from.to_owned(),
        })
    }
}

/// TwiML that says `d.text` twice, a pause between, in the delivery's language.
fn twiml(d: &Delivery) -> String {
    let locale = d.lang.unwrap_or(Lang::En).locale();
    let say = format!("<Say language=\"{locale}\">{}</Say>", xml_escape(&d.text));
    format!("<Response>{say}<Pause length=\"1\"/>{say}</Response>")
}

/// Escapes text for an XML element.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

impl Provider for TwilioProvider {
    fn deliver<'a>(&'a self, d: &'a Delivery) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let to = format!("+{}", d.phone);
            let (url, form) = match d.channel {
                Channel::Sms => (
                    &self.messages,
                    [
                        ("To", to),
                        ("From", self.from.clone()),
                        ("Body", d.text.clone()),
                    ],
                ),
                Channel::Voice => (
                    &self.calls,
                    [("To", to), ("From", self.from.clone()), ("Twiml", twiml(d))],
                ),
            };
            let make = || {
                self.sender
                    .client()
                    .post(url.clone())
                    .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
                    .form(&form)
            };
            self.sender.send(&make).await
        })
    }
}

#[cfg(test)]
mod tests;
