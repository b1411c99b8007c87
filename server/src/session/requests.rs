//! The session's requests: publishes under `events/` wait in a queue and go to the
//! router one at a time, so their replies (after the PUBACK, for QoS 1) keep request
//! order; a logout's reply closes the session once it is acknowledged.

use std::time::Duration;

use actix::prelude::*;
use mqtt::{packet::PubackPacket, QualityOfService};

use super::actor::Session;
use crate::{
    router::{Route, Routed},
    term::{self, AtomFamily},
};

impl Session {
    /// Hands the queued requests to the router, one at a time; their replies go out in
    /// order. Answers the router has at once are sent in this loop; the first that
    /// must wait for a domain actor resumes the loop when it is answered.
    pub(super) fn next_request(&mut self, ctx: &mut Context<Self>) {
        loop {
            if self.busy {
                return;
            }
            let Some(caller) = self.live().map(|l| l.caller.clone()) else {
                return;
            };
            let Some((payload, qos, puback)) = self.requests.pop_front() else {
                if self.draining.is_some() {
                    self.close(ctx);
                }
                return;
            };
            self.busy = true;
            self.latin1_requests = term::request_family(&payload) == Some(AtomFamily::Latin1);
            match self.shared.router.route(&caller, payload) {
                Route::Ready(routed) => {
                    if !self.answered(routed, puback, qos, ctx) {
                        return;
                    }
                }
                Route::Pending(fut) => {
                    ctx.spawn(fut.into_actor(self).map(move |routed, act, ctx| {
                        if act.answered(routed, puback, qos, ctx) {
                            act.next_request(ctx);
                        }
                    }));
                    return;
                }
            }
        }
    }

    /// Sends a request's replies (after its PUBACK, if it had one); closes a
    /// logged-out session. Whether the session takes further requests.
    fn answered(
        &mut self,
        routed: Routed,
        puback: Option<u16>,
        qos: QualityOfService,
        ctx: &mut Context<Self>,
    ) -> bool {
        self.busy = false;
        if let Some(id) = puback {
            self.out.write(PubackPacket::new(id).into());
        }
        for reply in routed.replies {
            self.deliver(reply, qos);
        }
        if self.flush_or_stop(ctx) {
            return false;
        }
        if routed.close {
            // Logged out or removed: the token is dead, so is the connection, and
            // there is no session to keep for a return.
            if let Some(live) = self.live() {
                live.persistent = false;
            }
            self.closing_after_ack = true;
            self.requests.clear();
            self.close_if_acked(ctx);
            ctx.run_later(Duration::from_secs(5), |act, ctx| act.close(ctx));
            return false;
        }
        true
    }

    /// Closes a logged-out session once nothing it sent awaits acknowledgement.
    pub(super) fn close_if_acked(&mut self, ctx: &mut Context<Self>) {
        let acked = self
            .live()
            .and_then(|l| l.state.as_ref())
            .is_none_or(|s| s.outbox.is_empty());
        if self.closing_after_ack && acked {
            self.close(ctx);
        }
    }
}
