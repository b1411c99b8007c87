//! ETF at the edge: bounded decoding of untrusted payloads into typed requests.
//!
//! - [`decode`]: payload bytes → bounded [`eetf::Term`] (see `bounded.rs` for the
//!   accepted tags and the [`Limits`]) → [`Request`] read by record position.
//!
//! Files: `limits` (config), `error` (`InvalidData`), `bounded` + `inflate` (the
//! bounded decoder), `value` (field readers), `auth` / `profile` / `request` (typed
//! requests), `redact` (`Debug` for secrets);
//! `vectors/` holds payloads made by Erlang/OTP and the script that made them.

mod auth;
mod bounded;
mod error;
mod inflate;
mod limits;
mod profile;
mod redact;
mod request;
mod value;

#[cfg(test)]
mod tests;

pub use auth::{AuthRequest, AuthType, Os};
pub use error::InvalidData;
pub use limits::{Limits, DEPTH_CEILING};
pub use profile::{ProfileRequest, ProfileStatus, RosterEntry};
pub use request::{decode, Request};
