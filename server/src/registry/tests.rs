//! The registry driven with a fake connection actor: takeover, parking, delivery,
//! close, and what it keeps per connected client.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use actix::prelude::*;
use bytes::Bytes;
use mqtt::QualityOfService;

use super::{
    actor::{Attach, Close, Counts, Deliver, Detach, Registry},
    presence::Live,
};
use crate::session::{
    budget::MemoryBudget,
    messages::{Drain, Kick, KickReason, Push},
    outbox::{Kind, Outgoing, MESSAGE_OVERHEAD},
    state::SessionState,
};

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

fn budget() -> Arc<MemoryBudget> {
    Arc::new(MemoryBudget::new(1 << 20, 1 << 30))
}

fn message() -> Outgoing {
    Outgoing {
        payload: Bytes::from_static(b"x"),
        qos: QualityOfService::Level1,
        kind: Kind::Reply,
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
        let registry = Registry::<Fake>::new(Duration::from_secs(60), budget()).start();
        let seen = Arc::default();
        let mut kept = SessionState::new(4, 4, usize::MAX);
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
        let registry = Registry::<Fake>::new(Duration::from_secs(60), budget()).start();
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
            state: Some(SessionState::new(4, 4, usize::MAX)),
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

#[test]
fn parked_sessions_are_counted_coalesced_and_kept_within_their_bytes() {
    actix_rt::System::new().block_on(async {
        // 10 KB per session; changes of 4 KB; counted straight into the atomic.
        let budget = Arc::new(MemoryBudget::new(10_000, 1 << 30));
        let registry = Registry::<Fake>::new(Duration::from_secs(60), budget.clone()).start();
        let seen = Arc::default();
        let first = fake(&seen, None);
        registry.send(attach(first.clone(), 1, true)).await.unwrap();
        let detach = Detach {
            client_id: "emqttd_abc".into(),
            conn_id: 1,
            state: Some(SessionState::new(4, 100, usize::MAX)),
        };
        registry.send(detach).await.unwrap();
        let change = |n: u8| Deliver {
            client_id: "emqttd_abc".into(),
            msg: Outgoing {
                payload: Bytes::from(vec![n; 4000]),
                qos: QualityOfService::Level1,
                kind: Kind::ProfileChange,
            },
        };
        for n in 0..5 {
            registry.send(change(n)).await.unwrap();
        }
        registry
            .send(Deliver {
                client_id: "emqttd_abc".into(),
                msg: message(),
            })
            .await
            .unwrap();
        let one = 4000 + MESSAGE_OVERHEAD;
        assert_eq!(budget.used() as usize, one + 1 + MESSAGE_OVERHEAD);
        // A change more than the bytes allow: the oldest queued go, and the session
        // is marked to re-read its profile.
        registry
            .send(Deliver {
                client_id: "emqttd_abc".into(),
                msg: Outgoing {
                    payload: Bytes::from(vec![9; 20_000]),
                    qos: QualityOfService::Level1,
                    kind: Kind::ProfileChange,
                },
            })
            .await
            .unwrap();
        assert_eq!(budget.used(), 0);
        let second = fake(&seen, None);
        let resumed = registry
            .send(attach(second.clone(), 2, true))
            .await
            .unwrap();
        let resumed = resumed.expect("kept");
        assert!(resumed.reread_profile && resumed.outbox.is_empty());
        assert_eq!(budget.used(), 0, "taken out of the registry's count");
    });
}
