//! [`Tick`]: the coarse clock matching the wheel, for when a client was last heard
//! from and since when a packet is incomplete.

use std::{num::NonZeroU32, time::Duration};

use super::wheel::{TICK, WHEEL};

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
