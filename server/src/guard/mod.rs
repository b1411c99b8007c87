//! Limits on what one network address may do, in memory: how fast it may open
//! connections ([`ConnectRate`]) and how many it may hold ([`PerIpConnections`]),
//! both checked by the accept loop, and how many verifies it and each of its
//! connections may fail ([`VerifyGuard`], checked by the router).
//!
//! Addresses are grouped by [`limit_key`]: an IPv4 address, or the prefix an IPv6
//! address belongs to (`server.ipv6_prefix_len`, a /64 by default: one subscriber
//! usually holds a whole /64). Tables are pruned as they
//! grow, so an attacker with many addresses costs a few dozen bytes per address and
//! only for as long as the limit remembers it.

mod connect_rate;
mod ip_key;
mod per_ip;
mod verify;

pub use connect_rate::ConnectRate;
pub use ip_key::{limit_key, IpKey, DEFAULT_IPV6_PREFIX_LEN};
pub use per_ip::PerIpConnections;
pub use verify::{ConnGuard, VerifyGuard, VerifyRefusal};

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

/// Entries a table holds before it is pruned of forgotten ones.
const PRUNE_AT: usize = 4096;

/// Removes the entries `forgotten` says are done with, once `map` has grown to the
/// next pruning point (so pruning is amortised over many inserts).
fn prune<V>(
    map: &mut std::collections::HashMap<IpKey, V>,
    next_prune: &mut usize,
    forgotten: impl Fn(&V) -> bool,
) {
    if map.len() < *next_prune {
        return;
    }
    map.retain(|_, v| !forgotten(v));
    *next_prune = (map.len() * 2).max(PRUNE_AT);
}

/// Logs refused connections without letting a flood of them flood the log: the
/// first at once, then one line with a count at most every ten seconds.
#[derive(Debug, Default)]
pub struct RefusalLog {
    /// Refusals since the last line.
    unlogged: u64,
    /// When the last line was written.
    last: Option<Instant>,
}

impl RefusalLog {
    /// Records one refused connection from `peer` and why.
    pub fn refused(&mut self, peer: SocketAddr, why: &str) {
        self.unlogged += 1;
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(10))
        {
            log::debug!("{peer}: refused, {why}");
            return;
        }
        log::warn!(
            "{peer}: refused, {why} ({} refused since the last such line)",
            self.unlogged
        );
        self.unlogged = 0;
        self.last = Some(now);
    }
}
