//! `PerIpConnections`: open connections per address, for `server.max_connections_per_ip`.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Mutex, PoisonError},
};

use super::ip_key::IpKey;

/// Counts open connections per address; an address at the cap gets no more.
/// Entries leave the table when their last connection closes, so it never holds
/// more entries than there are connections.
#[derive(Debug)]
pub struct PerIpConnections {
    /// Connections one address may hold at once; 0: no cap (nothing is counted).
    max: u32,
    /// Open connections of each address that has any.
    open: Mutex<HashMap<IpKey, u32>>,
}

impl PerIpConnections {
    /// A cap of `max` connections per address; 0 turns it off.
    pub fn new(max: u32) -> Self {
        Self {
            max,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a new connection from `ip`, unless the address is at the cap.
    pub fn acquire(&self, ip: IpAddr) -> bool {
        if self.max == 0 {
            return true;
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(IpKey::from(ip)).or_insert(0);
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
        let key = IpKey::from(ip);
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
}
