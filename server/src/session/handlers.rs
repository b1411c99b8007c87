//! What a session does with the registry's messages: deliver a message, close now
//! (handing a persistent state to a takeover), drain for a graceful shutdown.

use actix::prelude::*;
use bytes::Bytes;
use tokio::sync::oneshot;

use super::{
    actor::{Phase, Session},
    messages::{Drain, Kick, Push},
    outbox::Outgoing,
    state::SessionState,
};
use crate::term::{self, ReplyAtoms};

impl Handler<Push> for Session {
    type Result = ();

    fn handle(&mut self, m: Push, ctx: &mut Context<Self>) {
        let latin1 = match self.shared.config.wire.reply_atoms {
            ReplyAtoms::Mirror => self.latin1_requests,
            ReplyAtoms::Utf8 => false,
            ReplyAtoms::Latin1 => true,
        };
        let Outgoing { payload, qos, kind } = m.0;
        let payload = match latin1.then(|| term::to_latin1(&payload)).flatten() {
            Some(old) => Bytes::from(old),
            None => payload,
        };
        self.deliver(Outgoing { payload, qos, kind });
        self.flush_or_stop(ctx);
    }
}

impl Handler<Kick> for Session {
    type Result = Option<SessionState>;

    fn handle(&mut self, m: Kick, ctx: &mut Context<Self>) -> Option<SessionState> {
        log::debug!("{}: connection closed ({:?})", self.peer, m.reason);
        let handed = match std::mem::replace(&mut self.phase, Phase::Closing) {
            Phase::Live(live) => {
                self.shared.router.disconnected(&live.caller);
                if m.hand_over && live.persistent {
                    live.state
                } else {
                    None
                }
            }
            _ => None,
        };
        ctx.stop();
        handed
    }
}

impl Handler<Drain> for Session {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drain, ctx: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.draining = Some(Box::new(tx));
        // Requests held back by the session's budget are not waited for.
        if !self.busy && (self.requests.is_empty() || !self.may_route()) {
            self.close(ctx);
        }
        // The sender is dropped when the actor is: that is the answer.
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}
