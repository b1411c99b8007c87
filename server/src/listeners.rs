//! The listeners a server serves, bound by its caller (the binary binds the addresses
//! the configuration names; tests bind port 0), and what each does with a socket it
//! accepts: plain MQTT starts a session at once, TLS and WebSocket listeners first run
//! their handshakes, with the `[tls]` pair loaded once for all of them.

use std::{
    io,
    net::{SocketAddr, TcpListener},
    sync::Arc,
};

use tokio::io::unix::AsyncFd;

use crate::{
    config::Config,
    transport::{
        tls::{TlsError, TlsKeys},
        upgrade::Upgrade,
        ws::{frame_limits, WsRules},
    },
};

/// Bound listeners, each optional.
#[derive(Debug, Default)]
pub struct Listeners {
    /// Plain MQTT.
    pub mqtt: Option<TcpListener>,
    /// MQTT over TLS.
    pub tls: Option<TcpListener>,
    /// MQTT over WebSocket: `ws`, or `wss` when `websocket.tls` is set.
    pub websocket: Option<TcpListener>,
}

impl Listeners {
    /// Plain MQTT only.
    pub fn mqtt(listener: TcpListener) -> Listeners {
        Listeners {
            mqtt: Some(listener),
            ..Listeners::default()
        }
    }
}

/// Where each listener serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bound {
    /// Plain MQTT.
    pub mqtt: Option<SocketAddr>,
    /// MQTT over TLS.
    pub tls: Option<SocketAddr>,
    /// MQTT over WebSocket (secure when `websocket.tls` is set).
    pub websocket: Option<SocketAddr>,
}

/// Why the listeners cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    /// A listener could not be set up.
    #[error("listener: {0}")]
    Io(#[from] io::Error),
    /// The `[tls]` pair is unusable; names the file.
    #[error("{0}")]
    Tls(#[from] TlsError),
    /// No listener was given.
    #[error("no listener to serve")]
    None,
}

/// A listener ready for the accept loop.
pub(crate) struct Serving {
    /// The socket, registered with the accepting thread's reactor.
    pub(crate) fd: AsyncFd<TcpListener>,
    /// Its handshake; `None` for plain MQTT.
    pub(crate) upgrade: Option<Arc<Upgrade>>,
}

/// What [`prepare`] makes of the listeners.
pub(crate) struct Prepared {
    /// One per listener.
    pub(crate) serving: Vec<Serving>,
    /// Their addresses.
    pub(crate) bound: Bound,
    /// The TLS pair, when a listener serves TLS (for reloads).
    pub(crate) tls: Option<Arc<TlsKeys>>,
}

/// Loads the TLS pair if a listener needs it and readies each listener.
pub(crate) fn prepare(listeners: Listeners, config: &Config) -> Result<Prepared, ListenerError> {
    let wss = listeners.websocket.is_some() && config.websocket.tls;
    let tls = match listeners.tls.is_some() || wss {
        true => Some(TlsKeys::load(&config.tls)?),
        false => None,
    };
    let acceptor = match &tls {
        Some(keys) => Some(keys.acceptor(config.tls.min_version)?),
        None => None,
    };
    let mut serving = Vec::new();
    let mut bound = Bound::default();
    if let Some(l) = listeners.mqtt {
        bound.mqtt = Some(l.local_addr()?);
        serving.push(ready(l, None)?);
    }
    if let (Some(l), Some(acceptor)) = (listeners.tls, &acceptor) {
        bound.tls = Some(l.local_addr()?);
        serving.push(ready(l, Some(Upgrade::Tls(acceptor.clone())))?);
    }
    if let Some(l) = listeners.websocket {
        bound.websocket = Some(l.local_addr()?);
        let upgrade = Upgrade::WebSocket {
            tls: if wss { acceptor.clone() } else { None },
            rules: Arc::new(WsRules::new(&config.websocket)),
            limits: frame_limits(
                config.server.max_packet_size,
                config.session.max_write_buffer_bytes,
            ),
        };
        serving.push(ready(l, Some(upgrade))?);
    }
    if serving.is_empty() {
        return Err(ListenerError::None);
    }
    Ok(Prepared {
        serving,
        bound,
        tls,
    })
}

/// Registers a listener for the accept loop.
fn ready(listener: TcpListener, upgrade: Option<Upgrade>) -> io::Result<Serving> {
    listener.set_nonblocking(true)?;
    // SAFETY: the std listener owns its descriptor for as long as it lives, and the
    // AsyncFd owns the listener: the descriptor stays open and the same throughout.
    let fd = unsafe { AsyncFd::register(listener) }.map_err(io::Error::from)?;
    Ok(Serving {
        fd,
        upgrade: upgrade.map(Arc::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").unwrap()
    }

    fn refused(listeners: Listeners, config: &Config) -> ListenerError {
        match prepare(listeners, config) {
            Err(e) => e,
            Ok(_) => panic!("expected a refusal"),
        }
    }

    #[tokio::test]
    async fn each_listener_is_readied_with_its_handshake() {
        let config = Config::default();
        let both = Listeners {
            mqtt: Some(bind()),
            websocket: Some(bind()),
            ..Listeners::default()
        };
        let p = prepare(both, &config).unwrap();
        assert!(p.tls.is_none(), "plain ws needs no TLS pair");
        let kinds: Vec<_> = p
            .serving
            .iter()
            .map(|s| s.upgrade.as_ref().map(|u| u.to_string()))
            .collect();
        assert_eq!(kinds, [None, Some("WebSocket".to_string())]);
        assert!(p.bound.mqtt.is_some() && p.bound.websocket.is_some() && p.bound.tls.is_none());
    }

    #[tokio::test]
    async fn nothing_to_serve_or_a_missing_pair_is_refused() {
        let config = Config::default();
        assert!(matches!(
            refused(Listeners::default(), &config),
            ListenerError::None
        ));
        let mut config = Config::default();
        config.tls.cert = "/nonexistent/cert.pem".into();
        config.tls.key = "/nonexistent/key.pem".into();
        let tls = Listeners {
            tls: Some(bind()),
            ..Listeners::default()
        };
        let err = refused(tls, &config);
        assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
        config.websocket.tls = true;
        let wss = Listeners {
            websocket: Some(bind()),
            ..Listeners::default()
        };
        assert!(
            matches!(refused(wss, &config), ListenerError::Tls(_)),
            "wss needs the pair"
        );
    }
}
