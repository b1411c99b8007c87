//! Auth (SPEC §4): registration by SMS, voice call or JWT; sessions on many devices.

mod actor;
mod answer;
mod config;
mod jwt;
mod ops;
mod request;
mod schema;
pub(crate) mod send;
pub(crate) mod sessions;

pub use actor::{now_ms, AuthActor, AuthCaller, CheckToken, ConnectRefusal, Disconnected, Handle};
pub use answer::{AuthAnswer, AuthError, AuthOk, SessionView};
pub use config::{AuthConfig, JwtConfig, TestNumbers};
pub use jwt::{JwtConfigError, JwtVerifier};
pub use ops::logged_in_id;
pub use request::{AuthRequest, AuthType, Os};
pub use schema::SCHEMA;
