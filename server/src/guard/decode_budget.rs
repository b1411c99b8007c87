//! `DecodeBudget`: how much decoding one connection and one address may ask for, in
//! token buckets of decode work (the bytes a payload makes the ETF decoder read and
//! inflate, `term::decode_work`): `limits.decode_bytes_per_sec_per_connection` and
//! `limits.decode_bytes_per_sec_per_ip`, in bursts of `decode_burst_per_connection`
//! and `decode_burst_per_ip`. A payload beyond either is answered without being
//! decoded. A refused payload is charged to its connection all the same, so a
//! connection that keeps asking while refused runs into debt, and once it owes a whole
//! burst it is closed.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use super::ip_key::{limit_key, prune, IpKey, DEFAULT_IPV6_PREFIX_LEN, PRUNE_AT};

/// A bucket of decode work.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Work it may still ask for now; below 0 for a connection that asked past it.
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Self {
        Bucket {
            tokens: burst,
            at: now,
        }
    }

    fn refill(&mut self, (rate, burst): (f64, f64), now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.at = now;
    }
}

/// One connection's share of the budget: its bucket, full until first used.
#[derive(Debug, Clone, Default)]
pub struct DecodeShare(Arc<Mutex<Option<Bucket>>>);

/// Why a payload is not decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeRefusal {
    /// This connection has spent its budget: `too_many_requests`.
    Connection,
    /// It kept asking while refused until it owed a whole burst: close it.
    Close,
    /// Its address has spent its budget (over all its connections).
    Address,
}

/// The decode budgets, shared by every session of the server.
#[derive(Debug)]
pub struct DecodeBudget {
    /// Work per second and burst of one connection; a rate of 0 is no limit.
    per_connection: (f64, f64),
    /// Work per second and burst of one address; a rate of 0 is no limit.
    per_ip: (f64, f64),
    /// Bits of an IPv6 address that name the address counted (`limit_key`).
    ipv6_prefix_len: u8,
    /// Buckets of addresses seen lately, and the table size at which to prune.
    buckets: Mutex<(HashMap<IpKey, Bucket>, usize)>,
}

impl DecodeBudget {
    /// `(work per second, burst)` per connection and per address; a rate of 0 turns
    /// that budget off. IPv6 is grouped by the default prefix until
    /// [`DecodeBudget::with_ipv6_prefix_len`].
    pub fn new(per_connection: (u64, u64), per_ip: (u64, u64)) -> Self {
        let pair = |(rate, burst): (u64, u64)| (rate as f64, burst as f64);
        Self {
            per_connection: pair(per_connection),
            per_ip: pair(per_ip),
            ipv6_prefix_len: DEFAULT_IPV6_PREFIX_LEN,
            buckets: Mutex::new((HashMap::new(), PRUNE_AT)),
        }
    }

    /// No budget at all.
    pub fn off() -> Self {
        Self::new((0, 0), (0, 0))
    }

    /// The same budgets, counting IPv6 addresses by their first `len` bits.
    pub fn with_ipv6_prefix_len(mut self, len: u8) -> Self {
        self.ipv6_prefix_len = len;
        self
    }

    /// Admits a payload of `work` from the connection `share` at `ip`, charging both
    /// budgets, or says why not (a refusal by the connection's own budget is charged
    /// to it all the same).
    pub fn charge(&self, share: &DecodeShare, ip: IpAddr, work: u64) -> Result<(), DecodeRefusal> {
        self.charge_at(share, ip, work, Instant::now())
    }

    fn charge_at(
        &self,
        share: &DecodeShare,
        ip: IpAddr,
        work: u64,
        now: Instant,
    ) -> Result<(), DecodeRefusal> {
        let work = work as f64;
        let mut mine = share.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (conn_rate, conn_burst) = self.per_connection;
        let conn = (conn_rate > 0.0).then(|| {
            let bucket = mine.get_or_insert(Bucket::full(conn_burst, now));
            bucket.refill(self.per_connection, now);
            bucket
        });
        let refused = match &conn {
            Some(bucket) if bucket.tokens < work => Some(DecodeRefusal::Connection),
            _ => self.charge_address(ip, work, now).err(),
        };
        match (refused, conn) {
            (None, Some(bucket)) => {
                bucket.tokens -= work;
                Ok(())
            }
            (None, None) => Ok(()),
            // Asking while refused costs the connection all the same.
            (Some(refusal), Some(bucket)) => {
                bucket.tokens = (bucket.tokens - work).max(-conn_burst);
                Err(if bucket.tokens <= -conn_burst {
                    DecodeRefusal::Close
                } else {
                    refusal
                })
            }
            (Some(refusal), None) => Err(refusal),
        }
    }

