//! The session's requests: publishes under `events/` wait in a queue and go to the
//! router one at a time, so their replies (after the PUBACK, for QoS 1) keep request
//! order; they wait while the session's replies fill its budget, and are answered
//! `unavailable` without the router while the server's budget is full; a logout's
//! reply closes the session once it is acknowledged.

use std::time::Duration;

use actix::prelude::*;
use bytes::Bytes;
use mqtt::{packet::PubackPacket, QualityOfService};

use super::{
    actor::Session,
    outbox::{Kind, Outgoing},
};
use crate::{
    router::{Route, Routed},
    term::{self, AtomFamily, IoResult, Reply, ReplyAtoms, Tail},
};

/// `{'Profile',[],[],[],[],[],[],get}`: what a returning device whose parked profile
/// change was dropped is answered as if it had asked (docs/protocol.md, persistent
/// sessions).
const PROFILE_GET: &[u8] = &[
    131, 104, 8, 119, 7, b'P', b'r', b'o', b'f', b'i', b'l', b'e', 106, 106, 106, 106, 106, 106,
    119, 3, b'g', b'e', b't',
];

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
            if self.requests.is_empty() || !self.may_route() {
                // Nothing to do, or the replies fill the budget: the requests wait for
                // acknowledgements (a drain does not wait for them).
                if self.draining.is_some() {
                    self.close(ctx);
                }
                return;
            }
            let Some((payload, qos, puback)) = self.requests.pop_front() else {
                return;
            };
            self.busy = true;
            // The request's atom family, read once: the reply's and, with "mirror",
            // the family later pushes to this session take.
            let atoms = self.shared.config.wire.reply_atoms;
            let family = match atoms {
                ReplyAtoms::Mirror => term::request_family(&payload),
                _ => None,
            };
            self.latin1_requests = family == Some(AtomFamily::Latin1);
            if self.shared.memory.over() {
                // The server holds its whole budget: refused without the router, in
                // the atom family the router would have answered in.
                let latin1 = atoms.choose(family) == AtomFamily::Latin1;
                let refused = Routed {
                    replies: vec![unavailable(latin1)],
                    close: false,
                };
                if !self.answered(refused, puback, qos, ctx) {
                    return;
                }
                continue;
            }
            match self.shared.router.route(&caller, payload, family) {
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
        for payload in routed.replies {
            self.deliver(Outgoing {
                payload,
                qos,
                kind: Kind::Reply,
            });
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

    /// A returning device whose parked profile change was dropped: its current
    /// profile is sent as the answer to a `get` of its own, before its requests.
    pub(super) fn reread_profile(&mut self, ctx: &mut Context<Self>) {
        let get = Bytes::from_static(PROFILE_GET);
        self.requests
            .push_front((get, QualityOfService::Level1, None));
        self.next_request(ctx);
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

/// `{io,{error,unavailable},<<>>}`: the server holds its whole memory budget.
fn unavailable(latin1: bool) -> Bytes {
    let reply = term::encode(&Reply::Io {
        result: IoResult::Error("unavailable"),
        tail: Tail::Empty,
    });
    match latin1.then(|| term::to_latin1(&reply)).flatten() {
        Some(old) => Bytes::from(old),
        None => Bytes::from(reply),
    }
}

#[cfg(test)]
mod tests {
    use super::PROFILE_GET;
    use crate::term::{decode, Limits, Request};

    #[test]
    fn the_reread_is_a_profile_get() {
        let request = decode(PROFILE_GET, &Limits::default()).expect("valid");
        assert!(matches!(request, Request::Profile(_)), "{request:?}");
        let eetf = eetf::Term::decode(PROFILE_GET).expect("ETF");
        assert_eq!(eetf.to_string(), "{'Profile',[],[],[],[],[],[],'get'}");
    }
}
