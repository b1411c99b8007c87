//! `ConnectRate`: a token bucket per address for new connections
//! (`server.connect_rate_per_ip` per second, bursts of `server.connect_burst_per_ip`).

use std::{
    collections::HashMap,
    net::IpAddr,
    time::{Duration, Instant},
};

use super::ip_key::{limit_key, prune, IpKey, DEFAULT_IPV6_PREFIX_LEN, PRUNE_AT};

/// One address's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Connections it may still open now.
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
}

/// Per-address connection-rate limit. Owned by the accept loop: no lock.
#[derive(Debug)]
pub struct ConnectRate {
    /// Tokens added per second; 0 turns the limit off.
    rate: f64,
    /// Bucket size: connections an address may open at once.
    burst: f64,
    /// Bits of an IPv6 address that name the address counted (`limit_key`).
    ipv6_prefix_len: u8,
    /// Buckets of addresses seen lately.
    buckets: HashMap<IpKey, Bucket>,
    /// Table size at which full buckets are forgotten.
    next_prune: usize,
}

impl ConnectRate {
    /// `rate` connections per second per address, in bursts of up to `burst`
    /// (at least 1); a rate of 0 admits everything. IPv6 is grouped by the default
    /// prefix until [`ConnectRate::with_ipv6_prefix_len`].
    pub fn new(rate: u32, burst: u32) -> Self {
        Self {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            ipv6_prefix_len: DEFAULT_IPV6_PREFIX_LEN,
            buckets: HashMap::new(),
            next_prune: PRUNE_AT,
        }
    }

    /// The same limit, counting IPv6 addresses by their first `len` bits.
    pub fn with_ipv6_prefix_len(mut self, len: u8) -> Self {
        self.ipv6_prefix_len = len;
        self
    }

    /// Whether `ip` may open a connection now; if so, it is counted.
    pub fn admit(&mut self, ip: IpAddr) -> bool {
        self.admit_at(ip, Instant::now())
    }

    fn admit_at(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let (rate, burst) = (self.rate, self.burst);
        let full_after = Duration::from_secs_f64(burst / rate);
        prune(&mut self.buckets, &mut self.next_prune, |b| {
            now.saturating_duration_since(b.at) >= full_after
        });
        let key: IpKey = limit_key(ip, self.ipv6_prefix_len);
        let bucket = self.buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Addresses currently remembered (for tests).
    pub fn tracked(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(n.into())
    }

    #[test]
    fn a_burst_then_the_rate() {
        let mut r = ConnectRate::new(2, 3);
        let t0 = Instant::now();
        assert!((0..3).all(|_| r.admit_at(ip(1), t0)));
        assert!(!r.admit_at(ip(1), t0), "burst spent");
        assert!(r.admit_at(ip(2), t0), "another address has its own bucket");
        assert!(!r.admit_at(ip(1), t0 + Duration::from_millis(400)));
        assert!(r.admit_at(ip(1), t0 + Duration::from_millis(500)), "2/s");
        // A long pause refills no more than the burst.
        let later = t0 + Duration::from_secs(60);
        assert!((0..3).all(|_| r.admit_at(ip(1), later)));
        assert!(!r.admit_at(ip(1), later));
    }

    #[test]
    fn zero_rate_is_off() {
        let mut r = ConnectRate::new(0, 1);
        let t0 = Instant::now();
        assert!((0..1000).all(|_| r.admit_at(ip(1), t0)));
        assert_eq!(r.tracked(), 0);
    }

    #[test]
    fn refilled_buckets_are_forgotten_as_the_table_grows() {
        let mut r = ConnectRate::new(10, 1);
        let t0 = Instant::now();
        for n in 0..PRUNE_AT as u32 {
            r.admit_at(ip(n), t0);
        }
        assert_eq!(r.tracked(), PRUNE_AT);
        // 0.1 s later every bucket is full again: the next insert prunes them all.
        r.admit_at(ip(u32::MAX), t0 + Duration::from_millis(100));
        assert_eq!(r.tracked(), 1);
    }

    #[test]
    fn a_48_shares_one_bucket_when_grouped_by_48() {
        let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
        let t0 = Instant::now();
        // By /64 (the default), 200 addresses of one /48 in 200 /64s: 200 buckets.
        let mut r = ConnectRate::new(1, 1);
        let spread = |n: u16| v6(&format!("2001:db8:7:{n:x}::1"));
        assert!((0..200).all(|n| r.admit_at(spread(n), t0)));
        assert_eq!(r.tracked(), 200);
        // By /48: one bucket, spent by the first.
        let mut r = ConnectRate::new(1, 1).with_ipv6_prefix_len(48);
        assert!(r.admit_at(spread(0), t0));
        assert!((1..200).all(|n| !r.admit_at(spread(n), t0)));
        assert_eq!(r.tracked(), 1);
    }
}