    /// Charges `work` to the bucket of `ip`'s address, if it has that much.
    fn charge_address(&self, ip: IpAddr, work: f64, now: Instant) -> Result<(), DecodeRefusal> {
        let (rate, burst) = self.per_ip;
        if rate <= 0.0 {
            return Ok(());
        }
        let full_after = Duration::from_secs_f64(burst / rate);
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let (buckets, next_prune) = &mut *guard;
        prune(buckets, next_prune, |b| {
            now.saturating_duration_since(b.at) >= full_after
        });
        let key = limit_key(ip, self.ipv6_prefix_len);
        let bucket = buckets.entry(key).or_insert(Bucket::full(burst, now));
        bucket.refill(self.per_ip, now);
        if bucket.tokens < work {
            return Err(DecodeRefusal::Address);
        }
        bucket.tokens -= work;
        Ok(())
    }

    /// Addresses currently remembered (for tests).
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn a_connection_gets_its_burst_then_its_rate() {
        let b = DecodeBudget::new((100, 300), (0, 0));
        let (c, t0) = (DecodeShare::default(), Instant::now());
        assert_eq!(b.charge_at(&c, ip(1), 200, t0), Ok(()));
        assert_eq!(b.charge_at(&c, ip(1), 100, t0), Ok(()));
        assert_eq!(
            b.charge_at(&c, ip(1), 1, t0),
            Err(DecodeRefusal::Connection)
        );
        // The refused one was charged: 1 owed, so 0.5 s later 49 are left.
        let later = t0 + Duration::from_millis(500);
        assert_eq!(
            b.charge_at(&c, ip(1), 50, later),
            Err(DecodeRefusal::Connection)
        );
        let fresh = DecodeShare::default();
        assert_eq!(
            b.charge_at(&fresh, ip(1), 300, t0),
            Ok(()),
            "its own bucket"
        );
        let much_later = t0 + Duration::from_secs(60);
        assert_eq!(
            b.charge_at(&c, ip(1), 300, much_later),
            Ok(()),
            "full, not more"
        );
        assert_eq!(
            b.charge_at(&c, ip(1), 1, much_later),
            Err(DecodeRefusal::Connection)
        );
    }

    #[test]
    fn a_connection_that_keeps_asking_is_closed_once_it_owes_a_burst() {
        let b = DecodeBudget::new((10, 300), (0, 0));
        let (c, t0) = (DecodeShare::default(), Instant::now());
        assert_eq!(b.charge_at(&c, ip(1), 300, t0), Ok(()));
        assert_eq!(
            b.charge_at(&c, ip(1), 200, t0),
            Err(DecodeRefusal::Connection)
        );
        assert_eq!(
            b.charge_at(&c, ip(1), 99, t0),
            Err(DecodeRefusal::Connection)
        );
        assert_eq!(b.charge_at(&c, ip(1), 1, t0), Err(DecodeRefusal::Close));
    }

    #[test]
    fn an_address_shares_its_budget_and_its_refusals_cost_the_connection_too() {
        let b = DecodeBudget::new((100, 300), (100, 400));
        let t0 = Instant::now();
        let (c1, c2) = (DecodeShare::default(), DecodeShare::default());
        assert_eq!(b.charge_at(&c1, ip(1), 250, t0), Ok(()));
        assert_eq!(
            b.charge_at(&c2, ip(1), 200, t0),
            Err(DecodeRefusal::Address)
        );
        assert_eq!(b.charge_at(&c2, ip(2), 100, t0), Ok(()), "another address");
        // c2 paid 200 for the refusal and 100 since: nothing left of its 300.
        assert_eq!(
            b.charge_at(&c2, ip(2), 1, t0),
            Err(DecodeRefusal::Connection)
        );
        assert_eq!(b.tracked(), 2);
        // Asking on while the address refuses ends in a close.
        let c3 = DecodeShare::default();
        assert_eq!(
            b.charge_at(&c3, ip(1), 300, t0),
            Err(DecodeRefusal::Address)
        );
        assert_eq!(
            b.charge_at(&c3, ip(1), 100, t0),
            Err(DecodeRefusal::Connection)
        );
        assert_eq!(b.charge_at(&c3, ip(1), 200, t0), Err(DecodeRefusal::Close));
    }

    #[test]
    fn zero_rates_are_off() {
        let b = DecodeBudget::off();
        let c = DecodeShare::default();
        for _ in 0..1000 {
            assert_eq!(b.charge(&c, ip(1), 1 << 20), Ok(()));
        }
        assert_eq!(b.tracked(), 0);
    }

    #[test]
    fn full_address_buckets_are_forgotten_as_the_table_grows() {
        let b = DecodeBudget::new((0, 0), (1000, 100));
        let (c, t0) = (DecodeShare::default(), Instant::now());
        for n in 0..PRUNE_AT as u32 {
            let _ = b.charge_at(&c, IpAddr::V4(n.into()), 10, t0);
        }
        assert_eq!(b.tracked(), PRUNE_AT);
        let _ = b.charge_at(&c, ip(255), 10, t0 + Duration::from_millis(100));
        assert_eq!(b.tracked(), 1);
    }
}
