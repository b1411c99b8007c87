//! How a run is bounded and paced: the budget (a deadline and an optional count), the
//! ramp-up start times, the open-loop pacer, and the loopback source addresses that
//! keep 100,000 connections from running out of ephemeral ports.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

/// Connections per loopback source address when the generator picks the count
/// (about 28,000 ephemeral ports exist per address, and `bind` prefers the even half).
const PER_SOURCE: usize = 10_000;

/// When the measured phase ends: at `deadline`, or once `limit` units have started.
pub struct Budget {
    /// No unit starts after this.
    deadline: Instant,
    /// Units started so far.
    started: AtomicU64,
    /// Most units to start, if bounded by count.
    limit: Option<u64>,
}

impl Budget {
    /// A budget of `duration` from now, and at most `limit` units.
    pub fn new(duration: Duration, limit: Option<u64>) -> Self {
        Self {
            deadline: Instant::now() + duration,
            started: AtomicU64::new(0),
            limit,
        }
    }

    /// Claims one unit: false once the time or the count is spent.
    pub fn take(&self) -> bool {
        if self.is_over() {
            return false;
        }
        let n = self.started.fetch_add(1, Ordering::Relaxed);
        self.limit.is_none_or(|l| n < l)
    }

    /// Whether the time or the count is spent.
    pub fn is_over(&self) -> bool {
        Instant::now() >= self.deadline
            || self
                .limit
                .is_some_and(|l| self.started.load(Ordering::Relaxed) >= l)
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

/// When device `i` of `n` starts, spread evenly over `ramp_up`.
pub fn start_offset(i: usize, n: usize, ramp_up: Duration) -> Duration {
    if n <= 1 {
        return Duration::ZERO;
    }
    ramp_up.mul_f64(i as f64 / n as f64)
}

/// One device's share of an open-loop rate: fixed slots, each `interval` apart; a
/// device that falls behind sends late, and its latency counts from the slot
/// (so a slow server cannot hide queueing: no coordinated omission).
pub struct Pacer {
    /// The next slot.
    next: Instant,
    /// Between slots; `None` for a closed loop (no waiting).
    interval: Option<Duration>,
}

impl Pacer {
    /// Device `i` of `n` sharing `rate` units per second (`None`: closed loop),
    /// starting at `start`.
    pub fn new(rate: Option<f64>, i: usize, n: usize, start: Instant) -> Self {
        let interval = rate.map(|r| Duration::from_secs_f64(n as f64 / r));
        let phase = interval.map_or(Duration::ZERO, |iv| iv.mul_f64(i as f64 / n as f64));
        Self {
            next: start + phase,
            interval,
        }
    }

    /// Waits for the next slot and returns it (closed loop: now, at once).
    pub async fn wait(&mut self) -> Instant {
        let Some(interval) = self.interval else {
            return Instant::now();
        };
        let slot = self.next;
        self.next += interval;
        tokio::time::sleep_until(slot.into()).await;
        slot
    }

    /// The slot `wait` would return next, without waiting.
    pub fn peek(&self) -> Instant {
        self.next
    }

    /// Whether the loop is open.
    pub fn is_open(&self) -> bool {
        self.interval.is_some()
    }
}

/// Source addresses for the connections: `count` loopback addresses 127.0.0.1,
/// 127.0.0.2, … when the server is on IPv4 loopback (0 = one per 10,000 clients),
/// otherwise (and for a single one) the kernel's choice, which can also reuse ports
/// in TIME_WAIT.
pub fn sources(server: SocketAddr, clients: usize, count: u8) -> Vec<Option<IpAddr>> {
    let loopback = matches!(server.ip(), IpAddr::V4(v4) if v4.is_loopback());
    let n = match count {
        0 => clients.div_ceil(PER_SOURCE).clamp(1, 250),
        n => usize::from(n),
    };
    if !loopback || n == 1 {
        return vec![None];
    }
    (1..=n)
        .map(|i| Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, i as u8))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_by_count() {
        let b = Budget::new(Duration::from_secs(60), Some(3));
        assert!(b.take() && b.take() && b.take());
        assert!(!b.take());
        assert!(b.is_over());
    }

    #[test]
    fn budget_by_time() {
        let b = Budget::new(Duration::ZERO, None);
        assert!(!b.take());
    }

    #[test]
    fn sources_spread_over_loopback() {
        let lo: SocketAddr = "127.0.0.1:1883".parse().unwrap();
        assert_eq!(sources(lo, 100, 0), vec![None]);
        assert_eq!(sources(lo, 100, 2)[1], Some("127.0.0.2".parse().unwrap()));
        let many = sources(lo, 100_000, 0);
        assert_eq!(many.len(), 10);
        assert_eq!(many[4], Some("127.0.0.5".parse().unwrap()));
        let remote: SocketAddr = "10.0.0.1:1883".parse().unwrap();
        assert_eq!(sources(remote, 100_000, 0), vec![None]);
    }

    #[test]
    fn ramp_up_spreads_starts() {
        let r = Duration::from_secs(10);
        assert_eq!(start_offset(0, 10, r), Duration::ZERO);
        assert_eq!(start_offset(5, 10, r), Duration::from_secs(5));
    }

    #[tokio::test]
    async fn open_pacer_spaces_slots() {
        let start = Instant::now();
        let mut p = Pacer::new(Some(1000.0), 0, 10, start);
        let a = p.wait().await;
        let b = p.wait().await;
        assert_eq!(b - a, Duration::from_millis(10));
        assert!(!Pacer::new(None, 0, 1, start).is_open());
    }
}
