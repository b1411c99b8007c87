//! When to retry an HTTP delivery and how long to wait: exponential backoff on
//! connect errors, timeouts, 5xx and 429 (honouring `Retry-After`); never on
//! other 4xx. Pure functions, so the rules are tested without a network.

use std::time::Duration;

use super::{config::ChannelConfig, provider::DeliveryError};

/// The retry rules of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Time limit of one HTTP attempt (`timeout_ms`).
    pub attempt_timeout: Duration,
    /// Retries after the first attempt (`max_retries`).
    pub max_retries: u32,
    /// Wait before the first retry (`backoff_ms`); doubles for each later one.
    pub backoff: Duration,
}

/// What to do after one attempt.
#[derive(Debug)]
pub enum Verdict {
    /// Delivered.
    Done,
    /// Worth another attempt; `after` is the provider's `Retry-After`, if any.
    Retry {
        /// The error to report if no attempt is left.
        error: DeliveryError,
        /// How long the provider asked us to wait.
        after: Option<Duration>,
    },
    /// Final: retrying cannot help.
    Fail(DeliveryError),
}

impl RetryPolicy {
    /// The policy `cfg` describes.
    pub fn from_config(cfg: &ChannelConfig) -> Self {
        Self {
            attempt_timeout: Duration::from_millis(cfg.timeout_ms),
            max_retries: cfg.max_retries,
            backoff: Duration::from_millis(cfg.backoff_ms),
        }
    }

    /// The wait before retry number `retry` (0 for the first), given the
    /// provider's `Retry-After`. `None`: the provider asks for more than one
    /// attempt's time limit, so give up now rather than deliver a code late.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(asked) if asked > self.attempt_timeout => None,
            Some(asked) => Some(asked),
            None => {
                let doubled = self
                    .backoff
                    .saturating_mul(2u32.saturating_pow(retry.min(16)));
                Some(doubled.min(self.attempt_timeout))
            }
        }
    }

    /// The longest a delivery can take under this policy: every attempt timing
    /// out and every wait at its cap. The actor's deadline is this plus a margin.
    pub fn worst_case(&self) -> Duration {
        let attempts = self.max_retries.saturating_add(1);
        let waits = self.max_retries;
        self.attempt_timeout
            .saturating_mul(attempts.saturating_add(waits))
    }
}

/// Judges an HTTP answer by its status and `Retry-After` header.
pub fn judge_status(status: u16, retry_after: Option<&str>) -> Verdict {
    match status {
        200..=299 => Verdict::Done,
        429 | 500..=599 => Verdict::Retry {
            error: DeliveryError::Rejected { status },
            after: retry_after.and_then(parse_retry_after),
        },
        _ => Verdict::Fail(DeliveryError::Rejected { status }),
    }
}

/// `Retry-After` in delta-seconds. An HTTP-date is not honoured (the usual
/// backoff applies instead): SMS providers send seconds.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempt_timeout: Duration::from_secs(2),
            max_retries: 3,
            backoff: Duration::from_millis(250),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_attempt_timeout() {
        let p = policy();
        let waits: Vec<_> = (0..5)
            .map(|n| p.delay(n, None).unwrap().as_millis())
            .collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 2000]);
        assert_eq!(
            p.delay(40, None),
            Some(Duration::from_secs(2)),
            "no overflow"
        );
    }

    #[test]
    fn retry_after_is_honoured_unless_longer_than_an_attempt() {
        let p = policy();
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1))
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(3))), None);
    }

    #[test]
    fn statuses() {
        assert!(matches!(judge_status(200, None), Verdict::Done));
        assert!(matches!(judge_status(201, None), Verdict::Done));
        assert!(matches!(
            judge_status(503, None),
            Verdict::Retry {
                error: DeliveryError::Rejected { status: 503 },
                after: None
            }
        ));
        match judge_status(429, Some(" 7 ")) {
            Verdict::Retry { after, .. } => assert_eq!(after, Some(Duration::from_secs(7))),
            other => panic!("{other:?}"),
        }
        for status in [400, 401, 403, 404, 408, 422] {
            assert!(
                matches!(
                    judge_status(status, None),
                    Verdict::Fail(DeliveryError::Rejected { .. })
                ),
                "{status}"
            );
        }
        assert!(matches!(judge_status(302, None), Verdict::Fail(_)));
    }

    #[test]
    fn http_dates_fall_back_to_backoff() {
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn worst_case_counts_attempts_and_waits() {
        assert_eq!(policy().worst_case(), Duration::from_secs(2 * 7));
        let once = RetryPolicy {
            max_retries: 0,
            ..policy()
        };
        assert_eq!(once.worst_case(), Duration::from_secs(2));
    }
}
