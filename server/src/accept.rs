//! The accept loop: takes every connection waiting on the listener, refuses those over
//! the connection limits before reading a byte, and hands the rest to the worker
//! arbiters in one message per worker per wake-up.
//!
//! Behind a load balancer (`server.proxy_protocol`) the socket's address is the
//! balancer's: the loop then only refuses addresses outside `server.trusted_proxies`,
//! and the worker reads the PROXY header first of all and checks the limits against
//! the client address it names, before the session starts.
//!
//! Accepting on the std listener (through `AsyncFd`) gives plain sockets: they are
//! registered once, with their worker's reactor, instead of with this thread's first
//! and moved (an `epoll_ctl` add and delete, and an allocation, per connection).

use std::{
    io,
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::Duration,
};

use actix::prelude::*;
use tokio::{io::unix::AsyncFd, sync::oneshot};

use crate::{
    guard::{ConnectRate, RefusalLog},
    proxy,
    session::Session,
    worker::Shared,
};

/// Most connections taken per wake-up, so the stop signal is never kept waiting long.
const BATCH: usize = 256;

/// Accepted connections on their way to one worker.
type Batch = Vec<(TcpStream, SocketAddr, u64)>;

/// The per-address connection rate and the log of refusals: the accept loop's, and
/// behind a load balancer the workers' too (they learn the client's address from its
/// PROXY header), hence the lock, never contended without one.
struct Gate {
    /// New connections per address.
    rate: ConnectRate,
    /// Refused connections, logged without flooding the log.
    refusals: RefusalLog,
}

/// Accepts until `stop` fires; spreads connections over `workers` in turn.
pub(crate) async fn accept_loop(
    listener: AsyncFd<TcpListener>,
    workers: Vec<(ArbiterHandle, Arc<Shared<Session>>)>,
    mut stop: oneshot::Receiver<()>,
) {
    let next_id = AtomicU64::new(1);
    let shared = workers[0].1.clone();
    let cfg = &shared.config.server;
    let gate = Arc::new(Mutex::new(Gate {
        rate: ConnectRate::new(cfg.connect_rate_per_ip, cfg.connect_burst_per_ip)
            .with_ipv6_prefix_len(cfg.ipv6_prefix_len),
        refusals: RefusalLog::default(),
    }));
    let mut batches: Vec<Batch> = workers.iter().map(|_| Vec::new()).collect();
    loop {
        let mut ready = tokio::select! {
            _ = &mut stop => break,
            ready = listener.readable() => match ready {
                Ok(ready) => ready,
                Err(e) => {
                    log::warn!("listener failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let mut failed = None;
        for _ in 0..BATCH {
            match listener.get_ref().accept() {
                Ok((stream, peer)) => {
                    if cfg.proxy_protocol {
                        if !proxy::is_trusted(&cfg.trusted_proxies, peer.ip()) {
                            log::debug!("{peer}: refused, not in server.trusted_proxies");
                            continue;
                        }
                    } else if !admit(&shared, &gate, peer) {
                        continue;
                    }
                    let id = next_id.fetch_add(1, Ordering::Relaxed);
                    batches[(id as usize) % workers.len()].push((stream, peer, id));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready.clear_ready();
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        for ((worker, shared), batch) in workers.iter().zip(&mut batches) {
            if !batch.is_empty() {
                let batch = std::mem::take(batch);
                let (shared, gate) = (shared.clone(), gate.clone());
                worker.spawn(async move { start_sessions(batch, &shared, &gate) });
            }
        }
        if let Some(e) = failed {
            // Out of file descriptors and the like: back off instead of spinning.
            log::warn!("accept failed: {e}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    log::info!("stopped accepting connections");
}

/// Counts a connection from `peer` against the limits; false (and the socket is
/// dropped, which closes it, before any byte of the client's is read) when one is
/// reached.
fn admit(shared: &Shared<Session>, gate: &Mutex<Gate>, peer: SocketAddr) -> bool {
    let mut gate = gate.lock().unwrap_or_else(PoisonError::into_inner);
    let Gate { rate, refusals } = &mut *gate;
    if !rate.admit(peer.ip()) {
        refusals.refused(peer, "server.connect_rate_per_ip exceeded");
        return false;
    }
    if !shared.per_ip.acquire(peer.ip()) {
        refusals.refused(peer, "server.max_connections_per_ip reached");
        return false;
    }
    if shared.connections.fetch_add(1, Ordering::Relaxed) >= shared.config.server.max_connections {
        shared.connections.fetch_sub(1, Ordering::Relaxed);
        shared.per_ip.release(peer.ip());
        refusals.refused(peer, "server.max_connections reached");
        return false;
    }
    true
}

/// On a worker: registers each socket with this worker's reactor and starts its
/// session (behind a load balancer, once its PROXY header is read).
fn start_sessions(batch: Batch, shared: &Arc<Shared<Session>>, gate: &Arc<Mutex<Gate>>) {
    let behind_proxy = shared.config.server.proxy_protocol;
    for (stream, peer, id) in batch {
        let registered = stream
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpStream::from_std(stream));
        match registered {
            Ok(stream) if behind_proxy => {
                actix_rt::spawn(start_behind_proxy(
                    stream,
                    peer,
                    id,
                    shared.clone(),
                    gate.clone(),
                ));
            }
            Ok(stream) => Session::spawn(stream, peer, id, shared.clone()),
            Err(e) => {
                if !behind_proxy {
                    shared.connections.fetch_sub(1, Ordering::Relaxed);
                    shared.per_ip.release(peer.ip());
                }
                log::warn!("{peer}: cannot register socket: {e}");
            }
        }
    }
}

/// Behind a load balancer: the PROXY header first of all, then the limits on the
/// client address it names, then the session under that address.
async fn start_behind_proxy(
    mut stream: tokio::net::TcpStream,
    balancer: SocketAddr,
    id: u64,
    shared: Arc<Shared<Session>>,
    gate: Arc<Mutex<Gate>>,
) {
    let deadline = Duration::from_secs(shared.config.server.connect_timeout_secs);
    let peer = match proxy::peer_address(&mut stream, balancer, deadline).await {
        Ok(peer) => peer,
        Err(e) => {
            log::debug!("{balancer}: closing: {e}");
            return;
        }
    };
    if admit(&shared, &gate, peer) {
        log::trace!("{peer}: connected through {balancer}");
        Session::spawn(stream, peer, id, shared);
    }
}
