//! `roster load`: the load generator (crate `roster-load`) on its own tokio runtime,
//! its report on stdout as a table or JSON.

use std::process::ExitCode;

use roster_load::{self as load, LoadArgs};

/// `roster load`: its own tokio runtime; the report on stdout (table or JSON).
pub fn run(args: LoadArgs) -> ExitCode {
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
