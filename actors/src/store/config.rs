//! `[storage]` settings: where the database lives and how hard it works to keep commits durable.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use super::StoreError;

/// The `[storage]` section of the server config, deserialized as is.
///
/// Every field has a default, so an empty section (or none) gives a working store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The SQLite database file. Its parent folder is created on open. The `-wal`
    /// and `-shm` files live beside it and belong to it (copy all three, or none).
    pub path: PathBuf,
    /// How hard a commit works to survive a power cut. `FULL` (the default) makes a
    /// success reply mean the change is on disk; `NORMAL` can lose the last commits
    /// on power loss (never corrupts); `OFF` is for throwaway load-test databases.
    pub synchronous: Synchronous,
    /// How long a connection waits for a lock held by someone else before giving
    /// up with "locked"; also bounds how long `Store::open` waits for another
    /// process that holds the file.
    pub busy_timeout_ms: u64,
    /// Threads that run read jobs: how many reads run at once beside the single
    /// writer (WAL lets them proceed during a commit). A thread owns no connection:
    /// it checks one out of the read pool for each job. Reads are few once Profile
    /// `get`s are cached (logged-in CONNECT checks, cache misses, `login`, `list`):
    /// 2 by default; more help only with more cores.
    pub read_threads: u32,
    /// Read-only connections in the r2d2 pool the read jobs check out, each for
    /// one job. All are opened at start-up and kept (their page caches stay warm);
    /// each keeps its own page cache (up to 2 MiB). Fewer than `read_threads` make
    /// the extra threads wait for a connection (up to `busy_timeout_ms`, at least a
    /// second, then the job fails); more than `read_threads` stay idle with SQLite.
    /// 2 by default.
    pub read_pool_size: u32,
    /// The most write jobs that share one transaction and so one fsync (group
    /// commit). Larger batches raise throughput under load and lengthen the
    /// wait of the first job in a batch.
    pub max_batch: usize,
    /// Pending jobs each queue (reads, writes) holds before new ones are refused
    /// with `Busy`: back-pressure instead of unbounded memory when the disk is
    /// slower than the clients.
    pub queue_capacity: usize,
    /// The most pages (SQLite's page size, 4096 bytes by default) the database may
    /// grow to; 0 means no cap but the disk's. An operator's size cap: beyond it a
    /// write fails as on a full disk (the client gets `{error,unavailable}`) while
    /// reads go on.
    pub max_pages: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("data/roster.db"),
            synchronous: Synchronous::Full,
            busy_timeout_ms: 5000,
            read_threads: 2,
            read_pool_size: 2,
            max_batch: 512,
            queue_capacity: 4096,
            max_pages: 0,
        }
    }
}

impl StoreConfig {
    /// Checks the values serde cannot: each error names the `storage.*` key at fault.
    pub fn validate(&self) -> Result<(), StoreError> {
        let bad = |key: &'static str, reason: &str| {
            Err(StoreError::Config {
                key,
                reason: reason.to_string(),
            })
        };
        if self.path.as_os_str().is_empty() {
            return bad("storage.path", "must not be empty");
        }
        if self.busy_timeout_ms > i32::MAX as u64 {
            return bad("storage.busy_timeout_ms", "must be at most 2147483647");
        }
        if self.read_threads == 0 {
            return bad("storage.read_threads", "must be at least 1");
        }
        if self.read_pool_size == 0 {
            return bad("storage.read_pool_size", "must be at least 1");
        }
        if self.max_batch == 0 {
            return bad("storage.max_batch", "must be at least 1");
        }
        if self.queue_capacity == 0 {
            return bad("storage.queue_capacity", "must be at least 1");
        }
        if self.max_pages > u64::from(u32::MAX) {
            return bad("storage.max_pages", "must be at most 4294967295");
        }
        Ok(())
    }
}

/// SQLite's `PRAGMA synchronous` levels that make sense in WAL mode.
///
/// Written in config as `"full"`, `"normal"` or `"off"`, in any letter case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// fsync the WAL on every commit: a committed change survives power loss.
    #[default]
    Full,
    /// fsync only at checkpoints: commits survive a crash of roster, not of the machine.
    Normal,
    /// Never fsync: for tests and load runs whose data does not matter.
    Off,
}

impl Synchronous {
    /// The pragma value, as SQLite spells it.
    pub fn as_sql(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
            Synchronous::Off => "OFF",
        }
    }
}

impl fmt::Display for Synchronous {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

impl FromStr for Synchronous {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(Synchronous::Full),
            "normal" => Ok(Synchronous::Normal),
            "off" => Ok(Synchronous::Off),
            _ => Err(format!(
                "unknown synchronous level {s:?}, expected \"full\", \"normal\" or \"off\""
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Synchronous {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<StoreConfig, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn empty_section_gives_defaults() {
        let config = parse("{}").expect("defaults");
        assert_eq!(config.path, PathBuf::from("data/roster.db"));
        assert_eq!(config.synchronous, Synchronous::Full);
        assert_eq!(config.busy_timeout_ms, 5000);
        assert_eq!(config.read_threads, 2);
        assert_eq!(config.read_pool_size, 2);
        assert_eq!(config.max_batch, 512);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn synchronous_ignores_letter_case() {
        for (text, level) in [
            ("\"FULL\"", Synchronous::Full),
            ("\"Normal\"", Synchronous::Normal),
            ("\"off\"", Synchronous::Off),
        ] {
            let config = parse(&format!("{{\"synchronous\": {text}}}")).expect(text);
            assert_eq!(config.synchronous, level);
        }
        let err = parse("{\"synchronous\": \"extra\"}").expect_err("unknown level");
        assert!(err.to_string().contains("extra"), "{err}");
    }

    #[test]
    fn unknown_key_is_refused_by_name() {
        let err = parse("{\"pth\": \"x.db\"}").expect_err("unknown key");
        assert!(err.to_string().contains("pth"), "{err}");
    }

    #[test]
    fn validate_names_the_key() {
        let config = StoreConfig {
            read_pool_size: 0,
            ..StoreConfig::default()
        };
        let err = config.validate().expect_err("zero readers");
        assert!(err.to_string().contains("storage.read_pool_size"), "{err}");

        let config = StoreConfig {
            read_threads: 0,
            ..StoreConfig::default()
        };
        let err = config.validate().expect_err("zero read threads");
        assert!(err.to_string().contains("storage.read_threads"), "{err}");

        let config = StoreConfig {
            busy_timeout_ms: u64::MAX,
            ..StoreConfig::default()
        };
        let err = config.validate().expect_err("huge timeout");
        assert!(err.to_string().contains("storage.busy_timeout_ms"), "{err}");
    }
}
