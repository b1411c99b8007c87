//! `ChannelError`: why a channel could not start. Names the section and key,
//! never a secret's value.

use std::{io, path::PathBuf};

/// Why a channel could not start.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// A key has a value the channel cannot work with.
    #[error("[{section}] {key}: {why}")]
    Invalid {
        /// "sms" or "voice".
        section: &'static str,
        /// The offending key.
        key: &'static str,
        /// What is wrong with it (never the value of a secret).
        why: String,
    },
    /// The chosen provider needs keys that are neither in the file nor in the environment.
    #[error("[{section}] provider = \"{provider}\" needs {missing}")]
    Missing {
        /// "sms" or "voice".
        section: &'static str,
        /// The provider's name.
        provider: &'static str,
        /// The missing keys, each with the environment variable that may supply it.
        missing: String,
    },
    /// The simulated provider's outbox cannot be created or written.
    #[error("[{section}] outbox {}: {source}", path.display())]
    Outbox {
        /// "sms" or "voice".
        section: &'static str,
        /// The outbox path from the config.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// The HTTP client could not be built (e.g. no TLS roots).
    #[error("[{section}] HTTP client: {why}")]
    Client {
        /// "sms" or "voice".
        section: &'static str,
        /// What the client library said.
        why: String,
    },
    /// `start_channels` was called outside a running actix System.
    #[error("channels must be started inside a running actix System")]
    NoSystem,
}
