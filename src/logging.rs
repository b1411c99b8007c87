//! The process's log output: env_logger with `RUST_LOG` (default `info`), as text
//! (env_logger's own format) or as JSON, one object per line, for log shippers.
//!
//! JSON lines carry `time` (RFC 3339, UTC, milliseconds), `level`, `target`, `message`
//! and every structured field of the record (`log::info!(listener = "tcp"; "…")`).
//! Nothing here adds data to a record, so the rule that no secret is ever logged is
//! kept where records are written, not here.

use std::io::Write;

use log::kv::{Key, Value, VisitSource};
use roster_server::config::LogFormat;

/// Installs the global logger. Call once, before anything logs.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if format == LogFormat::Json {
        builder.format(|buf, record| {
            let mut line = serde_json::Map::new();
            line.insert("time".into(), buf.timestamp_millis().to_string().into());
            line.insert("level".into(), record.level().as_str().into());
            line.insert("target".into(), record.target().into());
            line.insert("message".into(), record.args().to_string().into());
            let _ = record.key_values().visit(&mut Fields(&mut line));
            serde_json::to_writer(&mut *buf, &line)?;
            writeln!(buf)
        });
    }
    builder.init();
}

/// Copies a record's key-value pairs into the JSON object (a field may not replace
/// one of the four fixed ones).
struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        let key = key.as_str();
        if !matches!(key, "time" | "level" | "target" | "message") {
            let value = match (value.to_i64(), value.to_bool()) {
                (Some(n), _) => n.into(),
                (None, Some(b)) => b.into(),
                (None, None) => value.to_string().into(),
            };
            self.0.insert(key.to_owned(), value);
        }
        Ok(())
    }
}
