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
    log::info!("roster listening for MQTT on {}", server.local_addr());
    wait_for_signal().await;
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

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
