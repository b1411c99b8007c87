//! `roster backup DIR` and `roster check [DB]`: the store's online copy and check
//! (`roster_actors::store::backup`) for an operator, with a line of figures each.
//! Neither stops or pauses a running server.

use std::{
    fs,
    os::unix::fs::DirBuilderExt,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

use roster_actors::store::backup;
use roster_server::config::Config;

/// The server key beside the database, as the server finds it.
fn key_path(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("server.key")
}

/// Copies the config's database and its server key into `dir` (created 0700 when
/// missing; refused when it already holds a `roster.db`). Exit 0, or 1 with a
/// message naming the file.
pub fn backup(config: &Config, dir: &Path) -> ExitCode {
    let db = &config.storage.path;
    let dest = dir.join("roster.db");
    if dest.exists() {
        eprintln!(
            "roster backup: {} exists; choose a new folder",
            dest.display()
        );
        return ExitCode::from(1);
    }
    if let Err(e) = fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        eprintln!("roster backup: cannot create {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    let started = Instant::now();
    let copied = match backup::copy(db, &dest) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("roster backup: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = backup::copy_key(&key_path(db), &dir.join("server.key")) {
        eprintln!("roster backup: {e}");
        return ExitCode::from(1);
    }
    println!(
        "backed up {} to {} ({} pages, {:.2} s) with its server.key",
        db.display(),
        copied.db.display(),
        copied.pages,
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

/// Checks `db` (default the config's database). Exit 0 when sound and at this
/// build's schema version, 1 otherwise.
pub fn check(config: &Config, db: Option<PathBuf>) -> ExitCode {
    let db = db.unwrap_or_else(|| config.storage.path.clone());
    match backup::check(&db) {
        Ok(c) => {
            println!(
                "{}: integrity {}, schema version {} (this build: {})",
                db.display(),
                c.integrity.join("; "),
                c.schema_version,
                c.known_version
            );
            if c.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("roster check: {e}");
            ExitCode::from(1)
        }
    }
}
