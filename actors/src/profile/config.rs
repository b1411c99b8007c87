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
    /// MiB of memory for Profile `get` answers kept between the writes that change
    /// them (0 turns the cache off); reaching it empties the cache.
    pub cache_mib: usize,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        Self {
            max_data_bytes: 65_536,
            max_text_bytes: 1024,
            max_accounts: 100,
            cache_mib: 64,
        }
    }
}
