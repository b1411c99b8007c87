//! ETF at the edge: bounded decoding of untrusted payloads into typed requests,
//! and encoding of typed replies.
//!
//! - [`decode`]: payload bytes → bounded [`eetf::Term`] (see `bounded.rs` for the
//!   accepted tags and the [`Limits`]) → [`Request`] read by record position.
//! - [`encode`]: [`Reply`] → bytes. Replies use one atom encoding,
//!   `SMALL_ATOM_UTF8_EXT` (119); text is `BINARY_EXT`, absent is `[]`, integers
//!   are 97/98/110 (see `encode.rs`).
//!
//! Files: `limits` (config), `error` (`InvalidData`), `bounded` + `inflate` (the
//! bounded decoder), `value` (field readers), `auth` / `profile` / `request` (typed
//! requests), `reply` + `encode` (replies), `redact` (`Debug` for secrets);
//! `vectors/` holds payloads made by Erlang/OTP and the script that made them.

mod auth;
mod bounded;
mod encode;
mod error;
mod inflate;
mod limits;
mod profile;
mod redact;
mod reply;
mod request;
mod value;

#[cfg(test)]
mod tests;

pub use auth::{AuthRequest, AuthType, Os};
pub use bounded::decode_term;
pub use encode::encode;
pub use error::InvalidData;
pub use limits::{Limits, DEPTH_CEILING};
pub use profile::{ProfileRequest, ProfileStatus, RosterEntry};
pub use reply::{AuthRecord, IoResult, ProfileRecord, Reply, RosterRecord, Tail};
pub use request::{decode, Request};
