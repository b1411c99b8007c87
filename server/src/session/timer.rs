//! One coarse timer wheel per worker thread for the sessions' deadlines (the CONNECT
//! deadline, then the keep-alive checks): a session holds a 4-byte [`Timer`] and a
//! 24-byte entry in its worker's wheel instead of a boxed tokio `Sleep` (112 bytes, an
//! allocation of 128), which matters when a worker holds tens of thousands of idle
//! sessions. Deadlines are kept to [`TICK`]: a timer fires up to one tick late, never
//! early. The wheel turns while it has timers, in a task of its own on the worker.
//! [`Tick`] is the matching coarse clock, for when a client was last heard from.

use std::{
    cell::RefCell,
    num::NonZeroU32,
    task::{Context, Poll, Waker},
    time::{Duration, Instant},
};

/// The wheel's resolution.
pub const TICK: Duration = Duration::from_millis(100);

/// Slots in the ring: deadlines further than this many ticks ahead are filed at the
/// ring's far end and re-filed from there.
const SLOTS: u32 = 4096;

/// Keys a processed slot may keep room for (256 bytes): at most 1 MiB per worker.
const KEEP_SLOT: usize = 64;

/// A deadline on the current worker's wheel. Not `Send`: it belongs to the thread
/// that made it. Dropping it takes it off the wheel.
pub struct Timer {
    /// Its entry in the wheel, plus one (so that `Option<Timer>` is 4 bytes too).
    slot: NonZeroU32,
}

/// One timer's state in the wheel.
struct Entry {
    /// The task to wake when it is due; `None` when free, not yet polled, or woken.
    waker: Option<Waker>,
    /// The tick it is due at.
    due: u32,
    /// The tick whose slot lists it (`due`, or the ring's far end for a distant one).
    filed: u32,
    /// Whether the entry belongs to a live timer.
    used: bool,
}

/// A worker's wheel.
struct Wheel {
    /// Tick 0.
    start: Instant,
    /// Ticks up to here have been processed: timers due by then have fired.
    done: u32,
    /// Timers by key; a slot may be free.
    entries: Vec<Entry>,
    /// Free keys.
    free: Vec<u32>,
    /// Keys filed under each tick, `tick % SLOTS`; a key whose entry moved on since
    /// is skipped when its slot comes round.
    slots: Vec<Vec<u32>>,
    /// Whether the task that turns the wheel is running.
    turning: bool,
}

thread_local! {
    static WHEEL: RefCell<Wheel> = RefCell::new(Wheel {
        start: Instant::now(),
        done: 0,
        entries: Vec::new(),
        free: Vec::new(),
        slots: (0..SLOTS).map(|_| Vec::new()).collect(),
        turning: false,
    });
}

impl Wheel {
    /// The first tick at or after `at` (so a timer never fires early).
    fn tick_of(&self, at: Instant) -> u32 {
        let nanos = at.saturating_duration_since(self.start).as_nanos();
        let tick = nanos.div_ceil(TICK.as_nanos());
        u32::try_from(tick).unwrap_or(u32::MAX)
    }

    /// The current tick, by the clock.
    fn now(&self) -> u32 {
        (Instant::now()
            .saturating_duration_since(self.start)
            .as_nanos()
            / TICK.as_nanos())
        .try_into()
        .unwrap_or(u32::MAX)
    }

    /// Lists `key` under its due tick, or the ring's far end if that is further.
    fn file(&mut self, key: u32) {
        let far = self.done.saturating_add(SLOTS - 1);
        let entry = &mut self.entries[key as usize];
        let tick = entry.due.clamp(self.done.saturating_add(1), far);
        if entry.filed != tick {
            entry.filed = tick;
            self.slots[(tick % SLOTS) as usize].push(key);
        }
    }

