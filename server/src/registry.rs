//! Who is connected: session takeover, delivery by ClientId, persistent-session parking
//! with expiry, and the shutdown drain. One actor; sessions on every worker talk to it.
//! Presence (is any of these ClientIds connected?) is read without a message, from
//! any thread: it is asked once per Profile request.
//!
//! The registry knows a session only as a [`Connection`]: an actor that takes the
//! messages of `session::messages`. It is generic over that actor rather than holding
//! a boxed recipient per client, so what it keeps per connected client stays a weak
//! address (8 bytes) beside the connection id.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use actix::{prelude::*, WeakAddr};

use crate::session::{
    messages::{Drain, Kick, KickReason, Push},
    outbox::Outgoing,
    state::SessionState,
};

/// What the registry needs of a connection's actor: to take a delivery ([`Push`]), to
/// be closed ([`Kick`], handing over its state) and to be drained ([`Drain`]). The
/// session actor is the one in the server; any actor handling the three is one.
pub trait Connection:
    Actor<Context = Context<Self>> + Handler<Kick> + Handler<Push> + Handler<Drain>
{
}

impl<A> Connection for A where
    A: Actor<Context = Context<A>> + Handler<Kick> + Handler<Push> + Handler<Drain>
{
}

/// A connected client.
struct Live<C: Connection> {
    /// Which connection holds the ClientId now; a stale Detach names an older one.
    conn_id: u64,
    /// Its actor, held weakly: each strong `Addr` costs a session an allocation of its
    /// own, and the registry sends rarely (takeover, close, delivery, shutdown).
    addr: WeakAddr<C>,
}

/// The registry's table of connected clients, behind a lock so that presence can be
/// read from any thread. Only the registry actor changes it.
pub struct Presence<C: Connection>(Arc<Mutex<HashMap<Arc<str>, Live<C>>>>);

impl<C: Connection> Clone for Presence<C> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<C: Connection> Default for Presence<C> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<C: Connection> Presence<C> {
    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Live<C>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether any of `client_ids` is connected now.
    pub fn any_online<S: AsRef<str>>(&self, client_ids: &[S]) -> bool {
        let live = self.lock();
        client_ids.iter().any(|id| live.contains_key(id.as_ref()))
    }
}

/// A persistent session whose client is away.
struct Parked {
    /// What it keeps.
    state: SessionState,
    /// When it is dropped if the client does not return.
    expires: Instant,
}

/// The registry actor, keeping track of connections of actor type `C`.
pub struct Registry<C: Connection> {
    /// Connected clients by ClientId.
    live: Presence<C>,
    /// Disconnected persistent sessions by ClientId.
    parked: HashMap<Arc<str>, Parked>,
    /// How long a parked session is kept.
    expiry: Duration,
}

impl<C: Connection> Registry<C> {
    /// An empty registry keeping parked sessions for `expiry`.
    pub fn new(expiry: Duration) -> Self {
        Self {
            live: Presence::default(),
            parked: HashMap::new(),
            expiry,
        }
    }

    /// The table of connected clients, for presence questions from other threads.
    pub fn presence(&self) -> Presence<C> {
        self.live.clone()
    }

    fn sweep(&mut self) {
        let now = Instant::now();
        self.parked.retain(|_, p| p.expires > now);
    }
}

impl<C: Connection> Actor for Registry<C> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let every = (self.expiry / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
        ctx.run_interval(every, |act, _| act.sweep());
    }
}

/// A client finished CONNECT. Any live connection with the same ClientId is closed
/// (takeover). With `resume`, the answer is the session's kept state, if there is one.
#[derive(Message)]
#[rtype(result = "Option<SessionState>")]
pub struct Attach<C: Connection> {
    /// The ClientId.
    pub client_id: Arc<str>,
    /// The new connection.
    pub conn_id: u64,
    /// Its actor.
    pub addr: Addr<C>,
    /// clean_session=false on a logged-in id.
    pub resume: bool,
}

impl<C: Connection> Handler<Attach<C>> for Registry<C> {
    type Result = ResponseFuture<Option<SessionState>>;

