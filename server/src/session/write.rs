//! The session's way out: packets the outbox decides on, messages delivered at the
//! subscription's QoS as the write side has room, the flush that ends each turn
//! (stopping a client that does not read, counting what the session holds), and the
//! [`Flusher`] task that writes what the socket did not take at once and then what
//! the outbox kept back for room.

use std::{
    pin::Pin,
    task::{Context as TaskContext, Poll},
};

use actix::prelude::*;
use mqtt::{
    packet::{PublishPacket, PubrelPacket, QoSWithPacketIdentifier},
    QualityOfService, TopicName,
};

use super::{
    actor::{Phase, Session},
    outbox::{OutPacket, Outgoing},
};

impl Session {
    /// Writes a packet the outbox decided on.
    pub(super) fn write_packet(&mut self, send: OutPacket) {
        let Phase::Live(live) = &self.phase else {
            return;
        };
        match send {
            OutPacket::Publish {
                pkid,
                qos,
                payload,
                dup,
            } => {
                let q = match (qos, pkid) {
                    (QualityOfService::Level1, Some(id)) => QoSWithPacketIdentifier::Level1(id),
                    (QualityOfService::Level2, Some(id)) => QoSWithPacketIdentifier::Level2(id),
                    _ => QoSWithPacketIdentifier::Level0,
                };
                // `actions/1/api/<ClientId>`, made per message rather than kept per
                // connection (a copy was made per message anyway).
                let Ok(topic) = TopicName::new(live.caller.client_id.actions_topic()) else {
                    return;
                };
                let mut p = PublishPacket::new(topic, q, payload.to_vec());
                p.set_dup(dup);
                self.out.write(p.into());
            }
            OutPacket::Pubrel(id) => self.out.write(PubrelPacket::new(id).into()),
        }
    }

    /// Sends a message on the actions topic at its QoS, lowered to the subscription's;
    /// the outbox keeps it while the window or the write side has no room.
    pub(super) fn deliver(&mut self, mut msg: Outgoing) {
        let room = self.room();
        let Some(state) = self.live().and_then(|l| l.state.as_mut()) else {
            return;
        };
        msg.qos = msg.qos.min(state.sub_qos);
        if let Some(send) = state.outbox.push(msg, room) {
            self.write_packet(send);
        }
    }

    /// Writes what the outbox kept back that the write side now has room for.
    pub(super) fn pump_outbox(&mut self) {
        let room = self.room();
        let sends = match self.live().and_then(|l| l.state.as_mut()) {
            Some(state) => state.outbox.pump(room),
            None => return,
        };
        for send in sends {
            self.write_packet(send);
        }
    }

    /// Whether the outbox has something to write once there is room.
    fn outbox_waiting(&mut self) -> bool {
        self.live()
            .and_then(|l| l.state.as_ref())
            .is_some_and(|s| s.outbox.waiting())
    }

    /// Ends a turn of the session: sends what it wrote, and stops a client whose
    /// replies the write backlog refused (it does not read what it is sent). True
    /// when it was stopped.
    pub(super) fn flush_or_stop(&mut self, ctx: &mut Context<Self>) -> bool {
        self.out.flush();
        if !self.out.overflowed() {
            self.settle();
            return false;
        }
        log::info!(
            "{}: not reading its replies ({} bytes waiting); closing",
            self.peer,
            self.out.pending()
        );
        self.park_state();
        ctx.stop();
        true
    }
}

/// Writes what the socket did not take when it becomes writable, reports a failed
/// socket, and stops the session once a close has been flushed. An item of the
/// session's context for its whole life (a unit struct: boxing it allocates nothing).
pub(super) struct Flusher;

impl ActorFuture<Session> for Flusher {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        act: &mut Session,
        ctx: &mut Context<Session>,
        task: &mut TaskContext<'_>,
    ) -> Poll<()> {
        match act.out.poll_task(task) {
            Poll::Pending => {
                // What the socket took made room: what the outbox kept back goes now,
                // and requests held back while unsent replies filled the budget.
                if act.outbox_waiting() && act.room().is_open() {
                    act.pump_outbox();
                    act.out.flush();
                }
                act.settle();
                if !act.busy && !act.requests.is_empty() {
                    act.next_request(ctx);
                }
                Poll::Pending
            }
            Poll::Ready(done) => {
                if let Err(e) = done {
                    log::debug!("{}: write failed: {e}", act.peer);
                }
                ctx.stop();
                Poll::Ready(())
            }
        }
    }
}
