//! A session's life: started on an accepted connection (TCP, TLS or WebSocket: the
//! same session) with its packet stream, its flusher and its watchdog; closed after
//! what it wrote is flushed, its persistent state parked with the registry; its
//! connection counted out when it stops.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{atomic::Ordering, Arc},
    time::{Duration, Instant},
};

use actix::prelude::*;

use super::{
    actor::{Phase, Session},
    budget,
    keep_alive::Watchdog,
    out::Out,
    stream::Reading,
    timer::{Tick, Timer},
    write::Flusher,
};
use crate::{mqtt as framing, registry::Detach, transport::Conn, worker::Shared};

impl Session {
    /// Starts a session for an accepted connection on the current arbiter.
    pub fn spawn(conn: Conn, peer: SocketAddr, conn_id: u64, shared: Arc<Shared<Session>>) {
        budget::bind(&shared.memory);
        Session::create(move |ctx| {
            let (read, io) = framing::split(conn, shared.config.server.max_packet_size);
            ctx.spawn(Reading::new(read));
            let out = Out::new(io, shared.config.session.max_write_buffer_bytes);
            ctx.spawn(Flusher);
            let connect_by = Duration::from_secs(shared.config.server.connect_timeout_secs);
            ctx.spawn(Watchdog);
            Session {
                conn_id,
                peer: peer.into(),
                shared,
                out,
                phase: Phase::Connecting,
                last_seen: Tick::now(),
                timer: Some(Timer::new(Instant::now() + connect_by)),
                requests: VecDeque::new(),
                busy: false,
                latin1_requests: false,
                draining: None,
                closing_after_ack: false,
            }
        });
    }

    /// Closes the connection after what is written has been flushed.
    pub(super) fn close(&mut self, ctx: &mut Context<Self>) {
        if !matches!(self.phase, Phase::Closing) {
            self.park_state();
            self.phase = Phase::Closing;
        }
        self.out.close();
        // A peer that stops reading must not keep the actor alive for ever.
        ctx.run_later(Duration::from_secs(5), |_, ctx| ctx.stop());
    }

    /// On leaving the live phase: hand a persistent session's state to the registry.
    pub(super) fn park_state(&mut self) {
        if let Phase::Live(live) = std::mem::replace(&mut self.phase, Phase::Closing) {
            self.shared.router.disconnected(&live.caller);
            let state = if live.persistent { live.state } else { None };
            self.shared.registry.do_send(Detach {
                client_id: live.caller.client_id.shared(),
                conn_id: self.conn_id,
                state,
            });
        }
    }
}

impl Actor for Session {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.park_state();
        self.shared.connections.fetch_sub(1, Ordering::Relaxed);
        self.shared.per_ip.release(self.peer.ip());
        log::trace!("{}: connection {} closed", self.peer, self.conn_id);
    }
}
