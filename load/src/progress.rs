//! The live progress bar (indicatif) on stderr, only when stderr is a terminal: units
//! completed, their rate and the errors so far, refreshed a few times a second.

use std::{io::IsTerminal, sync::Arc, time::Duration};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

use super::stats::Stats;

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// A running bar; `finish` removes it.
pub struct Progress {
    /// The bar, when drawn at all.
    bar: Option<ProgressBar>,
    /// The task that refreshes it.
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    /// A bar following `stats` for a phase called `phase`, with `total` units
    /// expected when known.
    pub fn start(phase: &str, stats: Arc<Stats>, total: Option<u64>) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self {
                bar: None,
                ticker: None,
            };
        }
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = match total {
            Some(_) => "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} {msg}",
            None => "{prefix} [{elapsed_precise}] {spinner} {pos} {per_sec} {msg}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_prefix(phase.to_owned());
        let shown = bar.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(TICK);
            loop {
                every.tick().await;
                shown.set_position(stats.completed());
                shown.set_message(format!("errors {}", stats.error_count()));
            }
        });
        Self {
            bar: Some(bar),
            ticker: Some(ticker),
        }
    }

    /// Stops refreshing and clears the bar.
    pub fn finish(self) {
        if let Some(t) = self.ticker {
            t.abort();
        }
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
