//! Captures every log record of the test binary at trace level, so tests can scan
//! what the server logged for secrets.

use std::sync::{Mutex, OnceLock};

use log::{LevelFilter, Log, Metadata, Record};

/// Everything logged so far.
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<()> = OnceLock::new();

struct Capture;

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        if let Ok(mut lines) = LINES.lock() {
            lines.push(line);
        }
    }

    fn flush(&self) {}
}

/// Installs the capturing logger once for the whole test binary.
pub fn install() {
    INSTALLED.get_or_init(|| {
        let _ = log::set_boxed_logger(Box::new(Capture));
        log::set_max_level(LevelFilter::Trace);
    });
}

/// The lines logged so far that contain `needle`.
pub fn containing(needle: &str) -> Vec<String> {
    LINES
        .lock()
        .map(|l| l.iter().filter(|x| x.contains(needle)).cloned().collect())
        .unwrap_or_default()
}

/// How many lines were logged so far.
pub fn count() -> usize {
    LINES.lock().map(|l| l.len()).unwrap_or(0)
}
