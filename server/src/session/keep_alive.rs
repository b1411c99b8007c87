//! The session's one timer: the CONNECT deadline, then the checks of a live client —
//! silent up to 1.5 × its keep-alive (a registering one at most
//! `session.max_anonymous_idle_secs`, whatever its keep-alive), and a packet left
//! incomplete up to `server.packet_timeout_secs` — run by a [`Watchdog`] in the
//! session's context.

use std::{
    pin::Pin,
    task::{ready, Poll},
    time::{Duration, Instant},
};

use actix::prelude::*;

use super::{
    actor::{Phase, Session},
    timer::{Timer, TICK},
};

impl Session {
    /// Re-arms the timer for the next keep-alive check of a client idle up to `limit`.
    pub(super) fn arm_keep_alive(&mut self, limit: Duration) {
        if let Some(t) = self.timer.as_mut() {
            t.reset(Instant::now() + check_every(limit));
        }
    }

    /// Makes the timer fire by `at` at the latest (starting it again if it had
    /// stopped: a client at keep-alive 0 has none until a packet is left incomplete).
    pub(super) fn check_by(&mut self, at: Instant, ctx: &mut Context<Self>) {
        match self.timer.as_mut() {
            Some(t) => t.bring_forward(at),
            None => {
                self.timer = Some(Timer::new(at));
                ctx.spawn(Watchdog);
            }
        }
    }

    /// The timer fired: no CONNECT in time, or a check of a live client. Returns
    /// whether it runs again (it was re-armed).
    fn on_timer(&mut self, ctx: &mut Context<Self>) -> bool {
        let packet_timeout = Duration::from_secs(self.shared.config.server.packet_timeout_secs);
        let last_seen = self.last_seen;
        let live = match &self.phase {
            Phase::Connecting => {
                log::debug!("{}: no CONNECT in time", self.peer);
                ctx.stop();
                return false;
            }
            Phase::Closing => return false,
            Phase::Live(live) => live,
        };
        if let Some(since) = live.partial_since {
            if since.older_than(packet_timeout) {
                log::info!(
                    "{}: a packet left incomplete for {}s (server.packet_timeout_secs); closing",
                    self.peer,
                    packet_timeout.as_secs()
                );
                self.park_state();
                ctx.stop();
                return false;
            }
        }
        if let Some(limit) = live.idle_limit {
            if last_seen.older_than(limit) {
                log::debug!("{}: keep-alive expired", self.peer);
                self.park_state();
                ctx.stop();
                return false;
            }
        }
        let keep_alive = live.idle_limit.map(check_every);
        // The packet's deadline, and a tick, since `older_than` allows for one.
        let packet = live
            .partial_since
            .map(|since| packet_timeout.saturating_sub(since.elapsed()) + TICK * 2);
        let Some(next) = keep_alive.into_iter().chain(packet).min() else {
            return false;
        };
        if let Some(t) = self.timer.as_mut() {
            t.reset(Instant::now() + next);
        }
        true
    }
}

/// How often a client idle up to `limit` is checked: every third of it.
fn check_every(limit: Duration) -> Duration {
    (limit / 3).max(Duration::from_millis(100))
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
