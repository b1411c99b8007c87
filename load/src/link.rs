//! How a device reaches the server: [`Transport`], what `--tls` and `--ws` ask for,
//! built once per run; and [`Link`], one device's byte stream: plain TCP (the default,
//! and the path BENCHMARKS.md measures: a match on the variant is all it adds), TLS,
//! or MQTT in WebSocket binary frames (subprotocol `mqtt`) over either.

use std::{io, net::SocketAddr};

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{client::TlsStream, rustls::pki_types::ServerName, TlsConnector};
use tokio_tungstenite::{
    tungstenite::{
        client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig, Error as WsError,
        Message,
    },
    WebSocketStream,
};

use super::{args::LoadArgs, tls};

/// Bytes a WebSocket device's reader keeps (tungstenite's default is 128 KiB, eagerly
/// allocated: too much for thousands of devices sending small packets).
const WS_READ_BUFFER: usize = 4096;

/// A TLS or WebSocket handshake failed.
#[derive(Debug, thiserror::Error)]
#[error("{what} handshake: {message}")]
pub struct HandshakeError {
    /// `TLS` or `WebSocket`.
    pub what: &'static str,
    /// What went wrong.
    pub message: String,
}

/// The TLS side of a transport: the run's one client configuration and the name the
/// server's certificate must carry.
#[derive(Clone)]
pub struct TlsTo {
    /// Shares the run's rustls configuration.
    connector: TlsConnector,
    /// SNI and the certificate check.
    name: ServerName<'static>,
}

/// How every device of a run reaches the server.
#[derive(Clone)]
pub enum Transport {
    /// MQTT straight over TCP.
    Tcp,
    /// MQTT over TLS (`--tls`).
    Tls(TlsTo),
    /// MQTT over WebSocket (`--ws`), over TLS too with `--tls` (wss).
    Ws {
        /// `ws://host:port/path`, for the upgrade request.
        url: String,
        /// wss: TLS first.
        tls: Option<TlsTo>,
    },
}

impl Transport {
    /// The transport `args` ask for; a `--ca` file is read here, once.
    pub fn new(args: &LoadArgs) -> Result<Transport, String> {
        let tls = if args.tls {
            let config = tls::client_config(args.ca.as_deref(), args.insecure)?;
            Some(TlsTo {
                connector: TlsConnector::from(config),
                name: tls::server_name(args.tls_name.as_deref(), args.server.ip())?,
            })
        } else {
            None
        };
        Ok(match (args.ws, tls) {
            (false, None) => Transport::Tcp,
            (false, Some(tls)) => Transport::Tls(tls),
            (true, tls) => Transport::Ws {
                url: ws_url(args.server, args.tls_name.as_deref(), &args.ws_path),
                tls,
            },
        })
    }

    /// The handshakes on a connected socket: TLS, the WebSocket upgrade, both or none.
    pub async fn open(&self, tcp: TcpStream) -> Result<Link, HandshakeError> {
        match self {
            Transport::Tcp => Ok(Link::Tcp(tcp)),
            Transport::Tls(tls) => Ok(Link::Tls(Box::new(tls.handshake(tcp).await?))),
            Transport::Ws { url, tls: None } => Ok(Link::Ws(Box::new(upgrade(url, tcp).await?))),
            Transport::Ws {
                url,
                tls: Some(tls),
            } => {
                let tls = tls.handshake(tcp).await?;
                Ok(Link::Wss(Box::new(upgrade(url, tls).await?)))
            }
        }
    }
}

impl TlsTo {
    async fn handshake(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, HandshakeError> {
        self.connector
            .connect(self.name.clone(), tcp)
            .await
            .map_err(|e| HandshakeError {
                what: "TLS",
                message: e.to_string(),
            })
    }
}

/// `ws://<name or address>:<port><path>` (the scheme only shapes the request: TLS, if
/// any, is already under it).
fn ws_url(server: SocketAddr, name: Option<&str>, path: &str) -> String {
    let slash = if path.starts_with('/') { "" } else { "/" };
    match name {
        Some(n) => format!("ws://{n}:{}{slash}{path}", server.port()),
        None => format!("ws://{server}{slash}{path}"),
    }
}

/// The WebSocket upgrade asking for subprotocol `mqtt`, over `stream`.
async fn upgrade<S>(url: &str, stream: S) -> Result<WebSocketStream<S>, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let failed = |e: WsError| HandshakeError {
        what: "WebSocket",
        message: e.to_string(),
    };
    let mut request = url.into_client_request().map_err(failed)?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
    let config = WebSocketConfig::default()
        .read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(0);
    let (ws, _response) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config))
            .await
            .map_err(failed)?;
    Ok(ws)
}

