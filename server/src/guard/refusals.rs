//! [`RefusalLog`]: refused connections logged without letting a flood of them flood
//! the log.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

/// Logs refused connections without letting a flood of them flood the log: the
/// first at once, then one line with a count at most every ten seconds.
#[derive(Debug, Default)]
pub struct RefusalLog {
    /// Refusals since the last line.
    unlogged: u64,
    /// When the last line was written.
    last: Option<Instant>,
}

impl RefusalLog {
    /// Records one refused connection from `peer` and why.
    pub fn refused(&mut self, peer: SocketAddr, why: &str) {
        self.unlogged += 1;
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(10))
        {
            log::debug!("{peer}: refused, {why}");
            return;
        }
        log::warn!(
            "{peer}: refused, {why} ({} refused since the last such line)",
            self.unlogged
        );
        self.unlogged = 0;
        self.last = Some(now);
    }
}
