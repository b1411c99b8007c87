//! Configuration: serde structs for `config.toml`, every key defaulted, unknown keys refused.

use std::{fmt, path::Path};

use roster_actors::{
    auth::{AuthConfig, JwtConfig},
    channel::ChannelConfig,
    profile::ProfileConfig,
    store::StoreConfig,
};
use serde::Deserialize;

use crate::{
    guard::DEFAULT_IPV6_PREFIX_LEN,
    proxy::Cidr,
    term::{Limits, ReplyAtoms},
    transport::config::{self as transport, TlsConfig, WebSocketConfig},
};

/// The whole configuration file. Each section has its own struct; all keys have defaults,
/// so an empty file is a valid configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Network listener and MQTT packet limits.
    pub server: ServerConfig,
    /// MQTT over TLS, and the certificate of every TLS listener.
    pub tls: TlsConfig,
    /// MQTT over WebSocket.
    pub websocket: WebSocketConfig,
    /// Persistent-session behaviour.
    pub session: SessionConfig,
    /// The SQLite file.
    pub storage: StoreConfig,
    /// Codes, attempts, rate limits, test numbers.
    pub auth: AuthConfig,
    /// JWT confirmation keys.
    pub jwt: JwtConfig,
    /// Bounds on what one profile may store.
    pub profile: ProfileConfig,
    /// The SMS channel.
    #[serde(deserialize_with = "ChannelConfig::deserialize_sms")]
    pub sms: ChannelConfig,
    /// The voice channel.
    #[serde(deserialize_with = "ChannelConfig::deserialize_voice")]
    pub voice: ChannelConfig,
    /// Bounds on untrusted ETF payloads.
    pub limits: Limits,
    /// How the process logs.
    pub log: LogConfig,
    /// How replies are encoded.
    pub wire: WireConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            tls: TlsConfig::default(),
            websocket: WebSocketConfig::default(),
            session: SessionConfig::default(),
            storage: StoreConfig::default(),
            auth: AuthConfig::default(),
            jwt: JwtConfig::default(),
            profile: ProfileConfig::default(),
            sms: ChannelConfig::sms_default(),
            voice: ChannelConfig::voice_default(),
            limits: Limits::default(),
            log: LogConfig::default(),
            wire: WireConfig::default(),
        }
    }
}

/// `[server]`: where to listen and how much one client may send or hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address of the plain MQTT listener; empty turns it off.
    pub mqtt_listen: String,
    /// Connections the kernel queues before they are accepted (capped by
    /// `net.core.somaxconn`); bursts of CONNECTs beyond it wait a SYN retransmit.
    pub listen_backlog: u32,
    /// Largest MQTT packet accepted, in bytes (fixed header included); checked before buffering.
    pub max_packet_size: u32,
    /// Seconds a new connection has to send CONNECT before it is closed (a TLS or
    /// WebSocket connection first has as long for its handshakes).
    pub connect_timeout_secs: u64,
    /// Most client connections held at once; beyond it new sockets are closed at once.
    pub max_connections: usize,
    /// Most connections one address (IPv4, or IPv6 prefix) may hold at once; beyond it
    /// its new sockets are closed at once. 0 turns the cap off.
    pub max_connections_per_ip: u32,
    /// Worker threads serving connections; 0 means one per CPU core.
    pub workers: usize,
    /// Seconds a graceful shutdown waits for in-flight requests before closing anyway.
    pub shutdown_grace_secs: u64,
    /// New connections one address (IPv4, or IPv6 prefix) may open per second, on
    /// average; beyond it new sockets are closed at once. 0 turns the limit off.
    pub connect_rate_per_ip: u32,
    /// New connections one address may open at once before `connect_rate_per_ip`
    /// applies.
    pub connect_burst_per_ip: u32,
    /// Leading bits of an IPv6 address that make one "address" for every
    /// per-address limit (0 to 128; IPv4, and IPv4-mapped IPv6, count each address).
    pub ipv6_prefix_len: u8,
    /// Every connection starts with a PROXY protocol header (v1 or v2) from a load
    /// balancer, read within `connect_timeout_secs`; its client address is the one the
    /// per-address limits and the logs use. Only `trusted_proxies` may connect.
    pub proxy_protocol: bool,
    /// The balancers (addresses or networks: `10.0.0.5`, `10.0.0.0/24`, `fd00::/8`)
    /// allowed to connect when `proxy_protocol` is on; others are closed at once.
    pub trusted_proxies: Vec<Cidr>,
    /// Seconds a packet may take to arrive once its first byte has: a connection that
    /// leaves one incomplete longer is closed (whatever its keep-alive). 0: no limit.
    pub packet_timeout_secs: u64,
    /// Bytes all sessions together may hold (replies, requests, parked sessions,
    /// partial packets, unsent bytes); at or beyond it new CONNECTs get CONNACK 3 and
    /// new requests `{error,unavailable}` until they hold less.
    pub max_total_session_bytes: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            mqtt_listen: "127.0.0.1:1883".into(),
            listen_backlog: 4096,
            max_packet_size: 262_144,
            connect_timeout_secs: 10,
            max_connections: 200_000,
            max_connections_per_ip: 1000,
            workers: 0,
            shutdown_grace_secs: 10,
            connect_rate_per_ip: 50,
            connect_burst_per_ip: 200,
            ipv6_prefix_len: DEFAULT_IPV6_PREFIX_LEN,
            proxy_protocol: false,
            trusted_proxies: Vec::new(),
            packet_timeout_secs: 30,
            max_total_session_bytes: 8 << 30,
        }
    }
}

