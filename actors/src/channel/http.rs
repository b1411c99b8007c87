//! The HTTP attempt loop shared by the webhook and Twilio providers: one
//! `reqwest` client per channel, the per-attempt timeout, retries with backoff.

use std::error::Error as _;

use reqwest::{header::RETRY_AFTER, Client, RequestBuilder};

use super::{
    provider::DeliveryError,
    retry::{judge_status, RetryPolicy, Verdict},
};

/// Sends one delivery's request, retrying as the policy says.
#[derive(Debug, Clone)]
pub struct HttpSender {
    /// Pooled connections to the provider; cheap to clone.
    client: Client,
    /// Timeout, retries and backoff.
    policy: RetryPolicy,
}

impl HttpSender {
    /// A sender with its own client. The connect timeout is the attempt timeout.
    pub fn new(policy: RetryPolicy) -> Result<Self, reqwest::Error> {
        let client = Client::builder()
            .connect_timeout(policy.attempt_timeout)
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, policy })
    }

    /// The client, for building requests.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends the request `make` builds (once per attempt) until it succeeds,
    /// fails for good, or the retries are spent; returns the last error.
    pub async fn send(
        &self,
        make: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> Result<(), DeliveryError> {
        let mut retry = 0;
        loop {
            let verdict = match make().timeout(self.policy.attempt_timeout).send().await {
                Ok(answer) => {
                    let retry_after = answer
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok());
                    judge_status(answer.status().as_u16(), retry_after)
                }
                Err(e) => judge_error(&e),
            };
            let (error, after) = match verdict {
                Verdict::Done => return Ok(()),
                Verdict::Fail(error) => return Err(error),
                Verdict::Retry { error, after } => (error, after),
            };
            if retry >= self.policy.max_retries {
                return Err(error);
            }
            let Some(wait) = self.policy.delay(retry, after) else {
                return Err(error);
            };
            log::debug!(
                "provider attempt {} failed ({error}); retrying in {} ms",
                retry + 1,
                wait.as_millis()
            );
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }
}

/// Judges a failure to get an answer: timeouts and connect errors are worth a
/// retry; anything else (the request may have reached the provider) is not.
fn judge_error(e: &reqwest::Error) -> Verdict {
    if e.is_timeout() {
        return Verdict::Retry {
            error: DeliveryError::Timeout,
            after: None,
        };
    }
    let error = DeliveryError::Transport(describe(e));
    if e.is_connect() {
        Verdict::Retry { error, after: None }
    } else {
        Verdict::Fail(error)
    }
}

/// The causes of a transport error, without reqwest's own line (which names
/// the URL, and a webhook URL may carry a key).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut out = kind.to_owned();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
