//! `roster [serve]`: bind the configured listeners (plain MQTT, TLS, WebSocket), start
//! the server, re-read the TLS pair on SIGHUP, wait for SIGINT or SIGTERM, drain, exit.

use std::process::ExitCode;

use roster_server::{config::Config, listeners::Listeners, server::Server};

/// Serves until a signal; exit 1 when a listener cannot be bound, 2 when the server
/// cannot start (its message names the file or key).
pub async fn serve(config: Config) -> ExitCode {
    let backlog = config.server.listen_backlog;
    let mut listeners = Listeners::default();
    let wanted = [
        (&config.server.mqtt_listen, &mut listeners.mqtt),
        (&config.tls.mqtt_listen, &mut listeners.tls),
        (&config.websocket.listen, &mut listeners.websocket),
    ];
    for (listen, slot) in wanted {
        if listen.is_empty() {
            continue;
        }
        match bind(listen, backlog).await {
            Ok(l) => *slot = Some(l),
            Err(e) => {
                eprintln!("roster: cannot listen on {listen}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let wss = config.websocket.tls;
    let server = match Server::start_with(listeners, config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("roster: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    // The handlers are in place before the lines that tell the world it may connect
    // (and a supervisor or test that it may signal): an early SIGTERM drains too.
    let mut signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("roster: cannot install signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    let bound = server.bound();
    if let Some(addr) = bound.mqtt {
        log::info!("roster listening for MQTT on {addr}");
    }
    if let Some(addr) = bound.tls {
        log::info!("roster listening for MQTT over TLS on {addr}");
    }
    if let Some(addr) = bound.websocket {
        let kind = if wss { "secure WebSocket" } else { "WebSocket" };
        log::info!("roster listening for MQTT over {kind} on {addr}");
    }
    signals.wait_for_stop(&server).await;
    log::info!("shutting down");
    server.shutdown().await;
    log::info!("stopped");
    ExitCode::SUCCESS
}

/// Binds the listener with `backlog` (std's `bind` fixes it at 128, too few for a
/// burst of thousands of CONNECTs).
async fn bind(listen: &str, backlog: u32) -> std::io::Result<std::net::TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(listen).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(backlog)) {
            Ok(listener) => return listener.into_std(),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address to listen on")))
}

/// SIGINT, SIGTERM and SIGHUP, caught from the moment they are installed.
struct Signals {
    /// SIGINT (Ctrl-C): stop.
    int: tokio::signal::unix::Signal,
    /// SIGTERM: stop.
    term: tokio::signal::unix::Signal,
    /// SIGHUP: re-read the TLS pair.
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Until SIGINT or SIGTERM arrives (or arrived since `install`); each SIGHUP
    /// meanwhile re-reads the TLS pair.
    async fn wait_for_stop(&mut self, server: &Server) {
        loop {
            tokio::select! {
                _ = self.int.recv() => return,
                _ = self.term.recv() => return,
                _ = self.hup.recv() => match server.reload_tls() {
                    Ok(Some(cert)) => {
                        log::info!("SIGHUP: TLS certificate re-read from {}", cert.display())
                    }
                    Ok(None) => log::info!("SIGHUP: no TLS listener, nothing to re-read"),
                    Err(e) => log::warn!("SIGHUP: {e}; keeping the certificate in use"),
                },
            }
        }
    }
}
