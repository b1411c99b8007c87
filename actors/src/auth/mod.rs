//! Auth (docs/protocol.md, "Auth"): registration by SMS, voice call or JWT; sessions
//! on many devices.
//!
//! - `kind.rs`: [`AuthType`] (the kinds, and who may ask each), [`Os`].
//! - `request.rs`: [`AuthRequest`], one variant per kind, as the edge parsed it.
//! - `answer.rs`: [`AuthAnswer`], [`AuthOk`], [`AuthError`], [`SessionView`].
//! - `config.rs`: [`JwtConfig`] (`[jwt]`); `[auth]` is [`AuthConfig`], in `codes`.
//! - `jwt.rs`: [`JwtVerifier`]; `schema.rs`: [`SCHEMA`], the tables.
//! - `actor.rs`: [`AuthActor`] and its messages ([`AuthCall`], [`CheckToken`],
//!   [`Disconnected`]).
//! - `ops/`: the operations, plain functions over a connection.

mod actor;
mod answer;
mod config;
mod jwt;
mod kind;
mod ops;
mod request;
mod schema;

pub use actor::{AuthActor, AuthCall, CheckToken, ConnectRefusal, Disconnected};
pub use answer::{AuthAnswer, AuthError, AuthOk, SessionView};
pub use config::JwtConfig;
pub use jwt::{JwtConfigError, JwtVerifier};
pub use kind::{AuthType, Os};
pub use ops::logged_in_id;
pub use request::{AuthRequest, Login, Logout, Proof, Push, Reg, Resend, Verify, Voice};
pub use schema::SCHEMA;

pub use crate::codes::{AuthConfig, TestNumbers};
