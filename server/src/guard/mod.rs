//! Limits on what one network address may do, in memory: how fast it may open
//! connections ([`ConnectRate`]) and how many it may hold ([`PerIpConnections`]),
//! both checked by the accept loop, and how many verifies it and each of its
//! connections may fail ([`VerifyGuard`], checked by the router).
//!
//! Addresses are grouped by [`IpKey`]: an IPv4 address, or the /64 an IPv6 address
//! belongs to (one subscriber usually holds a whole /64). Tables are pruned as they
//! grow, so an attacker with many addresses costs a few dozen bytes per address and
//! only for as long as the limit remembers it.

mod connect_rate;
mod per_ip;
mod verify;

pub use connect_rate::ConnectRate;
pub use per_ip::PerIpConnections;
pub use verify::{ConnGuard, VerifyGuard, VerifyRefusal};

use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant},
};

/// Entries a table holds before it is pruned of forgotten ones.
const PRUNE_AT: usize = 4096;

/// The unit the per-address limits count: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpKey {
    /// One IPv4 address (IPv4-mapped IPv6 addresses included).
    V4(u32),
    /// The upper 64 bits of an IPv6 address.
    V6(u64),
}

impl From<IpAddr> for IpKey {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => IpKey::V4(v4.into()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpKey::V4(v4.into()),
                None => IpKey::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_group_ipv6_by_64_and_unmap_ipv4() {
        let k = |s: &str| IpKey::from(s.parse::<IpAddr>().unwrap());
        assert_eq!(k("2001:db8:1:2::1"), k("2001:db8:1:2:ffff::9"));
        assert_ne!(k("2001:db8:1:2::1"), k("2001:db8:1:3::1"));
        assert_eq!(k("::ffff:10.0.0.1"), k("10.0.0.1"));
        assert_ne!(k("10.0.0.1"), k("10.0.0.2"));
    }
}
