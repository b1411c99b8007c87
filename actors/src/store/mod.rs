//! SQLite storage: one group-committing writer thread, reader threads that run
//! each read job on a connection checked out of an r2d2 pool, WAL, migrations by
//! `user_version`.
//!
//! # Layout
//! - `config.rs`: [`StoreConfig`], the `[storage]` section.
//! - `error.rs`: [`StoreError`].
//! - `handle.rs`: [`Store`], open / read / write / close.
//! - `open.rs`: the lock file and the writer connection's pragmas.
//! - `pool.rs`: the read pool (r2d2 over read-only SQLite connections).
//! - `migrations.rs`: [`MIGRATIONS`], applied in order by `PRAGMA user_version`.
//! - `writer.rs`: the writer thread and its group commit.
//! - `reader.rs`: the reader threads, generic in the pool's connection type.
//! - `job.rs`: type-erased jobs carrying results back over oneshot channels.
//! - `outcome.rs`: [`Fail`] and [`settle`]: answer the client, or roll back.
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
mod pool;
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
