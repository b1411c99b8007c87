//! `roster [serve]`: bind the MQTT listener, start the server, wait for SIGINT or
//! SIGTERM, drain, exit.

use std::process::ExitCode;

use roster_server::{config::Config, server::Server};

/// Serves until a signal; exit 1 when the listener cannot be bound, 2 when the server
/// cannot start (its message names the file or key).
pub async fn serve(config: Config) -> ExitCode {
    let listen = config.server.mqtt_listen.clone();
    let listener = match bind(&listen, config.server.listen_backlog).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("roster: cannot listen on {listen}: {e}");
            return ExitCode::from(1);
        }
    };
    let server = match Server::start(listener, config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("roster: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    // The handlers are in place before the line that tells the world it may connect
    // (and a supervisor or test that it may signal): an early SIGTERM drains too.
    let stop = match Stop::install() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("roster: cannot install signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    log::info!("roster listening for MQTT on {}", server.local_addr());
    stop.wait().await;
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

/// SIGINT and SIGTERM, caught from the moment they are installed.
struct Stop {
    /// SIGINT (Ctrl-C).
    int: tokio::signal::unix::Signal,
    /// SIGTERM.
    term: tokio::signal::unix::Signal,
}

impl Stop {
    fn install() -> std::io::Result<Stop> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Stop {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    /// Until either arrives (or arrived since `install`).
    async fn wait(mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}