    fn handle(&mut self, m: Attach<C>, _: &mut Context<Self>) -> Self::Result {
        let parked = self.parked.remove(&m.client_id).map(|p| p.state);
        let old = self.live.lock().insert(
            m.client_id.clone(),
            Live {
                conn_id: m.conn_id,
                addr: m.addr.downgrade(),
            },
        );
        let resume = m.resume;
        Box::pin(async move {
            let handed = match old.and_then(|old| old.addr.upgrade()) {
                Some(old) => old
                    .send(Kick {
                        hand_over: resume,
                        reason: KickReason::Takeover,
                    })
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            if resume {
                handed.or(parked)
            } else {
                None
            }
        })
    }
}

/// A connection ended. `state` is the persistent state to park, if any.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Detach {
    /// The ClientId.
    pub client_id: Arc<str>,
    /// The connection that ended.
    pub conn_id: u64,
    /// What to keep for the client's return.
    pub state: Option<SessionState>,
}

impl<C: Connection> Handler<Detach> for Registry<C> {
    type Result = ();

    fn handle(&mut self, m: Detach, _: &mut Context<Self>) {
        {
            let mut live = self.live.lock();
            let current = live.get(&m.client_id).map(|l| l.conn_id);
            if current != Some(m.conn_id) {
                // Taken over: the newer connection owns the id now.
                return;
            }
            live.remove(&m.client_id);
        }
        if let Some(state) = m.state {
            self.parked.insert(
                m.client_id,
                Parked {
                    state,
                    expires: Instant::now() + self.expiry,
                },
            );
        }
    }
}

/// Deliver a message to a ClientId: now if connected, queued if parked, else dropped.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver {
    /// The recipient.
    pub client_id: Arc<str>,
    /// The message.
    pub msg: Outgoing,
}

impl<C: Connection> Handler<Deliver> for Registry<C> {
    type Result = ();

    fn handle(&mut self, m: Deliver, _: &mut Context<Self>) {
        let live = self.live.lock().get(&m.client_id).map(|l| l.addr.upgrade());
        if let Some(addr) = live {
            if let Some(addr) = addr {
                addr.do_send(Push(m.msg));
            }
        } else if let Some(p) = self.parked.get_mut(&m.client_id) {
            p.state.outbox.queue(m.msg);
        }
    }
}

/// Close a ClientId's connection and forget its kept state (logout, replacement,
/// account removal).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Close {
    /// The ClientId.
    pub client_id: Arc<str>,
}

impl<C: Connection> Handler<Close> for Registry<C> {
    type Result = ();

    fn handle(&mut self, m: Close, _: &mut Context<Self>) {
        self.parked.remove(&m.client_id);
        let removed = self.live.lock().remove(&m.client_id);
        if let Some(addr) = removed.and_then(|l| l.addr.upgrade()) {
            addr.do_send(Kick {
                hand_over: false,
                reason: KickReason::Closed,
            });
        }
    }
}

/// Counts, for tests and logs: (connected, parked).
#[derive(Message)]
#[rtype(result = "(usize, usize)")]
pub struct Counts;

impl<C: Connection> Handler<Counts> for Registry<C> {
    type Result = MessageResult<Counts>;

    fn handle(&mut self, _: Counts, _: &mut Context<Self>) -> Self::Result {
        self.sweep();
        MessageResult((self.live.lock().len(), self.parked.len()))
    }
}

/// Graceful shutdown of every connection; answers when all have closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DrainAll;

