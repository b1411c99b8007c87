//! The wheel itself: one per worker thread, its [`Timer`]s (a 4-byte key and a
//! 24-byte entry each) and the task that turns it every [`TICK`] while it has timers.

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
pub(super) const SLOTS: u32 = 4096;

/// Keys a processed slot may keep room for (256 bytes): at most 1 MiB per worker.
const KEEP_SLOT: usize = 64;

/// A deadline on the current worker's wheel. Not `Send`: it belongs to the thread
/// that made it. Dropping it takes it off the wheel.
pub struct Timer {
    /// Its entry in the wheel, plus one (so that `Option<Timer>` is 4 bytes too).
    slot: NonZeroU32,
}

/// One timer's state in the wheel.
pub(super) struct Entry {
    /// The task to wake when it is due; `None` when free, not yet polled, or woken.
    pub(super) waker: Option<Waker>,
    /// The tick it is due at.
    pub(super) due: u32,
    /// The tick whose slot lists it (`due`, or the ring's far end for a distant one).
    pub(super) filed: u32,
    /// Whether the entry belongs to a live timer.
    pub(super) used: bool,
}

/// A worker's wheel.
pub(super) struct Wheel {
    /// Tick 0.
    start: Instant,
    /// Ticks up to here have been processed: timers due by then have fired.
    pub(super) done: u32,
    /// Timers by key; a slot may be free.
    pub(super) entries: Vec<Entry>,
    /// Free keys.
    pub(super) free: Vec<u32>,
    /// Keys filed under each tick, `tick % SLOTS`; a key whose entry moved on since
    /// is skipped when its slot comes round.
    pub(super) slots: Vec<Vec<u32>>,
    /// Whether the task that turns the wheel is running.
    turning: bool,
}

thread_local! {
    pub(super) static WHEEL: RefCell<Wheel> = RefCell::new(Wheel {
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
    pub(super) fn tick_of(&self, at: Instant) -> u32 {
        let nanos = at.saturating_duration_since(self.start).as_nanos();
        let tick = nanos.div_ceil(TICK.as_nanos());
        u32::try_from(tick).unwrap_or(u32::MAX)
    }

    /// The current tick, by the clock.
    pub(super) fn now(&self) -> u32 {
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
    pub(super) fn turn(&mut self) -> bool {
        let now = self.now();
        self.turn_to(now);
        if self.live() == 0 {
            self.empty();
        }
        self.live() > 0
    }

    /// Live timers: the entries not on the free list.
    pub(super) fn live(&self) -> usize {
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
    pub(super) fn turn_to(&mut self, now: u32) {
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
    pub(super) fn key(&self) -> u32 {
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
