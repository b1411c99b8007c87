//! What sessions hold, in bytes, against the server-wide budget: [`MemoryBudget`] (one
//! atomic shared by every worker, with the per-session and total limits), each
//! thread's batched share of it, and [`Charge`], what one holder has counted.
//!
//! A session re-counts what it holds at the end of each turn. Counting into the atomic
//! every time would make every request and acknowledgement touch a cache line shared
//! by all workers; instead each thread adds its changes up locally and passes them on
//! once they reach [`BATCH`] bytes either way, so the atomic is off by less than
//! `BATCH` per thread, and a small request and its reply never reach it.

use std::{
    cell::RefCell,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
};

/// Bytes a thread's share may differ from what it has passed on to the atomic.
pub const BATCH: i64 = 32 * 1024;

/// The bytes every session holds, counted across workers, and the limits on them.
#[derive(Debug)]
pub struct MemoryBudget {
    /// Bytes counted now (may dip below zero for a moment: a thread can pass on a
    /// release before another passes on the charge).
    used: AtomicI64,
    /// `server.max_total_session_bytes`: at or beyond it new work is refused.
    max_total: i64,
    /// `session.max_session_bytes`: what one session may hold.
    max_session: usize,
}

impl MemoryBudget {
    /// An empty budget with these limits.
    pub fn new(max_session: u64, max_total: u64) -> Self {
        Self {
            used: AtomicI64::new(0),
            max_total: i64::try_from(max_total).unwrap_or(i64::MAX),
            max_session: usize::try_from(max_session).unwrap_or(usize::MAX),
        }
    }

    /// What one session may hold.
    pub fn max_session(&self) -> usize {
        self.max_session
    }

    /// Bytes counted now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed).max(0) as u64
    }

    /// Whether the sessions hold the whole budget: new connections and requests are
    /// refused until they hold less.
    pub fn over(&self) -> bool {
        self.used.load(Ordering::Relaxed) >= self.max_total
    }

    /// Counts `delta` bytes more (or fewer) at once; says so in the log when the
    /// total crosses the limit either way.
    pub fn add(&self, delta: i64) {
        if delta == 0 {
            return;
        }
        let before = self.used.fetch_add(delta, Ordering::Relaxed);
        let after = before + delta;
        if before < self.max_total && after >= self.max_total {
            log::warn!(
                "sessions hold {after} bytes, server.max_total_session_bytes is {}: new \
                 connections and requests are refused until they hold less",
                self.max_total
            );
        } else if before >= self.max_total && after < self.max_total {
            log::info!("sessions hold {after} bytes again: new connections and requests accepted");
        }
    }
}

/// This thread's share: the budget it counts into and what it has not passed on yet.
#[derive(Default)]
struct Local {
    /// The budget of the server this thread serves.
    budget: Option<Arc<MemoryBudget>>,
    /// Bytes counted here and not yet added to the atomic.
    pending: i64,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}

/// Makes `budget` the one this thread's charges count into (a worker calls it for
/// each session it starts; the same budget again costs a comparison).
pub fn bind(budget: &Arc<MemoryBudget>) {
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        if l.budget.as_ref().is_some_and(|b| Arc::ptr_eq(b, budget)) {
            return;
        }
        if let Some(old) = l.budget.take() {
            old.add(std::mem::take(&mut l.pending));
        }
        l.budget = Some(budget.clone());
    });
}

/// Counts `delta` into this thread's share, passing the share on once it is large.
fn count(delta: i64) {
    // At thread exit the share may be gone already: nothing is counted any more.
    let _ = LOCAL.try_with(|l| {
        let Ok(mut l) = l.try_borrow_mut() else {
            return;
        };
        l.pending += delta;
        if l.pending.abs() >= BATCH {
            let pending = std::mem::take(&mut l.pending);
            if let Some(b) = &l.budget {
                b.add(pending);
            }
        }
    });
}

/// What one holder (a session, its packet reader) has counted into this thread's
/// budget; given back when it is dropped. It must be dropped on the thread that
/// counted it, as a session's parts are.
#[derive(Debug, Default)]
pub struct Charge(u32);

impl Charge {
    /// Counts the holder as holding `bytes` now (at most 4 GiB: a session never may).
    pub fn set(&mut self, bytes: usize) {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        if bytes != self.0 {
            count(i64::from(bytes) - i64::from(self.0));
            self.0 = bytes;
        }
    }

    /// What it has counted.
    pub fn get(&self) -> usize {
        self.0 as usize
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.set(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_reach_the_atomic_in_batches_and_are_given_back() {
        // Each test runs on its own thread, so its share starts empty.
        let budget = Arc::new(MemoryBudget::new(1 << 20, 100_000));
        bind(&budget);
        let mut small = Charge::default();
        small.set(300);
        assert_eq!(
            budget.used(),
            0,
            "a small charge stays in the thread's share"
        );
        let mut big = Charge::default();
        big.set(200_000);
        assert!(budget.used() >= 200_000 && budget.over());
        drop(big);
        assert!(budget.used() < BATCH as u64 && !budget.over());
        small.set(0);
        drop(small);
        bind(&Arc::new(MemoryBudget::new(1, 1)));
        assert_eq!(budget.used(), 0, "a rebind passes the share on");
    }

    #[test]
    fn the_total_is_shared_by_threads() {
        let budget = Arc::new(MemoryBudget::new(1 << 20, 1 << 20));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let b = budget.clone();
                std::thread::spawn(move || {
                    bind(&b);
                    let mut c = Charge::default();
                    c.set(300_000);
                    std::mem::forget(c);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(budget.used(), 1_200_000);
        assert!(budget.over());
        budget.add(-1_200_000);
        assert!(!budget.over());
    }
}
