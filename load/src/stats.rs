//! What a run measures: one latency histogram (hdrhistogram, µs) per step, the count
//! of completed units, replies by kind and errors by kind. Shared by every device.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex, PoisonError,
    },
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;

/// Longest latency a histogram holds (one hour, in µs); longer is clamped.
const MAX_MICROS: u64 = 3_600_000_000;

/// One step's latencies.
struct Step {
    /// Its name in the report.
    name: &'static str,
    /// Latencies in µs.
    hist: Mutex<Histogram<u64>>,
}

/// The figures of one phase of a run (start-up or measurement).
pub struct Stats {
    /// When the phase started.
    start: Instant,
    /// Per step, in the scenario's order.
    steps: Vec<Step>,
    /// Completed units (registrations, requests, messages, connections).
    completed: AtomicU64,
    /// When the last unit completed, in ns after `start`.
    last_done: AtomicU64,
    /// Replies by kind.
    replies: Mutex<BTreeMap<String, u64>>,
    /// Errors by kind.
    errors: Mutex<BTreeMap<String, u64>>,
}

/// A step's figures, in milliseconds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepFigures {
    /// The step.
    pub name: &'static str,
    /// Samples.
    pub count: u64,
    /// Mean latency.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

fn bump(map: &Mutex<BTreeMap<String, u64>>, key: String) {
    *map.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_default() += 1;
}

impl Stats {
    /// Fresh figures for a phase with these steps, starting now.
    pub fn new(steps: &[&'static str]) -> Self {
        Self {
            start: Instant::now(),
            steps: steps
                .iter()
                .map(|&name| Step {
                    name,
                    // Bounds 1..=MAX_MICROS at 3 significant figures are always valid.
                    hist: Mutex::new(
                        Histogram::new_with_bounds(1, MAX_MICROS, 3)
                            .unwrap_or_else(|_| Histogram::new(3).expect("3 sigfig")),
                    ),
                })
                .collect(),
            completed: AtomicU64::new(0),
            last_done: AtomicU64::new(0),
            replies: Mutex::new(BTreeMap::new()),
            errors: Mutex::new(BTreeMap::new()),
        }
    }

    /// When the phase started.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Records one latency of step `step` (an index into the steps given to `new`).
    pub fn record(&self, step: usize, took: Duration) {
        if let Some(s) = self.steps.get(step) {
            let micros = (took.as_micros() as u64).clamp(1, MAX_MICROS);
            let mut h = s.hist.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = h.record(micros);
        }
    }

    /// One unit completed.
    pub fn done(&self) {
        self.completed.fetch_add(1, Ordering::Relaxed);
        let at = self.start.elapsed().as_nanos() as u64;
        self.last_done.fetch_max(at, Ordering::Relaxed);
    }

    /// Counts a reply by its label.
    pub fn reply(&self, label: String) {
        bump(&self.replies, label);
    }

    /// Counts an error by kind.
    pub fn error(&self, kind: String) {
        bump(&self.errors, kind);
    }

    /// Units completed so far.
    pub fn completed(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    /// Errors so far.
    pub fn error_count(&self) -> u64 {
        self.errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }

    /// From the start to the last completed unit (at least 1 ms).
    pub fn active(&self) -> Duration {
        Duration::from_nanos(self.last_done.load(Ordering::Relaxed)).max(Duration::from_millis(1))
    }

    /// Every step's figures, in order.
    pub fn steps(&self) -> Vec<StepFigures> {
        let ms = |us: u64| us as f64 / 1000.0;
        self.steps
            .iter()
            .map(|s| {
                let h = s.hist.lock().unwrap_or_else(PoisonError::into_inner);
                StepFigures {
                    name: s.name,
                    count: h.len(),
                    mean_ms: if h.is_empty() { 0.0 } else { h.mean() / 1000.0 },
                    p50_ms: ms(h.value_at_quantile(0.50)),
                    p90_ms: ms(h.value_at_quantile(0.90)),
                    p99_ms: ms(h.value_at_quantile(0.99)),
                    max_ms: ms(h.max()),
                }
            })
            .collect()
    }

    /// Replies by kind.
    pub fn replies(&self) -> BTreeMap<String, u64> {
        self.replies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Errors by kind.
    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_counts() {
        let s = Stats::new(&["a", "b"]);
        for ms in 1..=100 {
            s.record(0, Duration::from_millis(ms));
        }
        s.record(9, Duration::from_millis(1)); // no such step: ignored
        s.error("timeout".into());
        s.error("timeout".into());
        s.reply("x".into());
        s.done();
        let steps = s.steps();
        assert_eq!(steps[0].count, 100);
        assert!((steps[0].p50_ms - 50.0).abs() < 0.5, "{:?}", steps[0]);
        assert!((steps[0].p99_ms - 99.0).abs() < 0.5, "{:?}", steps[0]);
        assert_eq!(steps[1].count, 0);
        assert_eq!(s.errors()["timeout"], 2);
        assert_eq!(s.error_count(), 2);
        assert_eq!(s.completed(), 1);
    }
}