/// One device's connection to the server.
pub enum Link {
    /// Plain TCP.
    Tcp(TcpStream),
    /// TLS over TCP (boxed: the session state is large, and plain devices keep none).
    Tls(Box<TlsStream<TcpStream>>),
    /// WebSocket over TCP.
    Ws(Box<WebSocketStream<TcpStream>>),
    /// WebSocket over TLS.
    Wss(Box<WebSocketStream<TlsStream<TcpStream>>>),
}

impl Link {
    /// Writes `buf` whole (over WebSocket: as one binary frame).
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Link::Tcp(s) => s.write_all(buf).await,
            Link::Tls(s) => {
                s.write_all(buf).await?;
                s.flush().await
            }
            Link::Ws(ws) => send(ws, buf).await,
            Link::Wss(ws) => send(ws, buf).await,
        }
    }

    /// Reads what has come into `buf`; 0 at the end of the stream (a WebSocket close
    /// frame included). Cancel-safe: nothing read is lost if the future is dropped.
    pub async fn read_buf(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        match self {
            Link::Tcp(s) => s.read_buf(buf).await,
            Link::Tls(s) => s.read_buf(buf).await,
            Link::Ws(ws) => receive(ws, buf).await,
            Link::Wss(ws) => receive(ws, buf).await,
        }
    }
}

/// One binary frame.
async fn send<S>(ws: &mut WebSocketStream<S>, buf: &[u8]) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    ws.send(Message::Binary(Bytes::copy_from_slice(buf)))
        .await
        .map_err(ws_io)
}

/// The next binary message's bytes into `buf` (pings are answered by tungstenite).
async fn receive<S>(ws: &mut WebSocketStream<S>, buf: &mut BytesMut) -> io::Result<usize>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match ws.next().await {
            None | Some(Ok(Message::Close(_))) => return Ok(0),
            Some(Ok(Message::Binary(data))) if !data.is_empty() => {
                buf.extend_from_slice(&data);
                return Ok(data.len());
            }
            Some(Ok(Message::Text(_))) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a WebSocket text frame (MQTT is sent in binary frames)",
                ))
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(ws_io(e)),
        }
    }
}

/// A WebSocket failure as the socket error it is, where it is one.
fn ws_io(e: WsError) -> io::Error {
    match e {
        WsError::Io(e) => e,
        WsError::ConnectionClosed | WsError::AlreadyClosed => {
            io::Error::new(io::ErrorKind::ConnectionReset, e.to_string())
        }
        other => io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_urls() {
        let v4: SocketAddr = "127.0.0.1:8083".parse().unwrap();
        let v6: SocketAddr = "[::1]:8083".parse().unwrap();
        assert_eq!(ws_url(v4, None, "/mqtt"), "ws://127.0.0.1:8083/mqtt");
        assert_eq!(ws_url(v6, None, "mqtt"), "ws://[::1]:8083/mqtt");
        assert_eq!(ws_url(v4, Some("localhost"), "/"), "ws://localhost:8083/");
    }

    #[test]
    fn a_plain_run_is_plain_tcp() {
        use clap::Parser;
        let args = LoadArgs::try_parse_from(["load", "relay"]).unwrap();
        assert!(matches!(Transport::new(&args), Ok(Transport::Tcp)));
        let args = LoadArgs::try_parse_from(["load", "relay", "--tls", "--insecure"]).unwrap();
        assert!(matches!(Transport::new(&args), Ok(Transport::Tls(_))));
        let args = LoadArgs::try_parse_from(["load", "relay", "--ws"]).unwrap();
        assert!(matches!(
            Transport::new(&args),
            Ok(Transport::Ws { tls: None, .. })
        ));
        let args =
            LoadArgs::try_parse_from(["load", "relay", "--ws", "--tls", "--insecure"]).unwrap();
        assert!(matches!(
            Transport::new(&args),
            Ok(Transport::Ws { tls: Some(_), .. })
        ));
    }
}
