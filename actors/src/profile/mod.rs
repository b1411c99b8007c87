//! Profile (docs/protocol.md, "Profile"): the phone account's profile, its `'Roster'`
//! accounts, the contact email and moving the account to another phone.
//!
//! # Layout
//! - `request.rs`: [`ProfileRequest`], one variant per status, as the edge parsed it;
//!   `email.rs`: [`EmailAddress`], the validated contact email.
//! - `answer.rs`: [`ProfileAnswer`], [`ProfileOk`], [`ProfileError`], [`ProfileView`].
//! - `config.rs`: [`ProfileConfig`], the `[profile]` section.
//! - `schema.rs`: [`SCHEMA`], the tables (migration 3).
//! - `actor.rs`: [`ProfileActor`] and its [`ProfileCall`] message.
//! - `cache.rs`: [`ProfileCache`], `get` answers kept between the writes that change
//!   them (shared with Auth, whose logins and logouts change them too); `cached.rs`:
//!   [`CachedGet`], a `get` answered from it synchronously (the router's fast path).
//! - `ops/`: the operations, plain functions over a connection; [`ensure`] is called
//!   by Auth's `verify` to create the profile at an account's first login.
//!
//! Profile imports nothing of Auth: what both need is in `codes`, `sessions`,
//! `caller` and `phone`.

mod actor;
mod answer;
mod cache;
mod cached;
mod config;
mod email;
mod ops;
mod request;
mod schema;

pub use actor::{ProfileActor, ProfileCall};
pub use answer::{AccountView, Presence, ProfileAnswer, ProfileError, ProfileOk, ProfileView};
pub use cache::ProfileCache;
pub use cached::CachedGet;
pub use config::ProfileConfig;
pub use email::{valid_email, EmailAddress};
pub use ops::{ensure, next_update};
pub use request::{
    AccountChange, Change, Confirm, Email, Get, Migration, ProfileRequest, Remove, Update,
};
pub use schema::SCHEMA;
