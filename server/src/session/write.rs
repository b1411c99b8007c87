//! The session's way out: packets the outbox decides on, messages delivered at the
//! subscription's QoS, the flush that ends each turn (stopping a client that does not
//! read), and the [`Flusher`] task that writes what the socket did not take at once.

use std::{
    pin::Pin,
    task::{Context as TaskContext, Poll},
};

use actix::prelude::*;
use bytes::Bytes;
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

    /// Sends a message on the actions topic at `qos`, lowered to the subscription's QoS.
    pub(super) fn deliver(&mut self, payload: Bytes, qos: QualityOfService) {
        let Some(state) = self.live().and_then(|l| l.state.as_mut()) else {
            return;
        };
        let qos = qos.min(state.sub_qos);
        if let Some(send) = state.outbox.push(Outgoing { payload, qos }) {
            self.write_packet(send);
        }
    }

    /// Ends a turn of the session: sends what it wrote, and stops a client whose
    /// replies the write backlog refused (it does not read what it is sent). True
    /// when it was stopped.
    pub(super) fn flush_or_stop(&mut self, ctx: &mut Context<Self>) -> bool {
        self.out.flush();
        if !self.out.overflowed() {
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
            Poll::Pending => Poll::Pending,
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
