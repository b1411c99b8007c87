//! The server: binds nothing itself (it takes bound listeners, so tests use port 0),
//! starts the domain and the workers, accepts, spreads connections over worker
//! arbiters, reloads the TLS pair on demand, and shuts down gracefully.

use std::{
    io,
    net::SocketAddr,
    path::Path,
    sync::{atomic::AtomicUsize, Arc},
    time::Duration,
};

use actix::prelude::*;
use roster_actors::{
    auth::{AuthActor, JwtConfigError},
    channel::{start_channels, ChannelError},
    hub::Hub,
    profile::{ProfileActor, ProfileView},
    secret::CodeKey,
    store::{Store, StoreError},
};
use tokio::sync::oneshot;

use crate::{
    accept,
    config::Config,
    guard::{PerIpConnections, VerifyGuard},
    listeners::{self, Bound, ListenerError, Listeners},
    registry::{Close, Deliver, DrainAll, Presence, Registry},
    router::{profile::change_payload, Router},
    session::{
        budget::MemoryBudget,
        outbox::{Kind, Outgoing},
        Session,
    },
    transport::tls::{TlsError, TlsKeys},
    worker::Shared,
};

/// Why the server could not start; every one is an operator's problem to fix, so the
/// binary exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A listener could not be set up, or the `[tls]` pair is unusable (the message
    /// names the file).
    #[error("{0}")]
    Listen(#[from] ListenerError),
    /// The database could not be opened (locked, unreadable, too new).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The code-hashing key in the data folder is unusable.
    #[error("server key {path}: {source}")]
    Key {
        /// The key file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// `[sms]` or `[voice]` is unusable.
    #[error("{0}")]
    Channel(#[from] ChannelError),
    /// `[jwt]` is unusable.
    #[error("{0}")]
    Jwt(#[from] JwtConfigError),
}

/// The domain's way to reach connections: through the registry (presence is read
/// from its table directly).
struct RegistryHub(Addr<Registry<Session>>, Presence<Session>);

impl Hub for RegistryHub {
    fn close(&self, client_id: &str) {
        self.0.do_send(Close {
            client_id: client_id.into(),
        });
    }

    fn deliver_profile(&self, client_id: &str, view: &ProfileView) {
        // QoS 1, so a parked persistent session queues it for its return.
        self.0.do_send(Deliver {
            client_id: client_id.into(),
            msg: Outgoing {
                payload: change_payload(view),
                qos: mqtt::QualityOfService::Level1,
                kind: Kind::ProfileChange,
            },
        });
    }

    fn any_online(&self, client_ids: &[String]) -> bool {
        self.1.any_online(client_ids)
    }
}

/// A running server.
pub struct Server {
    /// Where it listens.
    bound: Bound,
    /// The TLS pair its TLS listeners serve, for reloads.
    tls: Option<Arc<TlsKeys>>,
    /// Tells the accept loop to stop.
    stop_accepting: Option<oneshot::Sender<()>>,
    /// Each worker's shared state (the first, for the drain).
    shared: Vec<Arc<Shared<Session>>>,
    /// Threads serving connections.
    workers: Vec<Arbiter>,
    /// The database, closed last.
    store: Store,
}

impl Server {
    /// Opens the database, starts the domain actors and serves plain MQTT on
    /// `listener`, inside the current actix system.
    pub fn start(listener: std::net::TcpListener, config: Config) -> Result<Server, StartError> {
        Self::start_with(Listeners::mqtt(listener), config)
    }

    /// Like [`Server::start`], serving each of `listeners` (plain, TLS, WebSocket),
    /// all feeding the same sessions.
    pub fn start_with(listeners: Listeners, config: Config) -> Result<Server, StartError> {
        let prepared = listeners::prepare(listeners, &config)?;
        let config = Arc::new(config);
        let store = Store::open(&config.storage)?;
        let key_path = config
            .storage
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .join("server.key");
        let key = CodeKey::load_or_create(&key_path).map_err(|source| StartError::Key {
            path: key_path.display().to_string(),
            source,
        })?;
        let (sms, voice) = start_channels(&config.sms, &config.voice)?;
        let memory = Arc::new(MemoryBudget::new(
            config.session.max_session_bytes,
            config.server.max_total_session_bytes,
        ));
        let registry = Registry::new(
            Duration::from_secs(config.session.expiry_secs),
            memory.clone(),
        );
        let presence = registry.presence();
        let registry = registry.start();
        let hub: Arc<RegistryHub> = Arc::new(RegistryHub(registry.clone(), presence));
        // The domain: ONE AuthActor and ONE ProfileActor for the whole server, each the
        // owner of its state; every worker's router holds the same two addresses.
        // Profile `get`s the actor's cache holds are answered on the worker, from
        // CachedGet, its read-only view: no mailbox. They run on the arbiter this is
        // called on (the system arbiter, with the accept loop and the Registry): their
        // own work is checking and dispatching store jobs, and a thread of their own
        // cost about 6% more CPU per registration in the load test (every hop woke an
        // idle thread), where this one, awake for accepts anyway, kept it within noise.
        // Both are built before either starts, so a bad `[jwt]` starts neither.
        let profile_ctx = Context::<ProfileActor>::new();
        let auth = AuthActor::new(
            store.clone(),
            (sms.clone(), voice),
            config.auth.clone(),
            &config.jwt,
            key.clone(),
            hub.clone(),
            profile_ctx.address(),
        )?;
        let profile = ProfileActor::new(
            store.clone(),
            sms,
            config.profile.clone(),
            config.auth.clone(),
            key,
            hub,
        );
        let cached = profile.cached_get();
        let profile = profile_ctx.run(profile);
        let auth = auth.start();
        let n = match config.server.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let workers: Vec<Arbiter> = (0..n).map(|_| Arbiter::new()).collect();
        let connections = Arc::new(AtomicUsize::new(0));
        // The per-address tables are the server's, not a worker's.
        let prefix = config.server.ipv6_prefix_len;
        let per_ip = Arc::new(
            PerIpConnections::new(config.server.max_connections_per_ip)
                .with_ipv6_prefix_len(prefix),
        );
        let verify = Arc::new(
            VerifyGuard::new(
                config.auth.max_failed_verifies_per_connection,
                config.auth.max_failed_verifies_per_ip_per_hour,
            )
            .with_ipv6_prefix_len(prefix),
        );
        let budget = Arc::new(config.limits.decode_budget(prefix));
        let mut per_worker = Vec::with_capacity(n);
        for worker in &workers {
            let router = Router::new(auth.clone(), profile.clone(), config.limits.clone())
                .with_verify_guard(verify.clone())
                .with_decode_budget(budget.clone())
                .with_cached_gets(cached.clone())
                .with_reply_atoms(config.wire.reply_atoms);
            let shared = Arc::new(Shared {
                config: config.clone(),
                registry: registry.clone(),
                router,
                connections: connections.clone(),
                per_ip: per_ip.clone(),
                memory: memory.clone(),
            });
            per_worker.push((worker.handle(), shared));
        }
        let shared = per_worker.iter().map(|(_, s)| s.clone()).collect();
        let (tx, rx) = oneshot::channel();
        actix_rt::spawn(accept::accept_loop(prepared.serving, per_worker, rx));
        Ok(Server {
            bound: prepared.bound,
            tls: prepared.tls,
            stop_accepting: Some(tx),
            shared,
            workers,
            store,
        })
    }

    /// The first listener's address: plain MQTT's, when it is served.
    pub fn local_addr(&self) -> SocketAddr {
        let b = self.bound;
        b.mqtt
            .or(b.tls)
            .or(b.websocket)
            .expect("a server serves a listener")
    }

    /// Every listener's address.
    pub fn bound(&self) -> Bound {
        self.bound
    }

    /// Re-reads the `[tls]` pair: new handshakes get it, open connections keep theirs.
    /// On an error (it names the file) the old pair stays. Ok(None) when no listener
    /// serves TLS; else the certificate file read.
    pub fn reload_tls(&self) -> Result<Option<&std::path::Path>, TlsError> {
        match &self.tls {
            Some(keys) => keys.reload().map(|()| Some(keys.cert_path())),
            None => Ok(None),
        }
    }

    /// Shared state, for tests that inspect the registry.
    pub fn shared(&self) -> &Arc<Shared<Session>> {
        &self.shared[0]
    }

    /// Stops accepting, lets every session finish the requests it has received and
    /// flush its replies (up to `server.shutdown_grace_secs`), then stops the workers.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop_accepting.take() {
            let _ = tx.send(());
        }
        let grace = Duration::from_secs(self.shared().config.server.shutdown_grace_secs);
        let drain = self.shared().registry.send(DrainAll);
        if tokio::time::timeout(grace, drain).await.is_err() {
            log::warn!("shutdown: sessions still busy after {grace:?}; closing anyway");
        }
        for w in self.workers.drain(..) {
            w.stop();
        }
        // Every acknowledged write is already committed; this finishes queued jobs and
        // checkpoints the WAL.
        let store = self.store.clone();
        let _ = actix_rt::task::spawn_blocking(move || store.close()).await;
    }
}

#[cfg(test)]
mod tests;
