//! Delivery channels: the SmsActor and VoiceActor, the `Provider` seam they call,
//! and the providers behind it (a simulated outbox file by default).
//!
//! # Layout
//!
//! - `config.rs`   `[sms]` / `[voice]` settings, with their defaults
//! - `secret.rs`   a string that never prints (tokens, webhook URLs, header values)
//! - `delivery.rs` what to send: `Channel`, `Lang`, `Delivery` and its texts
//! - `provider.rs` the `Provider` trait and `DeliveryError`
//! - `simulated.rs` the outbox provider: one JSON line per delivery
//! - `gate.rs`     the in-flight bound and the waiting queue of one channel
//! - `actor.rs`    `ChannelActor` (`SmsActor`, `VoiceActor`) and its `SendCode` message
//! - `start.rs`    configuration checks and `start_channels`

mod actor;
mod config;
mod delivery;
mod gate;
mod provider;
mod secret;
mod simulated;
mod start;

pub use actor::{
    ChannelActor, ChannelKind, Limits, SendCode, SmsActor, SmsKind, VoiceActor, VoiceKind,
};
pub use config::{ChannelConfig, ProviderKind};
pub use delivery::{mask_phone, Channel, Delivery, Lang};
pub use provider::{DeliveryError, DeliveryFuture, Provider};
pub use secret::Secret;
pub use simulated::SimulatedProvider;
pub use start::{build_provider, start_channels, ChannelError};
