//! The `[tls]` and `[websocket]` sections of `config.toml`: which listeners serve MQTT
//! over TLS and over WebSocket, with which certificate, and whom a WebSocket
//! handshake admits.

use std::path::PathBuf;

use serde::Deserialize;

/// `[tls]`: MQTT over TLS, and the certificate a `wss` listener serves too.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// Address of the MQTT-over-TLS listener; empty turns it off (conventionally port
    /// 8883).
    pub mqtt_listen: String,
    /// PEM file with the server's certificate, then any intermediates (a chain).
    pub cert: PathBuf,
    /// PEM file with the certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// Oldest TLS version a client may use.
    pub min_version: TlsVersion,
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            mqtt_listen: String::new(),
            cert: PathBuf::new(),
            key: PathBuf::new(),
            min_version: TlsVersion::V1_2,
        }
    }
}

/// A TLS version as `min_version` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TlsVersion {
    /// TLS 1.2 (and 1.3).
    #[serde(rename = "1.2")]
    V1_2,
    /// TLS 1.3 only.
    #[serde(rename = "1.3")]
    V1_3,
}

/// `[websocket]`: MQTT over WebSocket (binary frames, subprotocol `mqtt`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSocketConfig {
    /// Address of the WebSocket listener; empty turns it off (conventionally port 8083).
    pub listen: String,
    /// The request path a client must ask for; others get HTTP 404.
    pub path: String,
    /// Serve `wss` (WebSocket over TLS with the `[tls]` certificate) instead of `ws`.
    pub tls: bool,
    /// `Origin` values a browser may connect from, matched exactly (`"null"` is what a
    /// `file://` page sends); others get HTTP 403. Empty admits any.
    pub allowed_origins: Vec<String>,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            listen: String::new(),
            path: "/mqtt".into(),
            tls: false,
            allowed_origins: Vec::new(),
        }
    }
}

/// Checks the two sections together: the key that is wrong and why.
pub fn validate(tls: &TlsConfig, ws: &WebSocketConfig) -> Result<(), (&'static str, String)> {
    let needs_pair = !tls.mqtt_listen.is_empty() || (ws.tls && !ws.listen.is_empty());
    if needs_pair {
        let why = "is needed by tls.mqtt_listen or websocket.tls";
        if tls.cert.as_os_str().is_empty() {
            return Err(("tls.cert", format!("the certificate's PEM file {why}")));
        }
        if tls.key.as_os_str().is_empty() {
            return Err(("tls.key", format!("the private key's PEM file {why}")));
        }
    }
    if !ws.path.starts_with('/') {
        return Err(("websocket.path", "must start with `/`".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_checked_together() {
        let (tls, ws) = (TlsConfig::default(), WebSocketConfig::default());
        assert!(tls.mqtt_listen.is_empty() && ws.listen.is_empty());
        assert_eq!(
            (tls.min_version, ws.path.as_str()),
            (TlsVersion::V1_2, "/mqtt")
        );
        assert!(validate(&tls, &ws).is_ok());
        let on = TlsConfig {
            mqtt_listen: "0.0.0.0:8883".into(),
            ..TlsConfig::default()
        };
        assert_eq!(validate(&on, &ws).unwrap_err().0, "tls.cert");
        let wss = WebSocketConfig {
            listen: "0.0.0.0:8083".into(),
            tls: true,
            ..WebSocketConfig::default()
        };
        let cert_only = TlsConfig {
            cert: "c.pem".into(),
            ..TlsConfig::default()
        };
        assert_eq!(validate(&cert_only, &wss).unwrap_err().0, "tls.key");
        let bad_path = WebSocketConfig {
            path: "mqtt".into(),
            ..WebSocketConfig::default()
        };
        assert_eq!(validate(&tls, &bad_path).unwrap_err().0, "websocket.path");
    }
}
