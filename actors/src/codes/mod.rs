//! Verification codes, as Auth (`reg`, `resend`, `voice`) and Profile (`migration`)
//! send them: `[auth]`, which sets their length, lifetime and limits (`config.rs`),
//! and issuing, limiting and delivering them by SMS (`send.rs`).

mod config;
mod send;

pub use config::{AuthConfig, TestNumbers};
pub use send::{may_send, new_code, record_send, sms, SendCode, SmsOutcome};
