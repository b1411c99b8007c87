//! How a run is bounded and paced: the budget (a deadline and an optional count), the
//! ramp-up start times, the open-loop pacer, and the loopback source addresses that
//! keep 100,000 connections from running out of ephemeral ports.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    pin::Pin,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use tokio::time::Sleep;

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
    /// The timer for `next`, made once and re-armed for each slot: a device waits
    /// for a slot about as often as it sends, and a timer made and dropped per wait
    /// cost the generator two more turns of the runtime's timer lock.
    timer: Option<Pin<Box<Sleep>>>,
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
            timer: None,
        }
    }

    /// Waits for the next slot and returns it (closed loop: now, at once). Cancel-safe:
    /// a wait dropped before its slot leaves the slot to the next one.
    pub async fn wait(&mut self) -> Instant {
        let Some(interval) = self.interval else {
            return Instant::now();
        };
        let slot = self.next;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(slot.into())));
        timer.as_mut().await;
        self.next += interval;
        timer.as_mut().reset(self.next.into());
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

/// Where connections come from: the kernel's choice (one source), or several
/// loopback addresses with ports the generator hands out itself, cycling through
/// 1025..=65535 per address (the kernel's own search for a free port to `bind`
/// slows down badly as tens of thousands are taken).
pub struct Sources {
    /// The addresses; empty for the kernel's choice.
    ips: Vec<IpAddr>,
    /// Next port offset, per address.
    next: Vec<AtomicU64>,
}

/// Lowest port handed out.
const FIRST_PORT: u64 = 1025;
/// Ports per address.
const PORTS: u64 = 65_536 - FIRST_PORT;

impl Sources {
    /// `count` loopback addresses 127.0.0.1, 127.0.0.2, … when the server is on IPv4
    /// loopback (0 = one per 10,000 clients); the kernel's choice when that is one
    /// address or the server is elsewhere.
    pub fn new(server: SocketAddr, clients: usize, count: u8) -> Self {
        let loopback = matches!(server.ip(), IpAddr::V4(v4) if v4.is_loopback());
        let n = match count {
            0 => clients.div_ceil(PER_SOURCE).clamp(1, 250),
            n => usize::from(n),
        };
        let ips: Vec<IpAddr> = if !loopback || n == 1 {
            Vec::new()
        } else {
            (1..=n)
                .map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 0, i as u8)))
                .collect()
        };
        let next = ips.iter().map(|_| AtomicU64::new(0)).collect();
        Self { ips, next }
    }

    /// The local address for a connection of device `i`: `None` lets the kernel pick.
    pub fn pick(&self, i: usize) -> Option<SocketAddr> {
        if self.ips.is_empty() {
            return None;
        }
        let j = i % self.ips.len();
        let k = self.next[j].fetch_add(1, Ordering::Relaxed);
        Some(SocketAddr::new(
            self.ips[j],
            (FIRST_PORT + k % PORTS) as u16,
        ))
    }

    /// How many addresses are in use (0: the kernel's choice).
    pub fn len(&self) -> usize {
        self.ips.len()
    }

    /// Whether the kernel chooses.
    pub fn is_empty(&self) -> bool {
        self.ips.is_empty()
    }
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
        assert!(Sources::new(lo, 100, 0).pick(0).is_none());
        let two = Sources::new(lo, 100, 2);
        assert_eq!(two.pick(1), Some("127.0.0.2:1025".parse().unwrap()));
        assert_eq!(two.pick(3), Some("127.0.0.2:1026".parse().unwrap()));
        assert_eq!(two.pick(0), Some("127.0.0.1:1025".parse().unwrap()));
        let many = Sources::new(lo, 100_000, 0);
        assert_eq!(many.len(), 10);
        assert_eq!(many.pick(4).unwrap().ip().to_string(), "127.0.0.5");
        let remote: SocketAddr = "10.0.0.1:1883".parse().unwrap();
        assert!(Sources::new(remote, 100_000, 0).is_empty());
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
        // A wait given up before its slot leaves that slot for the next wait.
        let early = tokio::time::timeout(Duration::from_micros(1), p.wait()).await;
        let c = match early {
            Ok(c) => c,
            Err(_) => p.wait().await,
        };
        assert_eq!(c - b, Duration::from_millis(10));
        assert!(Instant::now() >= c);
        assert!(!Pacer::new(None, 0, 1, start).is_open());
    }
}