    /// Processes every tick up to the clock's: wakes the timers due, re-files the
    /// distant ones that reached the far end. Returns whether timers remain.
    fn turn(&mut self) -> bool {
        let now = self.now();
        self.turn_to(now);
        if self.live() == 0 {
            self.empty();
        }
        self.live() > 0
    }

    /// Live timers: the entries not on the free list.
    fn live(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// With no timer left, every key still filed is stale: drops them all, and the
    /// tables sized for the last crowd of connections, so a stopped wheel holds nothing.
    fn empty(&mut self) {
        for slot in &mut self.slots {
            if slot.capacity() > KEEP_SLOT {
                *slot = Vec::new();
            } else {
                slot.clear();
            }
        }
        self.entries = Vec::new();
        self.free = Vec::new();
    }

    /// Processes the ticks up to `now`.
    fn turn_to(&mut self, now: u32) {
        // A wheel left behind by more than a turn of the ring visits each slot once,
        // and takes every timer filed there for an earlier tick along.
        let from = self.done.max(now.saturating_sub(SLOTS));
        for tick in from.saturating_add(1)..=now {
            self.done = tick;
            let keys = std::mem::take(&mut self.slots[(tick % SLOTS) as usize]);
            for &key in &keys {
                let entry = &mut self.entries[key as usize];
                // Skips a key whose timer was freed or filed elsewhere since.
                if !entry.used || entry.filed > tick || entry.filed % SLOTS != tick % SLOTS {
                    continue;
                }
                if entry.due <= tick {
                    if let Some(w) = entry.waker.take() {
                        w.wake();
                    }
                } else {
                    self.file(key);
                }
            }
            // Keeps a small slot's allocation for the next round; a large one (a burst of
            // connections) is given back, so 4,096 slots cannot hoard memory.
            let slot = &mut self.slots[(tick % SLOTS) as usize];
            if slot.is_empty() && keys.capacity() <= KEEP_SLOT {
                let mut keys = keys;
                keys.clear();
                *slot = keys;
            }
        }
        self.done = self.done.max(now);
    }
}

impl Timer {
    /// A timer due at `at`, on the current worker's wheel. Must be called on a thread
    /// running a tokio `LocalSet` (an actix arbiter): the wheel turns in a local task.
    pub fn new(at: Instant) -> Timer {
        WHEEL.with(|w| {
            let mut w = w.borrow_mut();
            let due = w.tick_of(at);
            let entry = Entry {
                waker: None,
                due,
                filed: u32::MAX,
                used: true,
            };
            let key = match w.free.pop() {
                Some(k) => {
                    w.entries[k as usize] = entry;
                    k
                }
                None => {
                    w.entries.push(entry);
                    (w.entries.len() - 1) as u32
                }
            };
            let slot = NonZeroU32::new(key + 1).expect("fewer than u32::MAX timers");
            if !w.turning {
                // Nothing was due while it stood still: it starts from now.
                w.done = w.done.max(w.now());
                w.turning = true;
                tokio::task::spawn_local(turn_while_needed());
            }
            w.file(key);
            Timer { slot }
        })
    }

    /// Its entry in the wheel.
    fn key(&self) -> u32 {
        self.slot.get() - 1
    }

    /// Moves the deadline to `at`.
    pub fn reset(&mut self, at: Instant) {
        WHEEL.with(|w| {
            let mut w = w.borrow_mut();
            let due = w.tick_of(at);
            w.entries[self.key() as usize].due = due;
            w.file(self.key());
        });
    }

    /// Moves the deadline to `at` if that is sooner.
    pub fn bring_forward(&mut self, at: Instant) {
        WHEEL.with(|w| {
            let mut w = w.borrow_mut();
            let due = w.tick_of(at);
            if due < w.entries[self.key() as usize].due {
                w.entries[self.key() as usize].due = due;
                w.file(self.key());
            }
        });
    }

