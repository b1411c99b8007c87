//! The listener: binds nothing itself (it takes a bound listener, so tests use port 0),
//! accepts, spreads connections over worker arbiters, and shuts down gracefully.

use std::{
    io,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use actix::prelude::*;
use tokio::{net::TcpListener, sync::oneshot};

use crate::{
    config::Config,
    registry::{DrainAll, Registry},
    router::Router,
    session::Session,
};

/// What every session shares.
pub struct Shared {
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// Who is connected.
    pub registry: Addr<Registry>,
    /// Where requests go.
    pub router: Router,
    /// Open client connections, for `server.max_connections`.
    pub connections: AtomicUsize,
}

/// A running server.
pub struct Server {
    /// Where it listens.
    addr: SocketAddr,
    /// Tells the accept loop to stop.
    stop_accepting: Option<oneshot::Sender<()>>,
    /// Shared state, for the drain.
    shared: Arc<Shared>,
    /// Threads serving connections.
    workers: Vec<Arbiter>,
}

impl Server {
    /// Starts serving `listener` inside the current actix system.
    pub fn start(listener: std::net::TcpListener, config: Config) -> io::Result<Server> {
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        let addr = listener.local_addr()?;
        let config = Arc::new(config);
        let registry = Registry::new(Duration::from_secs(config.session.expiry_secs)).start();
        let shared = Arc::new(Shared {
            config: config.clone(),
            registry,
            router: Router::default(),
            connections: AtomicUsize::new(0),
        });
        let n = match config.server.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let workers: Vec<Arbiter> = (0..n).map(|_| Arbiter::new()).collect();
        let handles: Vec<ArbiterHandle> = workers.iter().map(|a| a.handle()).collect();
        let (tx, rx) = oneshot::channel();
        actix_rt::spawn(accept_loop(listener, handles, shared.clone(), rx));
        Ok(Server {
            addr,
            stop_accepting: Some(tx),
            shared,
            workers,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Shared state, for tests that inspect the registry.
    pub fn shared(&self) -> &Arc<Shared> {
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
    }
}

async fn accept_loop(
    listener: TcpListener,
    workers: Vec<ArbiterHandle>,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let next_id = AtomicU64::new(1);
    let max = shared.config.server.max_connections;
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if shared.connections.fetch_add(1, Ordering::Relaxed) >= max {
            shared.connections.fetch_sub(1, Ordering::Relaxed);
            log::warn!("{peer}: refused, server.max_connections ({max}) reached");
            continue;
        }
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let Ok(std_stream) = stream.into_std() else {
            shared.connections.fetch_sub(1, Ordering::Relaxed);
            continue;
        };
        let shared = shared.clone();
        let worker = &workers[(id as usize) % workers.len()];
        worker.spawn(async move {
            match tokio::net::TcpStream::from_std(std_stream) {
                Ok(stream) => Session::spawn(stream, peer, id, shared),
                Err(e) => {
                    shared.connections.fetch_sub(1, Ordering::Relaxed);
                    log::warn!("{peer}: cannot register socket: {e}");
                }
            }
        });
    }
    log::info!("stopped accepting connections");
}