impl<C: Connection> Handler<DrainAll> for Registry<C> {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: DrainAll, _: &mut Context<Self>) -> Self::Result {
        // `send` enqueues at once, so every session drains concurrently.
        let pending: Vec<_> = self
            .live
            .lock()
            .values()
            .filter_map(|l| l.addr.upgrade())
            .map(|a| a.send(Drain))
            .collect();
        Box::pin(async move {
            for p in pending {
                let _ = p.await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use bytes::Bytes;
    use mqtt::QualityOfService;

    use super::*;

    /// A connection that records what the registry tells it.
    struct Fake {
        /// The messages it received, by name.
        seen: Arc<Mutex<Vec<&'static str>>>,
        /// What it hands over on a resuming takeover.
        state: Option<SessionState>,
    }

    impl Actor for Fake {
        type Context = Context<Self>;
    }

    impl Handler<Kick> for Fake {
        type Result = Option<SessionState>;

        fn handle(&mut self, m: Kick, ctx: &mut Context<Self>) -> Option<SessionState> {
            self.seen.lock().unwrap().push(match m.reason {
                KickReason::Takeover => "takeover",
                KickReason::Closed => "closed",
            });
            ctx.stop();
            self.state.take().filter(|_| m.hand_over)
        }
    }

    impl Handler<Push> for Fake {
        type Result = ();

        fn handle(&mut self, _: Push, _: &mut Context<Self>) {
            self.seen.lock().unwrap().push("push");
        }
    }

    impl Handler<Drain> for Fake {
        type Result = ();

        fn handle(&mut self, _: Drain, _: &mut Context<Self>) {
            self.seen.lock().unwrap().push("drain");
        }
    }

    fn fake(seen: &Arc<Mutex<Vec<&'static str>>>, state: Option<SessionState>) -> Addr<Fake> {
        Fake {
            seen: seen.clone(),
            state,
        }
        .start()
    }

    fn attach(addr: Addr<Fake>, conn_id: u64, resume: bool) -> Attach<Fake> {
        Attach {
            client_id: "emqttd_abc".into(),
            conn_id,
            addr,
            resume,
        }
    }

    fn message() -> Outgoing {
        Outgoing {
            payload: Bytes::from_static(b"x"),
            qos: QualityOfService::Level1,
        }
    }

    #[test]
    fn keeps_an_id_and_a_weak_address_per_connected_client() {
        // The table's value: no boxed handle, no allocation of its own.
        assert_eq!(std::mem::size_of::<Live<Fake>>(), 16);
    }

    #[test]
    fn a_resuming_takeover_gets_the_old_connections_state() {
        actix_rt::System::new().block_on(async {
            let registry = Registry::<Fake>::new(Duration::from_secs(60)).start();
            let seen = Arc::default();
            let mut kept = SessionState::new(4, 4);
            kept.sub_qos = QualityOfService::Level1;
            // The registry holds connections weakly: the test keeps them alive, as
            // their sockets do in the server.
            let first = fake(&seen, Some(kept));
            let attached = registry.send(attach(first.clone(), 1, true)).await;
            assert!(attached.unwrap().is_none());
            let second = fake(&seen, None);
            let handed = registry.send(attach(second.clone(), 2, true)).await;
            assert_eq!(handed.unwrap().unwrap().sub_qos, QualityOfService::Level1);
            assert_eq!(*seen.lock().unwrap(), ["takeover"]);
            assert_eq!(registry.send(Counts).await.unwrap(), (1, 0));
        });
    }

    #[test]
    fn delivery_reaches_a_live_client_or_waits_with_a_parked_one() {
        actix_rt::System::new().block_on(async {
            let registry = Registry::<Fake>::new(Duration::from_secs(60)).start();
            let seen: Arc<Mutex<Vec<&str>>> = Arc::default();
            let first = fake(&seen, None);
            registry.send(attach(first.clone(), 1, true)).await.unwrap();
            let deliver = || Deliver {
                client_id: "emqttd_abc".into(),
                msg: message(),
            };
            registry.send(deliver()).await.unwrap();
            // A Detach from an older connection is stale and changes nothing.
            let detach = |conn_id| Detach {
                client_id: "emqttd_abc".into(),
                conn_id,
                state: Some(SessionState::new(4, 4)),
            };
            registry.send(detach(0)).await.unwrap();
            assert_eq!(registry.send(Counts).await.unwrap(), (1, 0));
            registry.send(detach(1)).await.unwrap();
            assert_eq!(registry.send(Counts).await.unwrap(), (0, 1));
            registry.send(deliver()).await.unwrap();
            let second = fake(&seen, None);
            let resumed = registry.send(attach(second.clone(), 2, true)).await;
            assert!(!resumed.unwrap().unwrap().outbox.is_empty());
            let close = Close {
                client_id: "emqttd_abc".into(),
            };
            registry.send(close).await.unwrap();
            assert_eq!(registry.send(Counts).await.unwrap(), (0, 0));
            for _ in 0..1000 {
                if seen.lock().unwrap().len() == 2 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(*seen.lock().unwrap(), ["push", "closed"]);
        });
    }
}
