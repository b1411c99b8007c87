//! SQLite storage: one group-committing writer thread, a pool of reader threads,
//! WAL, migrations by `user_version`.

mod config;
mod error;

pub use config::{StoreConfig, Synchronous};
pub use error::StoreError;
