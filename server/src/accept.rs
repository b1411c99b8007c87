//! The accept loop: takes every connection waiting on the listeners (plain, TLS,
//! WebSocket: one loop, so the per-address limits count them together), refuses those
//! over the connection limits before reading a byte, and hands the rest to the worker
//! arbiters in one message per worker per wake-up.
//!
//! Behind a load balancer (`server.proxy_protocol`) the socket's address is the
//! balancer's: the loop then only refuses addresses outside `server.trusted_proxies`,
//! and the worker reads the PROXY header first of all and checks the limits against
//! the client address it names, before anything else. A TLS or WebSocket connection
//! then runs its handshakes on its worker, under `server.connect_timeout_secs`, before
//! its session starts; it holds its place in the connection counts meanwhile.
//!
//! Accepting on the std listener (through `AsyncFd`) gives plain sockets: they are
//! registered once, with their worker's reactor, instead of with this thread's first
//! and moved (an `epoll_ctl` add and delete, and an allocation, per connection).

use std::{
    future::poll_fn,
    io,
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    task::Poll,
    time::Duration,
};

use actix::prelude::*;
use tokio::{io::unix::AsyncFdReadyGuard, sync::oneshot};

use crate::{
    guard::{ConnectRate, RefusalLog},
    listeners::Serving,
    proxy,
    session::Session,
    transport::{upgrade::Upgrade, Conn},
    worker::Shared,
};

/// Most connections taken per wake-up, so the stop signal is never kept waiting long.
const BATCH: usize = 256;

/// Accepted connections on their way to one worker, with their listener's handshake
/// (`None` for plain MQTT).
type Batch = Vec<(TcpStream, SocketAddr, u64, Option<Arc<Upgrade>>)>;

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
    listeners: Vec<Serving>,
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
    let mut first = 0;
    loop {
        let (listener, mut ready) = tokio::select! {
            _ = &mut stop => break,
            ready = readable(&listeners, first) => match ready {
                (listener, Ok(ready)) => (listener, ready),
                (_, Err(e)) => {
                    log::warn!("listener failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // The next wake-up looks at the next listener first: none starves the others.
        first = (listener + 1) % listeners.len();
        let upgrade = &listeners[listener].upgrade;
        let mut failed = None;
        for _ in 0..BATCH {
            match ready.get_inner().accept() {
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
                    let batch = &mut batches[(id as usize) % workers.len()];
                    batch.push((stream, peer, id, upgrade.clone()));
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

/// The first listener with connections waiting, looking from `first` on: its index
/// and its readiness.
async fn readable(
    listeners: &[Serving],
    first: usize,
) -> (usize, io::Result<AsyncFdReadyGuard<'_, TcpListener>>) {
    poll_fn(|cx| {
        for i in (first..listeners.len()).chain(0..first) {
            if let Poll::Ready(ready) = listeners[i].fd.poll_read_ready(cx) {
                return Poll::Ready((i, ready));
            }
        }
        Poll::Pending
    })
    .await
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

/// Counts out a connection that never got its session.
fn release(shared: &Shared<Session>, peer: SocketAddr) {
    shared.connections.fetch_sub(1, Ordering::Relaxed);
    shared.per_ip.release(peer.ip());
}

/// On a worker: registers each socket with this worker's reactor and starts its
/// session: at once for plain MQTT, else once its PROXY header is read (behind a load
/// balancer) and its handshakes are done (TLS, WebSocket).
fn start_sessions(batch: Batch, shared: &Arc<Shared<Session>>, gate: &Arc<Mutex<Gate>>) {
    let behind_proxy = shared.config.server.proxy_protocol;
    for (stream, peer, id, upgrade) in batch {
        let registered = stream
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpStream::from_std(stream));
        let stream = match registered {
            Ok(stream) => stream,
            Err(e) => {
                if !behind_proxy {
                    release(shared, peer);
                }
                log::warn!("{peer}: cannot register socket: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        if behind_proxy || upgrade.is_some() {
            let (shared, gate) = (shared.clone(), gate.clone());
            actix_rt::spawn(start_after_preamble(
                stream, peer, id, upgrade, shared, gate,
            ));
        } else {
            Session::spawn(Conn::Tcp(stream), peer, id, shared.clone());
        }
    }
}

/// What comes before a session on the worker: behind a load balancer the PROXY header
/// first of all, then the limits on the client address it names; the listener's
/// handshakes (TLS, WebSocket), each within `server.connect_timeout_secs`; then the
/// session under the client's address.
async fn start_after_preamble(
    mut stream: tokio::net::TcpStream,
    accepted_from: SocketAddr,
    id: u64,
    upgrade: Option<Arc<Upgrade>>,
    shared: Arc<Shared<Session>>,
    gate: Arc<Mutex<Gate>>,
) {
    let by = Duration::from_secs(shared.config.server.connect_timeout_secs);
    let peer = if shared.config.server.proxy_protocol {
        let peer = match proxy::peer_address(&mut stream, accepted_from, by).await {
            Ok(peer) => peer,
            Err(e) => {
                log::debug!("{accepted_from}: closing: {e}");
                return;
            }
        };
        if !admit(&shared, &gate, peer) {
            return;
        }
        log::trace!("{peer}: connected through {accepted_from}");
        peer
    } else {
        accepted_from
    };
    let conn = match upgrade {
        None => Conn::Tcp(stream),
        Some(upgrade) => match tokio::time::timeout(by, upgrade.run(stream)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                release(&shared, peer);
                log::debug!("{peer}: {upgrade} handshake failed: {e}");
                return;
            }
            Err(_) => {
                release(&shared, peer);
                log::debug!("{peer}: no {upgrade} handshake within {by:?}");
                return;
            }
        },
    };
    Session::spawn(conn, peer, id, shared);
}
