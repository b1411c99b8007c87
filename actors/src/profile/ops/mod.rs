//! The Profile operations, as plain functions over one SQLite connection or
//! transaction. Each request is one store job, so each change is atomic and durable
//! before the reply. Every operation checks before it writes: a domain error leaves
//! nothing half-done (only `confirm`'s wrong-code counter is written on failure).

mod acting;
mod change;
mod email;
mod ensure;
mod env;
mod migrate;
mod remove;
mod rows;

pub use acting::{acting_phone, own_phone};
pub use change::{set, update};
pub use email::email;
pub use ensure::ensure;
pub use env::{settle, Fail, ProfileEnv};
pub use migrate::{confirm, start_migration};
pub use remove::remove;
pub use rows::{load, next_update, Loaded};

#[cfg(test)]
mod tests;
