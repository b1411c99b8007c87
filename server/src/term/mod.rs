//! ETF at the edge: bounded decoding of untrusted payloads into typed requests,
//! and encoding of typed replies.
//!
//! - [`decode`]: payload bytes → bounded [`eetf::Term`] (see `bounded.rs` for the
//!   accepted tags and the [`Limits`]) → [`Record`], every slot read by position
//!   with its wire type checked ([`read`]) → [`Request`], one typed variant per
//!   request kind, its fields validated into the domain's types (`Phone`, `Token`…).
//! - [`encode`]: [`Reply`] → bytes, atoms as `SMALL_ATOM_UTF8_EXT` (119); text is
//!   `BINARY_EXT`, absent is `[]`, integers are 97/98/110 (see `encode.rs`).
//!   [`to_latin1`] rewrites those atoms as `ATOM_EXT` (100) for clients that know
//!   no other, as `[wire] reply_atoms` and [`request_family`] choose (`atoms.rs`).
//!
//! Files: `atoms` (reply atom families), `limits` (config), `error` (`InvalidData`), `bounded` + `inflate` (the
//! bounded decoder), `value` (slot readers), `auth_slots` / `profile_slots` (the
//! records), `auth` / `profile` (one parser per request kind), `request` (both steps),
//! `reply` + `encode` (replies), `redact` (`Debug` for secrets); `vectors/` holds
//! payloads made by Erlang/OTP and the script that made them.

mod atoms;
mod auth;
mod auth_slots;
mod bounded;
mod encode;
mod error;
mod inflate;
mod limits;
mod profile;
mod profile_slots;
mod redact;
mod reply;
mod request;
mod value;

#[cfg(test)]
mod tests;

pub use atoms::{request_family, to_latin1, AtomFamily, ReplyAtoms};
pub use auth::AuthTuple;
pub use auth_slots::AuthSlots;
pub use bounded::decode_term;
pub use encode::encode;
pub use error::InvalidData;
pub use limits::{decode_work, Limits, DEPTH_CEILING};
pub use profile_slots::{ProfileSlots, ProfileStatus, RosterSlots};
pub use reply::{AuthRecord, IoResult, ProfileRecord, Reply, RosterRecord, Tail};
pub use request::{decode, read, Record, Request};
pub use roster_actors::auth::{AuthType, Os};
