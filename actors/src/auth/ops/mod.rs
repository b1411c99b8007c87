//! The Auth operations, as plain functions over one SQLite connection or transaction,
//! each taking its request's typed struct. They run on the store's threads; the actor
//! awaits them and does the delivery. `env.rs`: what they share; `row.rs`: the
//! session row; `register.rs` (reg, resend, voice), `verify.rs` (and `spent.rs`, the
//! JWTs it has used), `account.rs` (the rest).

mod account;
mod env;
mod register;
mod row;
mod spent;
mod verify;

pub use account::{check_token, last_online, list, login, logout, push, TokenRefusal};
pub use env::{logged_in_id, settle, AuthEnv};
pub use register::{reg, resend};
pub use verify::verify;

#[cfg(test)]
mod tests;
