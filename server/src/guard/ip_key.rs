//! The unit every per-address limit counts: [`limit_key`] maps an address to its
//! [`IpKey`], an IPv4 address (IPv4-mapped IPv6 included) or the first
//! `server.ipv6_prefix_len` bits of an IPv6 address. Counting each IPv6 address on
//! its own would give one subscriber's /48 65,536 allowances.

use std::net::IpAddr;

/// The IPv6 prefix a table groups by unless told otherwise (`server.ipv6_prefix_len`'s
/// default): one subscriber usually holds a whole /64.
pub const DEFAULT_IPV6_PREFIX_LEN: u8 = 64;

/// What a per-address table counts under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpKey {
    /// One IPv4 address.
    V4(u32),
    /// An IPv6 address with the bits past the prefix cleared.
    V6(u128),
}

/// The key `ip` is counted under when IPv6 is grouped by its first
/// `ipv6_prefix_len` bits (0: all of IPv6 is one key; 128 or more: each address).
pub fn limit_key(ip: IpAddr, ipv6_prefix_len: u8) -> IpKey {
    match ip {
        IpAddr::V4(v4) => IpKey::V4(v4.into()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpKey::V4(v4.into()),
            None => {
                let host_bits = 128 - u32::from(ipv6_prefix_len.min(128));
                let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
                IpKey::V6(u128::from(v6) & mask)
            }
        },
    }
}

/// Entries a table holds before it is pruned of forgotten ones.
pub(super) const PRUNE_AT: usize = 4096;

/// Removes the entries `forgotten` says are done with, once `map` has grown to the
/// next pruning point (so pruning is amortised over many inserts).
pub(super) fn prune<V>(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str, len: u8) -> IpKey {
        limit_key(s.parse().unwrap(), len)
    }

    #[test]
    fn ipv6_is_grouped_by_its_prefix() {
        let k = |s| key(s, DEFAULT_IPV6_PREFIX_LEN);
        assert_eq!(k("2001:db8:1:2::1"), k("2001:db8:1:2:ffff::9"));
        assert_ne!(k("2001:db8:1:2::1"), k("2001:db8:1:3::1"));
        // A /48 is 65,536 /64s, and one key at 48.
        assert_ne!(key("2001:db8:1:0::1", 64), key("2001:db8:1:ffff::1", 64));
        assert_eq!(key("2001:db8:1:0::1", 48), key("2001:db8:1:ffff::1", 48));
        assert_ne!(key("2001:db8:1::1", 48), key("2001:db8:2::1", 48));
        // A prefix that is not a multiple of 16: /56 keeps 8 bits of the 4th group.
        assert_eq!(key("2001:db8:1:ab00::", 56), key("2001:db8:1:abff::1", 56));
        assert_ne!(key("2001:db8:1:ab00::", 56), key("2001:db8:1:ac00::", 56));
        assert_eq!(key("2001:db8::5", 64), IpKey::V6(0x2001_0db8 << 96));
    }

    #[test]
    fn the_ends_of_the_range() {
        assert_eq!(key("2001:db8::1", 0), key("fe80::1", 0), "0: one key");
        assert_eq!(key("::1", 0), IpKey::V6(0));
        assert_ne!(key("2001:db8::1", 128), key("2001:db8::2", 128));
        assert_eq!(
            key("2001:db8::1", 128),
            IpKey::V6(u128::from(0x2001_0db8u32) << 96 | 1)
        );
        assert_eq!(key("2001:db8::1", 255), key("2001:db8::1", 128));
        assert_ne!(key("2001:db8::1", 127), key("2001:db8::2", 127));
        assert_eq!(key("2001:db8::2", 127), key("2001:db8::3", 127));
    }

    #[test]
    fn ipv4_is_unchanged_and_mapped_ipv6_is_ipv4() {
        for len in [0, 48, 64, 128] {
            assert_eq!(key("::ffff:10.0.0.1", len), key("10.0.0.1", len));
            assert_eq!(key("10.0.0.1", len), IpKey::V4(0x0A00_0001));
            assert_ne!(key("10.0.0.1", len), key("10.0.0.2", len));
            assert_ne!(key("::ffff:10.0.0.1", len), key("::ffff:10.0.0.2", len));
        }
        // An IPv4-compatible (not mapped) address is IPv6.
        assert!(matches!(key("::10.0.0.1", 64), IpKey::V6(0)));
    }
}
