//! The `roster` binary: parse the command line, read the config, run one command.
//!
//! - `roster [serve]` ([`serve`]): the server, until SIGINT/SIGTERM.
//! - `roster load` ([`load_cmd`]): the load generator.
//! - `roster backup DIR`, `roster check [DB]` ([`store_tools`]): an online copy of
//!   the database with its key, and an integrity check.

mod load_cmd;
mod logging;
mod serve;
mod store_tools;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use roster_load::LoadArgs;
use roster_server::config::{Config, LogFormat};

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
    /// Copy the live database and its server key into DIR while the server runs.
    Backup {
        /// A new or empty folder; gets `roster.db` and `server.key`.
        dir: PathBuf,
    },
    /// Check a database: SQLite's integrity check and the schema version.
    Check {
        /// The database file (default: the config's `storage.path`).
        db: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Load(args)) = cli.command {
        logging::init(LogFormat::Text);
        return load_cmd::run(*args);
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
    match cli.command {
        Some(Command::Backup { dir }) => store_tools::backup(&config, &dir),
        Some(Command::Check { db }) => store_tools::check(&config, db),
        Some(Command::Load(_)) | Some(Command::Serve) | None => {
            actix_rt::System::new().block_on(serve::serve(config))
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
