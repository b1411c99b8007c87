//! Delivery channels: the SmsActor and VoiceActor, the `Provider` seam they call,
//! and the providers behind it (a simulated outbox by default, a webhook, Twilio).
//!
//! # Layout
//!
//! - `config.rs`    `[sms]` / `[voice]` settings, with their defaults
//! - `env.rs`       `ROSTER_SMS_*` / `ROSTER_VOICE_*` variables over the file
//! - `secret.rs`    a string that never prints (tokens, webhook URLs, header values)
//! - `delivery.rs`  what to send: `Channel`, `Lang`, `Delivery` and its texts
//! - `provider.rs`  the `Provider` trait and `DeliveryError`
//! - `simulated.rs` the outbox provider: one JSON line per delivery
//! - `retry.rs`     when an HTTP attempt is retried, and after how long
//! - `http.rs`      the attempt loop shared by the HTTP providers
//! - `webhook.rs`   `provider = "http"`: JSON POST to an operator's URL
//! - `twilio.rs`    `provider = "twilio"`: Messages and Calls (TwiML)
//! - `gate.rs`      the in-flight bound and the waiting queue of one channel
//! - `actor.rs`     `ChannelActor` (`SmsActor`, `VoiceActor`) and its `SendCode` message
//! - `check.rs`     start-up checks shared by the providers
//! - `error.rs`     `ChannelError`, why a channel could not start
//! - `start.rs`     `build_provider` and `start_channels`

mod actor;
mod check;
mod config;
mod delivery;
mod env;
mod error;
mod gate;
mod http;
mod provider;
mod retry;
mod secret;
mod simulated;
mod start;
mod twilio;
mod webhook;

#[cfg(test)]
mod test_server;

pub use actor::{
    ChannelActor, ChannelKind, Limits, SendCode, SmsActor, SmsKind, VoiceActor, VoiceKind,
};
pub use config::{ChannelConfig, ProviderKind, SMS_OUTBOX, VOICE_OUTBOX};
pub use delivery::{mask_phone, Channel, Delivery, Lang};
pub use env::{env_var, overlay_env};
pub use error::ChannelError;
pub use provider::{DeliveryError, DeliveryFuture, Provider};
pub use secret::Secret;
pub use simulated::SimulatedProvider;
pub use start::{build_provider, build_provider_with_env, start_channels};
