//! The session's one timer: the CONNECT deadline, then the keep-alive checks of a
//! client idle up to 1.5 × its keep-alive, run by a [`Watchdog`] in the session's
//! context.

use std::{
    pin::Pin,
    task::{ready, Poll},
    time::{Duration, Instant},
};

use actix::prelude::*;

use super::actor::{Phase, Session};

impl Session {
    /// Re-arms the timer for the next keep-alive check of a client idle up to `limit`.
    pub(super) fn arm_keep_alive(&mut self, limit: Duration) {
        let every = (limit / 3).max(Duration::from_millis(100));
        if let Some(t) = self.timer.as_mut() {
            t.reset(Instant::now() + every);
        }
    }

    /// The timer fired: no CONNECT in time, or a keep-alive check. Returns whether it
    /// runs again (it was re-armed).
    fn on_timer(&mut self, ctx: &mut Context<Self>) -> bool {
        match &self.phase {
            Phase::Connecting => {
                log::debug!("{}: no CONNECT in time", self.peer);
                ctx.stop();
                false
            }
            Phase::Live(live) => match live.idle_limit {
                Some(limit) if self.last_seen.older_than(limit) => {
                    log::debug!("{}: keep-alive expired", self.peer);
                    self.park_state();
                    ctx.stop();
                    false
                }
                Some(limit) => {
                    self.arm_keep_alive(limit);
                    true
                }
                None => false,
            },
            Phase::Closing => false,
        }
    }
}

/// Runs the session's timer (an item of its context that lives as long as the timer).
pub(super) struct Watchdog;

impl ActorFuture<Session> for Watchdog {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        act: &mut Session,
        ctx: &mut Context<Session>,
        task: &mut std::task::Context<'_>,
    ) -> Poll<()> {
        loop {
            let Some(timer) = act.timer.as_mut() else {
                return Poll::Ready(());
            };
            ready!(timer.poll_elapsed(task));
            if !act.on_timer(ctx) {
                act.timer = None;
                return Poll::Ready(());
            }
        }
    }
}
