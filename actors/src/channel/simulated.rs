//! The simulated provider: appends one JSON object per delivery to an outbox file,
//! flushed before `deliver` resolves. Development, tests and load runs read it.
//! The codes are in plain text, so the file is created 0600 (its folder 0700).

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
    time::{SystemTime, UNIX_EPOCH},
};

use serde::Serialize;

use super::{
    delivery::Delivery,
    provider::{DeliveryError, DeliveryFuture, Provider},
};
use crate::files;

/// Serialises every outbox append in the process, so lines never interleave even
/// when both channels share one file. The one piece of channel state outside the
/// channel actors, on purpose: the SMS and voice providers are separate, and only
/// a lock above both can order their appends to a shared file. It guards no data
/// and is held only for one append.
static APPEND: Mutex<()> = Mutex::new(());

/// A provider that "delivers" by writing the outbox line of the operator contract:
/// `{"channel","phone","code","lang","text","at"}`.
#[derive(Debug, Clone)]
pub struct SimulatedProvider {
    /// The JSON-lines file; reopened for each append so it may be rotated or
    /// truncated (a file rotated away is created again, 0600).
    path: Arc<PathBuf>,
}

/// One outbox line, field order as in the operator contract (docs/providers.md).
#[derive(Serialize)]
struct Line<'a> {
    /// "sms" or "voice".
    channel: &'static str,
    /// Digits, no '+'.
    phone: &'a str,
    /// The code itself: the outbox is where tests and operators read it.
    code: &'a str,
    /// "ua" / "en" / "it" for voice, null for SMS.
    lang: Option<&'static str>,
    /// The message or spoken text.
    text: &'a str,
    /// When it was written, Unix milliseconds.
    at: u64,
}

impl SimulatedProvider {
    /// Creates the outbox's folder (0700) and file (0600) if needed, so a path
    /// that cannot be written fails at start-up rather than on the first delivery.
    /// An outbox already there keeps its mode.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            files::create_dir_all(dir)?;
        }
        files::options().create(true).append(true).open(&path)?;
        Ok(Self {
            path: Arc::new(path),
        })
    }

    /// The outbox file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Renders the line, newline included.
fn render(d: &Delivery) -> Result<Vec<u8>, DeliveryError> {
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX));
    let line = Line {
        channel: d.channel.as_str(),
        phone: &d.phone,
        code: &d.code,
        lang: d.lang.map(|l| l.as_str()),
        text: &d.text,
        at,
    };
    let mut bytes = serde_json::to_vec(&line).map_err(io::Error::from)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Blocking: opens for append, writes the whole line, flushes.
fn append(path: &Path, line: &[u8]) -> io::Result<()> {
    let _turn = APPEND.lock().unwrap_or_else(PoisonError::into_inner);
    let mut file = files::options().create(true).append(true).open(path)?;
    file.write_all(line)?;
    file.flush()
}

impl Provider for SimulatedProvider {
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let line = render(delivery)?;
            let path = Arc::clone(&self.path);
            // File I/O blocks: run it on the runtime's blocking pool, never on the
            // arbiter thread that polls this future.
            tokio::task::spawn_blocking(move || append(&path, &line))
                .await
                .map_err(|_| io::Error::other("outbox writer task failed"))??;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::channel::Lang;

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[actix_rt::test]
    async fn writes_the_outbox_line_of_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/deeper/sms-outbox.jsonl");
        let p = SimulatedProvider::open(&path).unwrap();
        assert!(path.exists(), "open creates folder and file");
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        p.deliver(&Delivery::sms("380501234522", "123456"))
            .await
            .unwrap();
        p.deliver(&Delivery::voice("390612345678", "654321", Lang::It))
            .await
            .unwrap();

        let raw = fs::read_to_string(&path).unwrap();
        assert!(raw.ends_with('\n'));
        let first = raw.lines().next().unwrap();
        assert!(first.starts_with(r#"{"channel":"sms","phone":"380501234522","code":"123456","lang":null,"text":"Your roster code: 123456","at":"#), "{first}");

        let got = lines(&path);
        assert_eq!(got.len(), 2);
        let sms = got[0].as_object().unwrap();
        assert_eq!(sms.len(), 6, "exactly the six keys of the contract");
        assert_eq!(sms["channel"], "sms");
        assert_eq!(sms["phone"], "380501234522");
        assert_eq!(sms["code"], "123456");
        assert!(sms["lang"].is_null());
        assert_eq!(sms["text"], "Your roster code: 123456");
        assert!(sms["at"].as_u64().unwrap() >= before);
        let voice = &got[1];
        assert_eq!(voice["channel"], "voice");
        assert_eq!(voice["lang"], "it");
        assert_eq!(voice["code"], "654321");
        assert_eq!(voice["text"], "Il tuo codice roster è 6, 5, 4, 3, 2, 1");
    }

    #[test]
    fn an_unwritable_outbox_fails_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, b"").unwrap();
        assert!(SimulatedProvider::open(file.join("outbox.jsonl")).is_err());
    }

    #[cfg(unix)]
    #[actix_rt::test]
    async fn the_outbox_is_its_owners_alone_even_once_rotated() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/sms-outbox.jsonl");
        let p = SimulatedProvider::open(&path).unwrap();
        assert_eq!(mode(dir.path().join("data").as_path()), 0o700);
        assert_eq!(mode(&path), 0o600);

        fs::remove_file(&path).unwrap();
        p.deliver(&Delivery::sms("380501234522", "123456"))
            .await
            .unwrap();
        assert_eq!(mode(&path), 0o600, "created again by the append");
    }
}
