//! Where a device gets its verification code: the fixed code of test numbers, or the
//! simulated SMS outbox (one JSON object per line with `phone` and `code`), read
//! incrementally and shared by every device. Codes are secrets: never shown.

use std::{
    collections::HashMap,
    io::{Read, Seek, SeekFrom},
    path::PathBuf,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How often a device looks at the outbox again while its code has not arrived.
const POLL: Duration = Duration::from_millis(5);

/// The outbox read so far.
struct Tail {
    /// Bytes of the file already read.
    offset: u64,
    /// A last line not yet ended by a newline.
    partial: Vec<u8>,
    /// The latest code per phone, taken once.
    codes: HashMap<String, String>,
    /// When the file was last looked at: many waiting devices share one read.
    last_read: Option<Instant>,
}

/// The code source of a run.
pub struct Codes(Source);

/// Where codes come from.
enum Source {
    /// Test numbers: every phone has this code.
    Fixed(String),
    /// Read from a simulated SMS outbox.
    Outbox {
        /// The JSON-lines file.
        path: PathBuf,
        /// What has been read of it.
        tail: Mutex<Tail>,
    },
}

/// Why no code came.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// The outbox cannot be read.
    #[error("outbox unreadable: {0}")]
    Io(#[from] std::io::Error),
    /// Nothing for this phone before the deadline.
    #[error("no code in the outbox in time")]
    Timeout,
}

impl Codes {
    /// A fixed code for test numbers.
    pub fn fixed(code: &str) -> Self {
        Self(Source::Fixed(code.to_owned()))
    }

    /// Codes from `path`, starting at its current end (older lines are other runs').
    pub fn outbox(path: PathBuf) -> Self {
        let offset = std::fs::metadata(&path).map_or(0, |m| m.len());
        Self(Source::Outbox {
            path,
            tail: Mutex::new(Tail {
                offset,
                partial: Vec::new(),
                codes: HashMap::new(),
                last_read: None,
            }),
        })
    }

    /// The code sent to `phone`, waiting for it up to `timeout`.
    pub async fn get(&self, phone: &str, timeout: Duration) -> Result<String, CodeError> {
        let (path, tail) = match &self.0 {
            Source::Fixed(code) => return Ok(code.clone()),
            Source::Outbox { path, tail } => (path, tail),
        };
        let until = Instant::now() + timeout;
        loop {
            {
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(code) = t.codes.remove(phone) {
                    return Ok(code);
                }
                if t.last_read.is_none_or(|r| r.elapsed() >= POLL / 2) {
                    t.last_read = Some(Instant::now());
                    t.read_more(path)?;
                }
                if let Some(code) = t.codes.remove(phone) {
                    return Ok(code);
                }
            }
            if Instant::now() >= until {
                return Err(CodeError::Timeout);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Tail {
    /// Reads what was appended since last time.
    fn read_more(&mut self, path: &PathBuf) -> std::io::Result<()> {
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        if len < self.offset {
            // Truncated or replaced: start over.
            self.offset = 0;
            self.partial.clear();
        }
        if len == self.offset {
            return Ok(());
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut fresh = Vec::new();
        file.take(len - self.offset).read_to_end(&mut fresh)?;
        self.offset += fresh.len() as u64;
        self.partial.extend_from_slice(&fresh);
        let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        for line in complete.split(|&b| b == b'\n') {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            if let (Some(phone), Some(code)) = (v["phone"].as_str(), v["code"].as_str()) {
                self.codes.insert(phone.to_owned(), code.to_owned());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[tokio::test]
    async fn reads_only_new_lines_and_waits_for_late_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sms.jsonl");
        std::fs::write(&path, "{\"phone\":\"1\",\"code\":\"old\"}\n").unwrap();
        let codes = Codes::outbox(path.clone());
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        write!(
            f,
            "not json\n{{\"phone\":\"2\",\"code\":\"222\"}}\n{{\"phone\":\"3\""
        )
        .unwrap();
        f.flush().unwrap();
        let short = Duration::from_millis(30);
        assert_eq!(codes.get("2", short).await.unwrap(), "222");
        assert!(matches!(
            codes.get("1", short).await,
            Err(CodeError::Timeout)
        ));
        writeln!(f, ",\"code\":\"333\"}}").unwrap();
        f.flush().unwrap();
        assert_eq!(codes.get("3", short).await.unwrap(), "333");
    }

    #[tokio::test]
    async fn fixed_code() {
        let codes = Codes::fixed("903182");
        assert_eq!(codes.get("any", Duration::ZERO).await.unwrap(), "903182");
    }
}
