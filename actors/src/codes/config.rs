//! `[auth]` and `[auth.test_numbers]`: verification codes, their limits and the test
//! numbers, for Auth's codes and Profile's migration codes alike.

use std::fmt;

use serde::Deserialize;

/// `[auth]`: verification codes and the limits around them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Decimal digits in a verification code.
    pub code_length: usize,
    /// Seconds a code stays valid.
    pub code_ttl_secs: u64,
    /// Wrong verifies after which a code is dead until a resend.
    pub max_attempts: u32,
    /// Seconds between two sends for one session.
    pub resend_cooldown_secs: u64,
    /// Codes sent to one phone per rolling hour (reg, resend, voice and Profile
    /// migration together).
    pub max_sends_per_phone_per_hour: u32,
    /// Country calling codes (or longer prefixes) codes may be sent to, digits with
    /// an optional `+`; empty: every phone. Another phone's send is `invalid_phone`.
    pub allowed_country_codes: Vec<String>,
    /// Codes sent per clock hour to one country (the longest allowed prefix a phone
    /// starts with, else its E.164 calling code); beyond it `too_many_requests`. 0: off.
    pub max_sends_per_country_per_hour: u32,
    /// Codes sent per clock hour in all; beyond it `too_many_requests`. 0: off.
    pub max_sends_per_hour: u32,
    /// Failed verifies one connection may make, across tokens; the next verify is
    /// refused with `too_many_requests` and the connection closed. 0: no cap.
    /// (Enforced at the edge, which knows connections.)
    pub max_failed_verifies_per_connection: u32,
    /// Failed verifies one address (IPv4, or IPv6 /64) may make per hour, across
    /// tokens and connections; beyond it verifies get `too_many_requests`. 0: no cap.
    /// (Enforced at the edge, which knows addresses.)
    pub max_failed_verifies_per_ip_per_hour: u32,
    /// Phones that get a fixed code and no SMS.
    pub test_numbers: TestNumbers,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            code_length: 6,
            code_ttl_secs: 900,
            max_attempts: 5,
            resend_cooldown_secs: 30,
            max_sends_per_phone_per_hour: 5,
            allowed_country_codes: Vec::new(),
            max_sends_per_country_per_hour: 0,
            max_sends_per_hour: 0,
            max_failed_verifies_per_connection: 10,
            max_failed_verifies_per_ip_per_hour: 100,
            test_numbers: TestNumbers::default(),
        }
    }
}

impl AuthConfig {
    /// Checks what serde cannot; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let bad = self.allowed_country_codes.iter().find(|e| {
            let digits = e.strip_prefix('+').unwrap_or(e);
            digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit())
        });
        match bad {
            Some(e) => Err(format!(
                "auth.allowed_country_codes: {e:?} is not 1 to 15 digits (a leading + allowed)"
            )),
            None => Ok(()),
        }
    }
}

/// `[auth.test_numbers]`: for load tests and app-store review.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TestNumbers {
    /// Off by default: a production server sends real codes to every phone.
    pub enabled: bool,
    /// Phones (digits, no `+`) starting with this get the fixed code.
    pub prefix: String,
    /// The fixed code.
    pub code: String,
}

impl Default for TestNumbers {
    fn default() -> Self {
        Self {
            enabled: false,
            prefix: "99900".into(),
            code: "903182".into(),
        }
    }
}

impl fmt::Debug for TestNumbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestNumbers")
            .field("enabled", &self.enabled)
            .field("prefix", &self.prefix)
            .field("code", &"<redacted>")
            .finish()
    }
}

impl TestNumbers {
    /// Whether `phone` (digits) is a test number.
    pub fn covers(&self, phone: &str) -> bool {
        self.enabled && !self.prefix.is_empty() && phone.starts_with(&self.prefix)
    }
}
