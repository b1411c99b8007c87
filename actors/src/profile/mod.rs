//! Profile (SPEC §5): the phone account's profile, its `'Roster'` accounts, the
//! contact email and moving the account to another phone.
//!
//! # Layout
//! - `request.rs`: [`ProfileRequest`], [`ProfileStatus`], [`RosterEntry`] (parsed at
//!   the edge).
//! - `answer.rs`: [`ProfileAnswer`], [`ProfileOk`], [`ProfileError`], [`ProfileView`].
//! - `config.rs`: [`ProfileConfig`], the `[profile]` section.
//! - `schema.rs`: [`SCHEMA`], the tables (migration 3).
//! - `actor.rs`: [`ProfileActor`] and its [`Handle`] message.
//! - `cache.rs`: [`ProfileCache`], `get` answers kept between the writes that change
//!   them (shared with Auth, whose logins and logouts change them too); `cached.rs`:
//!   [`CachedGet`], a `get` answered from it synchronously (the router's fast path).
//! - `ops/`: the operations, plain functions over a connection; [`ensure`] is called
//!   by Auth's `verify` to create the profile at an account's first login.

mod actor;
mod answer;
mod cache;
mod cached;
mod config;
mod ops;
mod request;
mod schema;

pub use actor::{Handle, ProfileActor, ProfileCaller};
pub use answer::{AccountView, Presence, ProfileAnswer, ProfileError, ProfileOk, ProfileView};
pub use cache::ProfileCache;
pub use cached::CachedGet;
pub use config::ProfileConfig;
pub use ops::{ensure, next_update, valid_email};
pub use request::{ProfileRequest, ProfileStatus, RosterEntry};
pub use schema::SCHEMA;
