//! SQLite storage: one group-committing writer thread, a pool of reader threads,
//! WAL, migrations by `user_version`.
//!
//! # Layout
//! - `config.rs`: [`StoreConfig`], the `[storage]` section.
//! - `error.rs`: [`StoreError`].
//! - `handle.rs`: [`Store`], open / read / write / close.
//! - `open.rs`: the writer connection's pragmas and the readers' pool.
//! - `migrations.rs`: [`MIGRATIONS`], applied in order by `PRAGMA user_version`.
//! - `writer.rs`: the writer thread and its group commit.
//! - `reader.rs`: the reader threads.
//! - `job.rs`: type-erased jobs carrying results back over oneshot channels.
//! - `meta.rs`: the `meta` key/value table.
//! - `backup.rs`: an online copy and an integrity check, for `roster backup`/`check`.

pub mod backup;
mod config;
mod error;
mod handle;
mod job;
pub mod meta;
mod migrations;
mod open;
mod outcome;
mod reader;
mod writer;

#[cfg(test)]
mod tests;

pub use config::{StoreConfig, Synchronous};
pub use error::StoreError;
pub use handle::Store;
pub use migrations::MIGRATIONS;
pub use outcome::{settle, Fail};
pub use writer::StoreStats;
