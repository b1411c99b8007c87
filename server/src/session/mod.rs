//! One actor per MQTT connection: the MQTT state machine, keep-alive, QoS in both
//! directions, and the queue of requests it hands to the router one at a time.

mod connect;
mod messages;
mod out;
mod outbox;
mod packets;
mod peer;
mod timer;

use std::{
    collections::VecDeque,
    net::SocketAddr,
    pin::Pin,
    sync::{atomic::Ordering, Arc},
    task::{ready, Poll},
    time::{Duration, Instant},
};

use actix::prelude::*;
use bytes::Bytes;
use mqtt::{
    packet::{PubackPacket, PublishPacket, PubrelPacket, QoSWithPacketIdentifier, VariablePacket},
    QualityOfService, TopicName,
};
use tokio::{net::TcpStream, sync::oneshot};

pub use messages::{Drain, Kick, KickReason, Push, SessionState};
use out::{Flusher, Out};
pub use outbox::{OutPacket, Outgoing};
use peer::Peer;
use timer::{Tick, Timer};

use crate::{
    mqtt::{self as framing, CodecError},
    registry::Detach,
    router::{Caller, Route, Routed},
    server::Shared,
};

/// Where a connection is in its life.
enum Phase {
    /// Waiting for CONNECT (or for its check).
    Connecting,
    /// CONNACK 0 sent.
    Live(Box<Live>),
    /// Closing: input is ignored.
    Closing,
}

/// A connected client's state.
struct Live {
    /// Its identity as the router sees it.
    caller: Caller,
    /// clean_session=false on a logged-in id: the state outlives the connection.
    persistent: bool,
    /// Outbound QoS state and inbound QoS 2 ids; `None` once handed to a takeover.
    state: Option<SessionState>,
    /// 1.5 × the client's keep-alive; `None` when it asked for none.
    idle_limit: Option<Duration>,
}

/// The connection actor.
pub struct Session {
    /// Unique per connection, so the registry can tell a takeover's old one from the new.
    conn_id: u64,
    /// Remote address, for logs and the per-address limits.
    peer: Peer,
    /// Config, registry and router, shared by all sessions.
    shared: Arc<Shared>,
    /// The write side: straight to the socket, keeping only what it does not take.
    out: Out,
    /// Where the connection is in its life.
    phase: Phase,
    /// When the last packet arrived, for keep-alive.
    last_seen: Tick,
    /// The connection's one timer: the CONNECT deadline, then the keep-alive checks
    /// (one timer, re-armed, instead of one per purpose: idle sessions are many).
    timer: Option<Timer>,
    /// Request payloads waiting for the router, oldest first, with the QoS they came at
    /// and, for QoS 1, the packet id to acknowledge with the reply.
    requests: VecDeque<(Bytes, QualityOfService, Option<u16>)>,
    /// A request is with the router now; replies keep request order.
    busy: bool,
    /// Set by a graceful shutdown: close once the requests are answered.
    /// (Boxed: it is rare, and the session is kept small.)
    draining: Option<Box<oneshot::Sender<()>>>,
    /// Logged out: close once the last reply is acknowledged (closing with the
    /// client's PUBACK unread would reset the connection and lose the reply).
    closing_after_ack: bool,
}

impl Session {
    /// Starts a session for an accepted socket on the current arbiter.
    pub fn spawn(stream: TcpStream, peer: SocketAddr, conn_id: u64, shared: Arc<Shared>) {
        let _ = stream.set_nodelay(true);
        Session::create(move |ctx| {
            let (read, io) = framing::split(stream, shared.config.server.max_packet_size);
            ctx.add_stream(read);
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
                draining: None,
                closing_after_ack: false,
            }
        });
    }

    /// Closes the connection after what is written has been flushed.
    fn close(&mut self, ctx: &mut Context<Self>) {
        if !matches!(self.phase, Phase::Closing) {
            self.park_state();
            self.phase = Phase::Closing;
        }
        self.out.close();
        // A peer that stops reading must not keep the actor alive for ever.
        ctx.run_later(Duration::from_secs(5), |_, ctx| ctx.stop());
    }

    /// On leaving the live phase: hand a persistent session's state to the registry.
    fn park_state(&mut self) {
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

    fn live(&mut self) -> Option<&mut Live> {
        match &mut self.phase {
            Phase::Live(l) => Some(l),
            _ => None,
        }
    }

    /// Writes a packet the outbox decided on.
    fn write_packet(&mut self, send: OutPacket) {
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
    fn deliver(&mut self, payload: Bytes, qos: QualityOfService) {
        let Some(state) = self.live().and_then(|l| l.state.as_mut()) else {
            return;
        };
        let qos = qos.min(state.sub_qos);
        if let Some(send) = state.outbox.push(Outgoing { payload, qos }) {
            self.write_packet(send);
        }
    }

    /// Hands the queued requests to the router, one at a time; their replies go out in
    /// order. Answers the router has at once are sent in this loop; the first that
    /// must wait for a domain actor resumes the loop when it is answered.
    fn next_request(&mut self, ctx: &mut Context<Self>) {
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
    fn close_if_acked(&mut self, ctx: &mut Context<Self>) {
        let acked = self
            .live()
            .and_then(|l| l.state.as_ref())
            .is_none_or(|s| s.outbox.is_empty());
        if self.closing_after_ack && acked {
            self.close(ctx);
        }
    }

    /// Ends a turn of the session: sends what it wrote, and stops a client whose
    /// replies the write backlog refused (it does not read what it is sent). True
    /// when it was stopped.
    fn flush_or_stop(&mut self, ctx: &mut Context<Self>) -> bool {
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

    /// Re-arms the timer for the next keep-alive check of a client idle up to `limit`.
    fn arm_keep_alive(&mut self, limit: Duration) {
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
struct Watchdog;

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

impl Actor for Session {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.park_state();
        self.shared.connections.fetch_sub(1, Ordering::Relaxed);
        self.shared.per_ip.release(self.peer.ip());
        log::trace!("{}: connection {} closed", self.peer, self.conn_id);
    }
}

impl StreamHandler<Result<VariablePacket, CodecError>> for Session {
    fn handle(&mut self, item: Result<VariablePacket, CodecError>, ctx: &mut Context<Self>) {
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
            Err(e) => {
                log::debug!("{}: closing: {e}", self.peer);
                self.park_state();
                ctx.stop();
            }
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        // The peer closed its side: answers in flight cannot be read any more.
        ctx.stop();
    }
}

impl Handler<Push> for Session {
    type Result = ();

    fn handle(&mut self, m: Push, ctx: &mut Context<Self>) {
        self.deliver(m.0.payload, m.0.qos);
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
        if !self.busy && self.requests.is_empty() {
            self.close(ctx);
        }
        // The sender is dropped when the actor is: that is the answer.
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use actix::{dev::ContextFut, Context};

    use super::Session;

    #[test]
    fn a_session_task_fits_in_640_bytes() {
        // tokio keeps a task in one allocation rounded to 128 bytes: a 32-byte header,
        // the scheduler handle, id and stage tag (24), the future, a 48-byte trailer.
        // An idle connection is mostly this task: 536 bytes of future keep it at 640,
        // 537 would make it 768.
        let future = std::mem::size_of::<ContextFut<Session, Context<Session>>>();
        let session = std::mem::size_of::<Session>();
        assert!(
            future <= 536,
            "future {future} B, of which the session {session} B"
        );
    }
}