/// `[session]`: per-connection limits and persistent sessions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Seconds a disconnected persistent (clean_session=false) session is kept.
    pub expiry_secs: u64,
    /// Outbound QoS 1/2 messages awaiting acknowledgement at once per client.
    pub max_inflight: usize,
    /// Outbound messages queued per client (live behind the inflight window, or offline).
    pub max_queued: usize,
    /// Requests from one client waiting to be processed; a client beyond it is disconnected.
    pub max_pending_requests: usize,
    /// Bytes written for one client that its socket has not taken yet; a client that
    /// stops reading is disconnected beyond it.
    pub max_write_buffer_bytes: u64,
    /// Bytes one session may hold: replies queued or unacknowledged (live or parked),
    /// requests waiting, inbound QoS 2 ids and unsent bytes. Requests go to the router
    /// while its replies are under three quarters of it; a request that would take it
    /// past the whole closes the connection; a parked session drops its oldest.
    pub max_session_bytes: u64,
    /// Seconds a registering (anonymous) connection may stay silent, even at
    /// keep-alive 0 or a longer keep-alive. 0: only its keep-alive applies.
    pub max_anonymous_idle_secs: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            expiry_secs: 7200,
            max_inflight: 32,
            max_queued: 1000,
            max_pending_requests: 64,
            max_write_buffer_bytes: 1_048_576,
            max_session_bytes: 2 << 20,
            max_anonymous_idle_secs: 300,
        }
    }
}

/// `[wire]`: how replies are encoded.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WireConfig {
    /// Atom tags in replies: `"mirror"` (the request's family), `"utf8"` (119) or
    /// `"latin1"` (100, for pre-2018 BERT decoders).
    pub reply_atoms: ReplyAtoms,
}

/// `[log]`: the log's format (its level comes from `RUST_LOG`, default `info`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `"text"` (env_logger's lines) or `"json"` (one object per line).
    pub format: LogFormat,
}

/// The two log formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `[time LEVEL target] message`, for people.
    #[default]
    Text,
    /// `{"time":…,"level":…,"target":…,"message":…,…}`, for log shippers.
    Json,
}

/// Why a configuration could not be loaded; the message names the file or the key.
#[derive(Debug)]
pub enum ConfigError {
    /// The file could not be read.
    Read {
        path: String,
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value of the wrong type.
    Parse { path: String, message: String },
    /// The values parse but do not make sense together.
    Invalid { key: &'static str, message: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read config file {path}: {source}"),
            Self::Parse { path, message } => write!(f, "bad config file {path}: {message}"),
            Self::Invalid { key, message } => write!(f, "bad config value `{key}`: {message}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: shown,
                message,
            },
            other => other,
        })
    }

    /// Parses and validates configuration text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "<text>".into(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.limits
            .validate()
            .map_err(|message| ConfigError::Invalid {
                key: "limits",
                message,
            })?;
        self.auth
            .validate()
            .map_err(|message| ConfigError::Invalid {
                key: "auth",
                message,
            })?;
        if self.server.max_packet_size < 64 {
            return Err(ConfigError::Invalid {
                key: "server.max_packet_size",
                message: "must be at least 64 bytes".into(),
            });
        }
        if self.server.ipv6_prefix_len > 128 {
            return Err(ConfigError::Invalid {
                key: "server.ipv6_prefix_len",
                message: "must be between 0 and 128".into(),
            });
        }
        if self.session.max_inflight == 0 || self.session.max_inflight > 65_000 {
            return Err(ConfigError::Invalid {
                key: "session.max_inflight",
                message: "must be between 1 and 65000".into(),
            });
        }
        if self.profile.max_accounts == 0 {
            return Err(ConfigError::Invalid {
                key: "profile.max_accounts",
                message: "must be at least 1 (every profile has its first account)".into(),
            });
        }
        if self.session.max_write_buffer_bytes < u64::from(self.server.max_packet_size) {
            return Err(ConfigError::Invalid {
                key: "session.max_write_buffer_bytes",
                message: "must be at least server.max_packet_size".into(),
            });
        }
        if self.server.proxy_protocol && self.server.trusted_proxies.is_empty() {
            return Err(ConfigError::Invalid {
                key: "server.trusted_proxies",
                message: "server.proxy_protocol needs at least one trusted proxy".into(),
            });
        }
        transport::validate(&self.tls, &self.websocket)
            .map_err(|(key, message)| ConfigError::Invalid { key, message })?;
        if [
            &self.server.mqtt_listen,
            &self.tls.mqtt_listen,
            &self.websocket.listen,
        ]
        .iter()
        .all(|l| l.is_empty())
        {
            return Err(ConfigError::Invalid {
                key: "server.mqtt_listen",
                message: "every listener is off (tls.mqtt_listen and websocket.listen too)".into(),
            });
        }
        if self.session.max_session_bytes < 65_536 {
            return Err(ConfigError::Invalid {
                key: "session.max_session_bytes",
                message: "must be at least 65536".into(),
            });
        }
        if self.server.max_total_session_bytes < self.session.max_session_bytes {
            return Err(ConfigError::Invalid {
                key: "server.max_total_session_bytes",
                message: "must be at least session.max_session_bytes".into(),
            });
        }
        if self.session.max_pending_requests == 0 {
            return Err(ConfigError::Invalid {
                key: "session.max_pending_requests",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
