//! `[profile]`: bounds on what one account may store.

use serde::Deserialize;

/// `[profile]`: sizes and counts a profile may reach; beyond them a request is refused
/// with an error reply and nothing changes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileConfig {
    /// Largest `data` slot, in bytes.
    pub max_data_bytes: usize,
    /// Largest `Names`, `Surnames` or `Avatar` of one `'Roster'` account, in bytes.
    pub max_text_bytes: usize,
    /// Most accounts (`'Roster'` entries) one profile may hold.
    pub max_accounts: usize,
    /// Most callers whose Profile `get` answer is kept in memory between the writes
    /// that change it (0 turns the cache off); reaching it empties the cache.
    pub cache_entries: usize,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        Self {
            max_data_bytes: 65_536,
            max_text_bytes: 1024,
            max_accounts: 100,
            cache_entries: 65_536,
        }
    }
}
