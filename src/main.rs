//! The `roster` binary: parse the CLI, load the config, serve until SIGINT/SIGTERM;
//! or `roster load`: run the load generator and print its report.

mod logging;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use roster_load::{self as load, LoadArgs};
use roster_server::{
    config::{Config, LogFormat},
    server::Server,
};

/// roster: phone registration and accounts over MQTT.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (default ./config.toml; built-in defaults when that is absent).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Load-test a server with simulated devices (see `roster load --help`).
    Load(Box<LoadArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Load(args)) = cli.command {
        logging::init(LogFormat::Text);
        return run_load(*args);
    }
    // The config says how to log, so it is read first; its errors go to stderr.
    let (config, defaulted) = match load_config(cli.config) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("roster: {message}");
            return ExitCode::from(2);
        }
    };
    logging::init(config.log.format);
    if defaulted {
        log::info!("no ./config.toml: using built-in defaults");
    }
    actix_rt::System::new().block_on(serve(config))
}

/// `roster load`: its own tokio runtime; the report on stdout (table or JSON).
fn run_load(args: LoadArgs) -> ExitCode {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if args.threads > 0 {
        rt.worker_threads(args.threads);
    }
    let rt = match rt.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roster load: cannot start a runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let json = args.json;
    match rt.block_on(load::run(args)) {
        Ok(report) => {
            let text = if json {
                serde_json::to_string_pretty(&report).map_or_else(|e| e.to_string(), |t| t + "\n")
            } else {
                report.to_string()
            };
            // A closed pipe (`| head`) is not worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            if report.completed == 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("roster load: {e}");
            ExitCode::from(2)
        }
    }
}

/// The configuration, and whether it is the built-in default (no file given or found).
fn load_config(path: Option<PathBuf>) -> Result<(Config, bool), String> {
    let path = match path {
        Some(path) => path,
        None if !std::path::Path::new("config.toml").exists() => {
            return Ok((Config::default(), true))
        }
        None => PathBuf::from("config.toml"),
    };
    Config::load(&path)
        .map(|c| (c, false))
        .map_err(|e| e.to_string())
}

async fn serve(config: Config) -> ExitCode {
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
