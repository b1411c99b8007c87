//! A raw MQTT-over-WebSocket client (tokio-tungstenite), for tests that choose how
//! packets are cut into frames: the handshake with the subprotocols and Origin a test
//! names, over TCP or TLS; packets sent as the frames given; packets read back across
//! whatever frames the server sent.

use std::net::SocketAddr;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use mqtt::{packet::VariablePacket, Encodable};
use roster_server::{mqtt::MqttCodec, transport::Io};
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Error, Message},
    WebSocketStream,
};
use tokio_util::codec::Decoder;

use super::{certs::TestCa, harness::DEADLINE};

/// What a handshake offers.
pub struct Offer<'a> {
    /// The request path.
    pub path: &'a str,
    /// `Sec-WebSocket-Protocol`, if any.
    pub protocols: Option<&'a str>,
    /// `Origin`, if any.
    pub origin: Option<&'a str>,
    /// Over TLS, trusting this CA (wss).
    pub tls: Option<&'a TestCa>,
}

impl Default for Offer<'_> {
    fn default() -> Self {
        Offer {
            path: "/mqtt",
            protocols: Some("mqtt"),
            origin: None,
            tls: None,
        }
    }
}

/// A connected WebSocket client.
pub struct WsClient {
    /// The connection.
    pub ws: WebSocketStream<Box<dyn Io>>,
    /// Bytes of binary messages not yet decoded into packets.
    buf: BytesMut,
}

/// One packet's bytes.
pub fn bytes(p: impl Into<VariablePacket>) -> Vec<u8> {
    let mut buf = Vec::new();
    p.into().encode(&mut buf).unwrap();
    buf
}

impl WsClient {
    /// The handshake `offer` describes; the server's refusal as tungstenite's error
    /// (`Error::Http` with the status).
    pub async fn open(addr: SocketAddr, offer: Offer<'_>) -> Result<WsClient, Error> {
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let stream: Box<dyn Io> = match offer.tls {
            None => Box::new(tcp),
            Some(ca) => {
                let connector = tokio_rustls::TlsConnector::from(ca.client_config());
                let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                Box::new(connector.connect(name, tcp).await?)
            }
        };
        let mut request = format!("ws://{addr}{}", offer.path).into_client_request()?;
        let headers = request.headers_mut();
        if let Some(p) = offer.protocols {
            headers.insert("Sec-WebSocket-Protocol", HeaderValue::from_str(p).unwrap());
        }
        if let Some(o) = offer.origin {
            headers.insert("Origin", HeaderValue::from_str(o).unwrap());
        }
        let (ws, response) = tokio_tungstenite::client_async(request, stream).await?;
        if offer.protocols.is_some() {
            let chosen = response.headers().get("Sec-WebSocket-Protocol");
            assert!(chosen.is_some(), "a subprotocol is chosen");
        }
        Ok(WsClient {
            ws,
            buf: BytesMut::new(),
        })
    }

    /// Opens with the default offer; the handshake must succeed.
    pub async fn connect(addr: SocketAddr, tls: Option<&TestCa>) -> WsClient {
        let offer = Offer {
            tls,
            ..Offer::default()
        };
        WsClient::open(addr, offer)
            .await
            .expect("WebSocket handshake")
    }

    /// Sends each of `frames` as one binary message.
    pub async fn send_frames(&mut self, frames: Vec<Vec<u8>>) {
        for f in frames {
            self.ws.send(Message::binary(f)).await.expect("send");
        }
    }

    /// Sends one packet in one message.
    pub async fn send(&mut self, p: impl Into<VariablePacket>) {
        self.send_frames(vec![bytes(p)]).await;
    }

    /// The next packet, read across as many messages as it takes; answers pings.
    pub async fn recv(&mut self) -> VariablePacket {
        loop {
            if let Some(p) = MqttCodec::new(u32::MAX).decode(&mut self.buf).unwrap() {
                return p;
            }
            match tokio::time::timeout(DEADLINE, self.ws.next()).await {
                Ok(Some(Ok(Message::Binary(b)))) => self.buf.extend_from_slice(&b),
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
                Ok(other) => panic!("expected a packet, got {other:?}"),
                Err(_) => panic!("no packet within {DEADLINE:?}"),
            }
        }
    }

    /// Waits for the server to end the connection: a close frame, EOF or an error. True
    /// when it sent a close frame.
    pub async fn closed(&mut self) -> bool {
        loop {
            match tokio::time::timeout(DEADLINE, self.ws.next()).await {
                Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) => return false,
                Err(_) => panic!("still open after {DEADLINE:?}"),
            }
        }
    }
}
