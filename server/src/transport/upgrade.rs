//! What a listener does with an accepted socket before its session starts: nothing
//! (plain MQTT), a TLS handshake, a WebSocket handshake, or both. The caller runs it
//! under the connection's deadline.

use std::{fmt, io, sync::Arc};

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig as FrameLimits;

use super::{
    conn::{Conn, Io},
    ws::WsRules,
    ws_io::WsIo,
};

/// A listener's handshake, shared by the connections it accepts.
pub enum Upgrade {
    /// MQTT over TLS.
    Tls(TlsAcceptor),
    /// MQTT over WebSocket, over TLS when `tls` is set (wss).
    WebSocket {
        /// The TLS handshake first, for wss.
        tls: Option<TlsAcceptor>,
        /// What the handshake request must show.
        rules: Arc<WsRules>,
        /// Frame limits for the connection's life.
        limits: FrameLimits,
    },
}

impl fmt::Display for Upgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Upgrade::Tls(_) => "TLS",
            Upgrade::WebSocket { tls: None, .. } => "WebSocket",
            Upgrade::WebSocket { tls: Some(_), .. } => "secure WebSocket",
        })
    }
}

impl Upgrade {
    /// Runs the handshakes on `stream`: the connection a session can read MQTT from.
    pub async fn run(&self, stream: TcpStream) -> io::Result<Conn> {
        match self {
            Upgrade::Tls(acceptor) => Ok(Conn::stream(acceptor.accept(stream).await?)),
            Upgrade::WebSocket {
                tls: None,
                rules,
                limits,
            } => websocket(stream, rules.clone(), *limits).await,
            Upgrade::WebSocket {
                tls: Some(acceptor),
                rules,
                limits,
            } => websocket(acceptor.accept(stream).await?, rules.clone(), *limits).await,
        }
    }
}

/// The WebSocket handshake under `rules`; a refusal has been answered in HTTP.
#[allow(clippy::result_large_err)] // tungstenite's callback returns its HTTP refusal
async fn websocket(
    stream: impl Io + 'static,
    rules: Arc<WsRules>,
    limits: FrameLimits,
) -> io::Result<Conn> {
    let check = move |req: &_, resp| rules.check(req, resp);
    let ws = tokio_tungstenite::accept_hdr_async_with_config(stream, check, Some(limits))
        .await
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(Conn::stream(WsIo::new(ws)))
}
