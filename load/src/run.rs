//! Running a load test: check the options and the descriptor limit, pick the
//! scenario.

use std::sync::Arc;

use super::{
    args::{BadArgs, LoadArgs, Scenario},
    connect,
    device::RunContext,
    link::Transport,
    profile, register, relay,
    report::Report,
};

/// Descriptors the generator needs besides one per connection.
const SPARE_FDS: u64 = 64;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The options make no sense.
    #[error("{0}")]
    Args(#[from] BadArgs),
    /// `--tls` cannot be set up (an unreadable `--ca`, a bad `--tls-name`).
    #[error("{0}")]
    Transport(String),
    /// Not enough file descriptors for the connections asked for.
    #[error(
        "--clients {clients} needs about {needed} open files but the limit is {limit}; \
         raise it (ulimit -n 1048576) in this shell and in the server's"
    )]
    FdLimit {
        /// Connections asked for.
        clients: usize,
        /// Descriptors needed.
        needed: u64,
        /// The soft limit.
        limit: u64,
    },
}

/// Runs the load test `args` describe, on the current tokio runtime.
pub async fn run(args: LoadArgs) -> Result<Report, LoadError> {
    args.validate()?;
    check_fd_limit(args.clients)?;
    let transport = Transport::new(&args).map_err(LoadError::Transport)?;
    let ctx = Arc::new(RunContext::new(args, transport));
    Ok(match ctx.args.scenario {
        Scenario::Register => register::run(ctx).await,
        Scenario::Profile => profile::run(ctx).await,
        Scenario::Connect => connect::run(ctx).await,
        Scenario::Relay => relay::run(ctx).await,
    })
}

fn check_fd_limit(clients: usize) -> Result<(), LoadError> {
    let Some(limit) = open_files_limit() else {
        return Ok(());
    };
    let needed = clients as u64 + SPARE_FDS;
    if needed > limit {
        return Err(LoadError::FdLimit {
            clients,
            needed,
            limit,
        });
    }
    Ok(())
}

/// The soft `Max open files` of this process, from /proc (Linux).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.split_whitespace().nth(3)?;
    match soft {
        "unlimited" => None,
        n => n.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_limits() {
        assert!(open_files_limit().is_some());
        assert!(check_fd_limit(1).is_ok());
        assert!(matches!(
            check_fd_limit(usize::MAX / 2),
            Err(LoadError::FdLimit { .. }) | Ok(())
        ));
    }
}