    /// Ready once the deadline has passed; until then, the task is woken when it does.
    pub fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        WHEEL.with(|w| {
            let mut w = w.borrow_mut();
            let done = w.done;
            let entry = &mut w.entries[self.key() as usize];
            if entry.due <= done {
                entry.waker = None;
                return Poll::Ready(());
            }
            match &entry.waker {
                Some(old) if old.will_wake(cx.waker()) => {}
                _ => entry.waker = Some(cx.waker().clone()),
            }
            Poll::Pending
        })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // At thread exit the wheel may already be gone, and this timer with it. (It is
        // never borrowed here: a turn only wakes tasks, and a task's future is dropped
        // by its runtime, not by the waker; were it borrowed, the entry would be left.)
        let _ = WHEEL.try_with(|w| {
            let Ok(mut w) = w.try_borrow_mut() else {
                return;
            };
            let key = self.key();
            let entry = &mut w.entries[key as usize];
            entry.used = false;
            entry.waker = None;
            w.free.push(key);
        });
    }
}

/// A coarse instant, in the current worker's ticks: a session keeps when it last heard
/// from its client in 4 bytes instead of an `Instant`'s 16 (and `Option<Tick>` in 4
/// too: it is kept one past the tick).
#[derive(Debug, Clone, Copy)]
pub struct Tick(NonZeroU32);

impl Tick {
    /// Now, rounded down to a tick.
    pub fn now() -> Tick {
        let now = WHEEL.with(|w| w.borrow().now());
        Tick(NonZeroU32::new(now.saturating_add(1)).expect("one past a tick"))
    }

    /// Whether more than `limit` has certainly passed since `self`: both ends are
    /// rounded down, so a tick is allowed for (never early, at most two ticks late).
    pub fn older_than(self, limit: Duration) -> bool {
        let ticks = limit.as_nanos().div_ceil(TICK.as_nanos()) + 1;
        u128::from(Tick::now().0.get().saturating_sub(self.0.get())) > ticks
    }

    /// Time passed since `self`, in whole ticks (so at most a tick short).
    pub fn elapsed(self) -> Duration {
        TICK * Tick::now().0.get().saturating_sub(self.0.get())
    }
}

/// Marks the wheel as not turning when its task ends, however it ends (a runtime that
/// shuts down drops it mid-wait; a later runtime on the thread starts a new one).
struct Turning;

impl Drop for Turning {
    fn drop(&mut self) {
        let _ = WHEEL.try_with(|w| w.borrow_mut().turning = false);
    }
}

