//! The unit the per-address limits count ([`IpKey`]: an IPv4 address or an IPv6 /64)
//! and the amortised pruning their tables share.

use std::{collections::HashMap, net::IpAddr};

/// Entries a table holds before it is pruned of forgotten ones.
pub(super) const PRUNE_AT: usize = 4096;

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
pub(super) fn prune<V>(
    map: &mut HashMap<IpKey, V>,
    next_prune: &mut usize,
    forgotten: impl Fn(&V) -> bool,
) {
    if map.len() < *next_prune {
        return;
    }
    map.retain(|_, v| !forgotten(v));
    *next_prune = (map.len() * 2).max(PRUNE_AT);
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
