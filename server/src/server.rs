//! The listener: binds nothing itself (it takes a bound listener, so tests use port 0),
//! accepts, spreads connections over worker arbiters, and shuts down gracefully.

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
    profile::{CachedGet, ProfileActor, ProfileCache, ProfileView},
    secret::CodeKey,
    store::{Store, StoreError},
};
use tokio::{io::unix::AsyncFd, sync::oneshot};

use crate::{
    accept,
    config::Config,
    guard::{PerIpConnections, VerifyGuard},
    registry::{Close, Deliver, DrainAll, Presence, Registry},
    router::{profile::change_payload, Router},
    session::{
        budget::MemoryBudget,
        outbox::{Kind, Outgoing},
        Session,
    },
    worker::Shared,
};

/// Why the server could not start; every one is an operator's problem to fix, so the
/// binary exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listener could not be set up.
    #[error("listener: {0}")]
    Listen(#[from] io::Error),
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
    addr: SocketAddr,
    /// Tells the accept loop to stop.
    stop_accepting: Option<oneshot::Sender<()>>,
    /// Shared state, for the drain.
    shared: Arc<Shared<Session>>,
    /// Threads serving connections.
    workers: Vec<Arbiter>,
    /// The database, closed last.
    store: Store,
}

impl Server {
    /// Opens the database, starts the domain actors and serves `listener`, inside the
    /// current actix system.
    pub fn start(listener: std::net::TcpListener, config: Config) -> Result<Server, StartError> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        // SAFETY: the std listener owns its descriptor for as long as it lives, and the
        // AsyncFd owns the listener: the descriptor stays open and the same throughout.
        let listener = unsafe { AsyncFd::register(listener) }.map_err(io::Error::from)?;
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
        // The domain actors hold no state of their own (it is all in the store): one
        // pair per worker.
        let mut per_worker = Vec::with_capacity(n);
        let cache = ProfileCache::new(config.profile.cache_mib.saturating_mul(1 << 20));
        for worker in &workers {
            let profile = ProfileActor::new(
                store.clone(),
                sms.clone(),
                config.profile.clone(),
                config.auth.clone(),
                key.clone(),
                hub.clone(),
                cache.clone(),
            );
            let auth = AuthActor::new(
                store.clone(),
                (sms.clone(), voice.clone()),
                config.auth.clone(),
                &config.jwt,
                key.clone(),
                hub.clone(),
                cache.clone(),
            )?;
            let arbiter = worker.handle();
            let router = Router::new(
                AuthActor::start_in_arbiter(&arbiter, move |_| auth),
                ProfileActor::start_in_arbiter(&arbiter, move |_| profile),
                config.limits.clone(),
            )
            .with_verify_guard(verify.clone())
            .with_decode_budget(budget.clone())
            .with_cached_gets(CachedGet::new(cache.clone(), hub.clone()))
            .with_reply_atoms(config.wire.reply_atoms);
            let shared = Arc::new(Shared {
                config: config.clone(),
                registry: registry.clone(),
                router,
                connections: connections.clone(),
                per_ip: per_ip.clone(),
                memory: memory.clone(),
            });
            per_worker.push((arbiter, shared));
        }
        let shared = per_worker[0].1.clone();
        let (tx, rx) = oneshot::channel();
        actix_rt::spawn(accept::accept_loop(listener, per_worker, rx));
        Ok(Server {
            addr,
            stop_accepting: Some(tx),
            shared,
            workers,
            store,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Shared state, for tests that inspect the registry.
    pub fn shared(&self) -> &Arc<Shared<Session>> {
        &self.shared
    }

    /// Stops accepting, lets every session finish the requests it has received and
    /// flush its replies (up to `server.shutdown_grace_secs`), then stops the workers.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop_accepting.take() {
            let _ = tx.send(());
        }
        let grace = Duration::from_secs(self.shared.config.server.shutdown_grace_secs);
        let drain = self.shared.registry.send(DrainAll);
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