/// Turns the wheel every tick while it has timers.
async fn turn_while_needed() {
    let _turning = Turning;
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if !WHEEL.with(|w| w.borrow_mut().turn()) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        future::poll_fn,
        sync::{
            atomic::{AtomicBool, Ordering},
            Arc,
        },
        task::Wake,
    };

    use super::*;

    async fn elapsed(t: &mut Timer) {
        poll_fn(|cx| t.poll_elapsed(cx)).await
    }

    #[actix_rt::test]
    async fn fires_at_its_deadline_not_before() {
        let start = Instant::now();
        let mut t = Timer::new(start + Duration::from_millis(250));
        elapsed(&mut t).await;
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(250), "{took:?}");
    }

    #[actix_rt::test]
    async fn reset_moves_the_deadline_both_ways() {
        let start = Instant::now();
        let mut t = Timer::new(start + Duration::from_secs(3600));
        t.reset(start + Duration::from_millis(150));
        elapsed(&mut t).await;
        assert!(start.elapsed() >= Duration::from_millis(150));
        // Later again: its earlier filing does not fire it.
        let again = Instant::now();
        t.reset(again + Duration::from_secs(2));
        let mut early = Timer::new(again + Duration::from_millis(100));
        elapsed(&mut early).await;
        let state = poll_fn(|cx| Poll::Ready(t.poll_elapsed(cx))).await;
        assert!(state.is_pending() || again.elapsed() >= Duration::from_secs(2));
    }

    #[actix_rt::test]
    async fn a_distant_deadline_is_refiled_not_fired() {
        // Further than the ring reaches: filed at its far end, and moved on from there.
        let far = Instant::now() + TICK * (SLOTS * 3);
        let t = Timer::new(far);
        WHEEL.with(|w| {
            let mut w = w.borrow_mut();
            let due = w.tick_of(far);
            let filed = w.entries[t.key() as usize].filed;
            assert_eq!(w.entries[t.key() as usize].due, due);
            assert!(filed < due && filed < w.done + SLOTS);
            w.turn_to(filed);
            let e = &w.entries[t.key() as usize];
            assert!(e.filed > filed && e.filed < due, "re-filed further on");
            assert!(e.waker.is_none() && e.due > w.done, "not due");
        });
        // Waiting, it is woken by a wheel left behind by several turns of the ring.
        let woken = Arc::new(Flag::default());
        let waker = Waker::from(woken.clone());
        let mut t = t;
        assert!(t
            .poll_elapsed(&mut Context::from_waker(&waker))
            .is_pending());
        WHEEL.with(|w| {
            let mut w = w.borrow_mut();
            let due = w.entries[t.key() as usize].due;
            w.turn_to(due + 2 * SLOTS);
        });
        assert!(woken.0.load(Ordering::SeqCst));
        assert!(t.poll_elapsed(&mut Context::from_waker(&waker)).is_ready());
    }

    /// A waker that records that it was woken.
    #[derive(Default)]
    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[actix_rt::test]
    async fn a_tick_is_old_only_once_its_limit_has_certainly_passed() {
        let start = Instant::now();
        let seen = Tick::now();
        let limit = Duration::from_millis(250);
        let mut check = Timer::new(start);
        while !seen.older_than(limit) {
            check.reset(Instant::now() + TICK);
            elapsed(&mut check).await;
        }
        let took = start.elapsed();
        assert!(took > limit, "{took:?}");
        assert!(seen.elapsed() >= limit && seen.elapsed() <= took);
        assert!(!Tick::now().older_than(limit));
        assert_eq!(std::mem::size_of::<Option<Tick>>(), 4);
    }

    #[actix_rt::test]
    async fn bring_forward_moves_a_deadline_only_sooner() {
        let start = Instant::now();
        let mut t = Timer::new(start + Duration::from_millis(200));
        t.bring_forward(start + Duration::from_secs(3600));
        elapsed(&mut t).await;
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(200) && took < Duration::from_secs(5));
        let again = Instant::now();
        t.reset(again + Duration::from_secs(3600));
        t.bring_forward(again + Duration::from_millis(150));
        elapsed(&mut t).await;
        assert!(again.elapsed() < Duration::from_secs(5));
    }

    #[actix_rt::test]
    async fn many_timers_each_fire_once_and_free_their_entries() {
        let start = Instant::now();
        let mut timers: Vec<Timer> = (0..1000u32)
            .map(|i| Timer::new(start + Duration::from_millis(u64::from(i % 5) * 60)))
            .collect();
        for t in &mut timers {
            elapsed(t).await;
        }
        let before = WHEEL.with(|w| w.borrow().live());
        drop(timers);
        let after = WHEEL.with(|w| (w.borrow().live(), w.borrow().free.len()));
        assert_eq!(before - after.0, 1000);
        assert!(after.1 >= 1000);
        // Freed entries are used again rather than the table growing.
        let len = WHEEL.with(|w| w.borrow().entries.len());
        let t = Timer::new(start);
        assert_eq!(WHEEL.with(|w| w.borrow().entries.len()), len);
        drop(t);
        // With no timer left, a turn lets go of the tables and of every stale key.
        WHEEL.with(|w| {
            let mut w = w.borrow_mut();
            assert!(!w.turn(), "no timer remains");
            assert_eq!((w.entries.capacity(), w.free.capacity()), (0, 0));
            assert!(w.slots.iter().all(Vec::is_empty));
        });
    }
}
