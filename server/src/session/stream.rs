//! The session's packet stream: [`Reading`] polls the packet reader in the session's
//! context (as actix's `add_stream` would) and also tells the session what it holds:
//! its partial packet, counted against the server's budget, and since when it has
//! been waiting for the rest (for `server.packet_timeout_secs`). While the server
//! holds its whole budget, a connection found with a packet partly read is closed
//! (partial packets are what existing connections could still grow). Each decoded
//! packet goes to the CONNECT phase or the live phase, and the turn ends with a
//! flush; a decoding error or the peer closing its side ends the session (a first
//! CONNECT at an unsupported protocol level after its CONNACK 1).

use std::{
    pin::Pin,
    task::{Context as TaskContext, Poll},
    time::{Duration, Instant},
};

use actix::prelude::*;
use futures_core::Stream;
use mqtt::packet::VariablePacket;

use super::{
    actor::{Phase, Session},
    budget::Charge,
    timer::Tick,
};
use crate::mqtt::{CodecError, PacketReader};

/// Packets handled in one poll before the reader yields to the session's other parts.
const PER_POLL: usize = 16;

/// Reads the session's packets: an item of its context for its whole life.
pub(super) struct Reading {
    /// The socket's read side.
    reader: PacketReader,
    /// Its buffer, as counted against the server's budget.
    charge: Charge,
}

impl Reading {
    /// Reads from `reader`.
    pub(super) fn new(reader: PacketReader) -> Reading {
        Reading {
            reader,
            charge: Charge::default(),
        }
    }
}

impl ActorFuture<Session> for Reading {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        act: &mut Session,
        ctx: &mut Context<Session>,
        task: &mut TaskContext<'_>,
    ) -> Poll<()> {
        let this = self.get_mut();
        let mut decoded = 0;
        loop {
            match Pin::new(&mut this.reader).poll_next(task) {
                Poll::Ready(Some(item)) => {
                    act.on_item(item, ctx);
                    decoded += 1;
                    if ctx.waiting() {
                        break;
                    }
                    if decoded == PER_POLL {
                        task.waker().wake_by_ref();
                        break;
                    }
                }
                Poll::Ready(None) => {
                    this.charge.set(0);
                    // The peer closed its side: answers in flight cannot be read any more.
                    ctx.stop();
                    return Poll::Ready(());
                }
                Poll::Pending => break,
            }
        }
        let held = this.reader.held();
        this.charge.set(held);
        if held > 0 && act.shared.memory.over() {
            log::debug!(
                "{}: a packet partly read ({held} bytes) while sessions hold \
                 server.max_total_session_bytes; closing",
                act.peer
            );
            act.park_state();
            ctx.stop();
            return Poll::Ready(());
        }
        act.partial_packet(held > 0, decoded > 0, ctx);
        Poll::Pending
    }
}

impl Session {
    /// One decoded packet (or the error that ends the stream).
    fn on_item(&mut self, item: Result<VariablePacket, CodecError>, ctx: &mut Context<Self>) {
        match item {
            Ok(packet) => {
                self.last_seen = Tick::now();
                match self.phase {
                    Phase::Connecting => self.on_connect_phase(packet, ctx),
                    Phase::Live(_) if self.draining.is_none() => self.on_packet(packet, ctx),
                    _ => {}
                }
                self.flush_or_stop(ctx);
            }
            Err(CodecError::UnsupportedLevel(level)) if matches!(self.phase, Phase::Connecting) => {
                self.on_unsupported_level(level, ctx);
                self.flush_or_stop(ctx);
            }
            Err(e) => {
                log::debug!("{}: closing: {e}", self.peer);
                self.park_state();
                ctx.stop();
            }
        }
    }

    /// After a read: whether a packet is partly buffered, and whether a packet was
    /// completed since the last report (then what is buffered is a new one). A live
    /// session starts the packet's clock and makes its timer check it.
    fn partial_packet(&mut self, partial: bool, progress: bool, ctx: &mut Context<Self>) {
        let timeout = self.shared.config.server.packet_timeout_secs;
        let Some(live) = self.live() else {
            return;
        };
        if !partial {
            live.partial_since = None;
            return;
        }
        if timeout == 0 || (live.partial_since.is_some() && !progress) {
            return;
        }
        live.partial_since = Some(Tick::now());
        self.check_by(Instant::now() + Duration::from_secs(timeout), ctx);
    }
}
