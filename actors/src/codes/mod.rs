//! Verification codes, as Auth (`reg`, `resend`, `voice`) and Profile (`migration`)
//! send them: `[auth]`, which sets their length, lifetime and limits (`config.rs`);
//! issuing, limiting and delivering them by SMS (`send.rs`); the hourly spend budgets
//! and the allowed countries (`spend.rs`), by country calling code (`country.rs`).

mod config;
mod country;
mod send;
mod spend;

pub use config::{AuthConfig, TestNumbers};
pub use send::{may_send, new_code, record_send, sms, MaySend, SendCode, SmsOutcome};
