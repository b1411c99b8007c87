//! `PerIpConnections`: open connections per address, for `server.max_connections_per_ip`.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Mutex, PoisonError},
};

use super::ip_key::{limit_key, IpKey, DEFAULT_IPV6_PREFIX_LEN};

/// Counts open connections per address; an address at the cap gets no more.
/// Entries leave the table when their last connection closes, so it never holds
/// more entries than there are connections.
#[derive(Debug)]
pub struct PerIpConnections {
    /// Connections one address may hold at once; 0: no cap (nothing is counted).
    max: u32,
    /// Bits of an IPv6 address that name the address counted (`limit_key`).
    ipv6_prefix_len: u8,
    /// Open connections of each address that has any.
    open: Mutex<HashMap<IpKey, u32>>,
}

impl PerIpConnections {
    /// A cap of `max` connections per address; 0 turns it off. IPv6 is grouped by
    /// the default prefix until [`PerIpConnections::with_ipv6_prefix_len`].
    pub fn new(max: u32) -> Self {
        Self {
            max,
            ipv6_prefix_len: DEFAULT_IPV6_PREFIX_LEN,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The same cap, counting IPv6 addresses by their first `len` bits.
    pub fn with_ipv6_prefix_len(mut self, len: u8) -> Self {
        self.ipv6_prefix_len = len;
        self
    }

    /// Counts a new connection from `ip`, unless the address is at the cap.
    pub fn acquire(&self, ip: IpAddr) -> bool {
        if self.max == 0 {
            return true;
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(limit_key(ip, self.ipv6_prefix_len)).or_insert(0);
        if *n >= self.max {
            return false;
        }
        *n += 1;
        true
    }

    /// A connection from `ip` that `acquire` admitted has closed.
    pub fn release(&self, ip: IpAddr) {
        if self.max == 0 {
            return;
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let key: IpKey = limit_key(ip, self.ipv6_prefix_len);
        if let Some(n) = open.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_each_address_and_forgets_closed_ones() {
        let p = PerIpConnections::new(2);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        assert!(p.acquire(a) && p.acquire(a));
        assert!(!p.acquire(a));
        assert!(p.acquire(b));
        p.release(a);
        assert!(p.acquire(a));
        for _ in 0..2 {
            p.release(a);
        }
        p.release(b);
        assert!(p.open.lock().unwrap().is_empty());
    }

    #[test]
    fn ipv6_addresses_of_one_prefix_share_the_cap() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Default /64: two addresses of one /64 share, another /64 does not.
        let p = PerIpConnections::new(1);
        assert!(p.acquire(ip("2001:db8:0:1::1")));
        assert!(!p.acquire(ip("2001:db8:0:1::2")));
        assert!(p.acquire(ip("2001:db8:0:2::1")));
        // /48: the whole /48 is one address.
        let p = PerIpConnections::new(1).with_ipv6_prefix_len(48);
        assert!(p.acquire(ip("2001:db8:0:1::1")));
        assert!(!p.acquire(ip("2001:db8:0:ffff::1")));
        p.release(ip("2001:db8:0:ffff::9"));
        assert!(p.open.lock().unwrap().is_empty(), "released by its prefix");
        // /128: each address.
        let p = PerIpConnections::new(1).with_ipv6_prefix_len(128);
        assert!(p.acquire(ip("2001:db8::1")));
        assert!(p.acquire(ip("2001:db8::2")));
        assert!(!p.acquire(ip("2001:db8::1")));
    }
}
