//! `VerifyGuard`: caps failed verifies per connection and per address, across tokens
//! (`auth.max_failed_verifies_per_connection`, `auth.max_failed_verifies_per_ip_per_hour`).
//! `auth.max_attempts` bounds guesses at one code; this bounds a guesser who spreads
//! guesses over many pending sessions (tokens, phones) from one place.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::{Duration, Instant},
};

use super::decode_budget::DecodeShare;
use super::ip_key::{limit_key, prune, IpKey, DEFAULT_IPV6_PREFIX_LEN, PRUNE_AT};

/// The window of the per-address cap.
const WINDOW: Duration = Duration::from_secs(3600);

/// One connection's share of the guards: its address, its failures so far, and its
/// decode budget.
#[derive(Debug, Clone)]
pub struct ConnGuard {
    /// The peer's address.
    ip: IpAddr,
    /// Verifies this connection has failed.
    failures: Arc<AtomicU32>,
    /// Its share of the decode budget (`decode_budget.rs`).
    decode: DecodeShare,
}

impl ConnGuard {
    /// A fresh connection from `ip`.
    pub fn new(ip: IpAddr) -> Self {
        Self {
            ip,
            failures: Arc::new(AtomicU32::new(0)),
            decode: DecodeShare::default(),
        }
    }

    /// The peer's address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// Its share of the decode budget.
    pub fn decode(&self) -> &DecodeShare {
        &self.decode
    }
}

/// Why a verify is refused before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyRefusal {
    /// This connection has failed its share: it is closed.
    Connection,
    /// Its address has failed its share this hour.
    Address,
}

/// Failures of one address in the current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// When the window began (the first failure in it).
    start: Instant,
    /// Failures since.
    failures: u32,
}

/// The failed-verify caps, shared by every session.
#[derive(Debug)]
pub struct VerifyGuard {
    /// Failures one connection may have; 0: no cap.
    per_connection: u32,
    /// Failures one address may have per hour; 0: no cap.
    per_ip: u32,
    /// Bits of an IPv6 address that name the address counted (`limit_key`).
    ipv6_prefix_len: u8,
    /// Addresses with failures in the last hour, and when to prune.
    windows: Mutex<(HashMap<IpKey, Window>, usize)>,
}

impl VerifyGuard {
    /// Caps of `per_connection` failures per connection and `per_ip_per_hour` per
    /// address; 0 turns either off. IPv6 is grouped by the default prefix until
    /// [`VerifyGuard::with_ipv6_prefix_len`].
    pub fn new(per_connection: u32, per_ip_per_hour: u32) -> Self {
        Self {
            per_connection,
            per_ip: per_ip_per_hour,
            ipv6_prefix_len: DEFAULT_IPV6_PREFIX_LEN,
            windows: Mutex::new((HashMap::new(), PRUNE_AT)),
        }
    }

    /// The same caps, counting IPv6 addresses by their first `len` bits.
    pub fn with_ipv6_prefix_len(mut self, len: u8) -> Self {
        self.ipv6_prefix_len = len;
        self
    }

    /// The key `conn`'s address is counted under.
    fn key(&self, conn: &ConnGuard) -> IpKey {
        limit_key(conn.ip, self.ipv6_prefix_len)
    }

    /// Admits a verify from `conn`, charging it as a failure until
    /// [`VerifyGuard::refund`] says otherwise: charged up front, concurrent verifies
    /// from one address's many connections cannot slip past the cap together.
    pub fn charge(&self, conn: &ConnGuard) -> Result<(), VerifyRefusal> {
        self.charge_at(conn, Instant::now())
    }

    /// The verify `charge` admitted did not fail as a guess: it does not count.
    pub fn refund(&self, conn: &ConnGuard) {
        let _ = conn
            .failures
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if self.per_ip == 0 {
            return;
        }
        let mut guard = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(w) = guard.0.get_mut(&self.key(conn)) {
            w.failures = w.failures.saturating_sub(1);
        }
    }

    fn charge_at(&self, conn: &ConnGuard, now: Instant) -> Result<(), VerifyRefusal> {
        if self.per_connection > 0 && conn.failures.load(Ordering::Relaxed) >= self.per_connection {
            return Err(VerifyRefusal::Connection);
        }
        if self.per_ip > 0 {
            let mut guard = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
            let (windows, next_prune) = &mut *guard;
            prune(windows, next_prune, |w| {
                now.saturating_duration_since(w.start) >= WINDOW
            });
            let w = windows.entry(self.key(conn)).or_insert(Window {
                start: now,
                failures: 0,
            });
            if now.saturating_duration_since(w.start) >= WINDOW {
                *w = Window {
                    start: now,
                    failures: 0,
                };
            }
            if w.failures >= self.per_ip {
                return Err(VerifyRefusal::Address);
            }
            w.failures += 1;
        }
        // One connection's requests are handled one at a time: no race here.
        conn.failures.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(last: u8) -> ConnGuard {
        ConnGuard::new(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn per_connection_then_per_address_then_the_window_passes() {
        let g = VerifyGuard::new(2, 3);
        let t0 = Instant::now();
        let (a, b, other) = (conn(1), conn(1), conn(2));
        assert_eq!(g.charge_at(&a, t0), Ok(()));
        assert_eq!(g.charge_at(&a, t0), Ok(()));
        assert_eq!(g.charge_at(&a, t0), Err(VerifyRefusal::Connection));
        // A new connection from the same address has its own count, not the address's.
        assert_eq!(g.charge_at(&b, t0), Ok(()));
        assert_eq!(g.charge_at(&b, t0), Err(VerifyRefusal::Address));
        assert_eq!(g.charge_at(&other, t0), Ok(()), "another address is free");
        let later = t0 + WINDOW;
        assert_eq!(g.charge_at(&b, later), Ok(()), "an hour later");
        assert_eq!(g.charge_at(&b, later), Err(VerifyRefusal::Connection));
    }

    #[test]
    fn refunded_verifies_do_not_count() {
        let g = VerifyGuard::new(1, 1);
        let c = conn(1);
        for _ in 0..10 {
            assert_eq!(g.charge(&c), Ok(()));
            g.refund(&c);
        }
        assert_eq!(g.charge(&c), Ok(()));
        assert_eq!(g.charge(&conn(1)), Err(VerifyRefusal::Address));
    }

    #[test]
    fn zero_turns_each_cap_off() {
        let g = VerifyGuard::new(0, 0);
        let c = conn(1);
        for _ in 0..1000 {
            assert_eq!(g.charge(&c), Ok(()));
        }
        assert!(g.windows.lock().unwrap().0.is_empty());
    }

    #[test]
    fn one_prefix_shares_the_per_address_cap() {
        let v6 = |s: &str| ConnGuard::new(s.parse().unwrap());
        let g = VerifyGuard::new(0, 2).with_ipv6_prefix_len(56);
        let t0 = Instant::now();
        assert_eq!(g.charge_at(&v6("2001:db8:0:ab01::1"), t0), Ok(()));
        assert_eq!(g.charge_at(&v6("2001:db8:0:abff::2"), t0), Ok(()));
        assert_eq!(
            g.charge_at(&v6("2001:db8:0:ab77::3"), t0),
            Err(VerifyRefusal::Address),
            "a third address of the /56"
        );
        assert_eq!(
            g.charge_at(&v6("2001:db8:0:ac00::1"), t0),
            Ok(()),
            "another /56"
        );
        // A refund from any address of the prefix frees its share.
        g.refund(&v6("2001:db8:0:ab00::9"));
        assert_eq!(g.charge_at(&v6("2001:db8:0:ab00::9"), t0), Ok(()));
    }
}
