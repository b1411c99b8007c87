//! A minimal MQTT 3.1.1 client for the generator: one connection (TCP, TLS or
//! WebSocket: a [`Link`]), the server's own codec over `mqtt-protocol` packets, small
//! buffers, and just the protocol a device needs (CONNECT, SUBSCRIBE, PUBLISH at QoS
//! 0–2 with its acknowledgements, PINGREQ). Reading is cancel-safe, so a device can
//! `select!` between a timer and the socket.

use std::{
    io,
    net::SocketAddr,
    time::{Duration, Instant},
};

use bytes::BytesMut;
use mqtt::{
    control::variable_header::ConnectReturnCode,
    packet::{
        ConnectPacket, DisconnectPacket, EncodablePacket, PingreqPacket, PubackPacket,
        PubcompPacket, PublishPacket, PublishPacketRef, PubrecPacket, PubrelPacket,
        QoSWithPacketIdentifier, SubscribePacket, VariablePacket,
    },
    Encodable, QualityOfService, TopicFilter, TopicNameRef,
};
use tokio::net::TcpSocket;
use tokio_util::codec::Decoder;

use roster_server::mqtt::{CodecError, MqttCodec};

use super::link::{HandshakeError, Link, Transport};

mod owed;

use owed::Owed;
pub use owed::MAX_OWED;

/// Largest packet the generator accepts from a server.
const MAX_PACKET: u32 = 1 << 20;

/// Spare room reserved before each socket read.
const READ_CHUNK: usize = 512;

/// How near a device's next write must be for it to hold a PUBACK until then (and
/// send both in one segment, as a closed-loop device does) rather than send it alone.
pub const HOLD_MAX: Duration = Duration::from_millis(20);

/// How long `disconnect` waits for the server to close the connection.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Why a connection failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The socket failed (refused, reset, out of ports or descriptors).
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The server closed the connection.
    #[error("connection closed by the server")]
    Closed,
    /// The TLS or WebSocket handshake failed.
    #[error("{0}")]
    Handshake(#[from] HandshakeError),
    /// CONNACK with a non-zero return code.
    #[error("CONNACK {0}")]
    Refused(u8),
    /// Something that is not MQTT, or not what was expected.
    #[error("protocol: {0}")]
    Protocol(String),
}

impl ClientError {
    /// A short, stable name for the report's error table.
    pub fn kind(&self) -> String {
        match self {
            Self::Io(e) => format!("i/o {:?}", e.kind()),
            Self::Closed => "closed by server".into(),
            Self::Handshake(e) => format!("{} handshake failed", e.what),
            Self::Refused(code) => format!("CONNACK refused {code}"),
            Self::Protocol(_) => "protocol error".into(),
        }
    }
}

impl From<CodecError> for ClientError {
    fn from(e: CodecError) -> Self {
        match e {
            CodecError::Io(e) => Self::Io(e),
            other => Self::Protocol(other.to_string()),
        }
    }
}

/// What a CONNECT says.
#[derive(Clone)]
pub struct ConnectOpts {
    /// The ClientId.
    pub client_id: String,
    /// The password (a session token; never shown).
    pub password: Option<String>,
    /// clean_session.
    pub clean_session: bool,
    /// Keep-alive in seconds.
    pub keep_alive: u16,
}

/// When the PUBACK for a received QoS 1 PUBLISH goes out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ack {
    /// At once, in a write of its own.
    Now,
    /// With the device's next write, or before a read has to wait for the server.
    BeforeWait,
    /// With the device's next write.
    NextWrite,
}

/// One connected device.
pub struct Conn {
    /// The connection.
    stream: Link,
    /// Bytes read but not yet decoded.
    rbuf: BytesMut,
    /// Encoding scratch space, reused.
    wbuf: Vec<u8>,
    /// Frames what is read.
    codec: MqttCodec,
    /// Last packet id used.
    pkid: u16,
    /// PUBACKs not yet written: they go out with the next packet, or before a read
    /// has to wait for the server (one segment instead of two per request).
    owed: Owed,
    /// CONNACK's session-present flag.
    pub session_present: bool,
}

/// Opens a TCP connection from `source` (`None`: the kernel's choice), makes the
/// handshakes `transport` needs (TLS, WebSocket) and completes CONNECT/CONNACK. A
/// refusal is `ClientError::Refused`.
pub async fn connect(
    server: SocketAddr,
    source: Option<SocketAddr>,
    transport: &Transport,
    opts: &ConnectOpts,
) -> Result<Conn, ClientError> {
    let socket = if server.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(addr) = source {
        // Lets a port be taken again while an old connection of it is in TIME_WAIT.
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
    }
    let stream = socket.connect(server).await?;
    stream.set_nodelay(true)?;
    let mut conn = Conn {
        stream: transport.open(stream).await?,
        rbuf: BytesMut::new(),
        wbuf: Vec::new(),
        codec: MqttCodec::new(MAX_PACKET),
        pkid: 0,
        owed: Owed::default(),
        session_present: false,
    };
    let mut packet = ConnectPacket::new(opts.client_id.clone());
    packet.set_clean_session(opts.clean_session);
    packet.set_keep_alive(opts.keep_alive);
    if let Some(p) = &opts.password {
        packet.set_user_name(Some("load".into()));
        packet.set_password(Some(p.clone()));
    }
    conn.write(&packet).await?;
    match conn.read().await? {
        VariablePacket::ConnackPacket(ack) => match ack.connect_return_code() {
            ConnectReturnCode::ConnectionAccepted => {
                conn.session_present = ack.connack_flags().session_present;
                Ok(conn)
            }
            code => Err(ClientError::Refused(code.to_u8())),
        },
        _ => Err(ClientError::Protocol("first packet is not CONNACK".into())),
    }
}

impl Conn {
    /// Encodes and writes one packet, after the PUBACKs owed, if any.
    async fn write<P: EncodablePacket>(&mut self, packet: &P) -> Result<(), ClientError> {
        self.wbuf.clear();
        self.encode_owed()?;
        packet
            .encode(&mut self.wbuf)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.stream.write_all(&self.wbuf).await?;
        Ok(())
    }

    /// Writes the PUBACKs owed, if any, on their own.
    async fn flush_owed(&mut self) -> Result<(), ClientError> {
        if self.owed.is_empty() {
            return Ok(());
        }
        self.wbuf.clear();
        self.encode_owed()?;
        self.stream.write_all(&self.wbuf).await?;
        Ok(())
    }

    /// Appends the PUBACKs owed to `wbuf`; none is owed after.
    fn encode_owed(&mut self) -> Result<(), ClientError> {
        for id in self.owed.take() {
            PubackPacket::new(id)
                .encode(&mut self.wbuf)
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
        }
        Ok(())
    }

    /// The next packet from the server. Cancel-safe: bytes read stay buffered.
    pub async fn read(&mut self) -> Result<VariablePacket, ClientError> {
        self.read_holding(false).await
    }

    /// As [`Conn::read`]; with `hold`, a PUBACK owed stays owed while the read waits.
    async fn read_holding(&mut self, hold: bool) -> Result<VariablePacket, ClientError> {
        loop {
            if let Some(p) = self.codec.decode(&mut self.rbuf)? {
                if self.rbuf.is_empty() {
                    // Idle devices hold no read buffer.
                    self.rbuf = BytesMut::new();
                }
                return Ok(p);
            }
            if !hold {
                // Nothing else to send them with: the server must not wait for them.
                self.flush_owed().await?;
            }
            self.rbuf.reserve(READ_CHUNK);
            if self.stream.read_buf(&mut self.rbuf).await? == 0 {
                return Err(ClientError::Closed);
            }
        }
    }

    /// The next PUBLISH to this device, acknowledging it and answering the handshakes
    /// of the device's own QoS 2 publishes on the way. Cancel-safe between packets.
    pub async fn next_publish(&mut self) -> Result<PublishPacket, ClientError> {
        self.receive(Ack::Now).await
    }

    /// As [`Conn::next_publish`], for a device about to publish again: a QoS 1 PUBACK
    /// is owed, to go out in one write with that publish (as a client that batches
    /// its writes would do) or before the next read that has to wait.
    pub async fn next_publish_then_send(&mut self) -> Result<PublishPacket, ClientError> {
        self.receive(Ack::BeforeWait).await
    }

    /// As [`Conn::next_publish_then_send`], for a device whose next write is planned
    /// for `next_write` (`None`: none is): when that is within [`HOLD_MAX`], the PUBACK
    /// owed waits for it even while the device waits for other packets, else it goes
    /// out at once. Up to [`MAX_OWED`] wait so (replies that arrive together, from a
    /// device that fell behind its slots); one more sends them all. The server keeps
    /// the messages in its inflight window (32 in roster, 20 in mosquitto) until then.
    pub async fn next_publish_before(
        &mut self,
        next_write: Option<Instant>,
    ) -> Result<PublishPacket, ClientError> {
        let near = next_write.is_some_and(|at| at <= Instant::now() + HOLD_MAX);
        self.receive(if near { Ack::NextWrite } else { Ack::Now })
            .await
    }

    async fn receive(&mut self, ack: Ack) -> Result<PublishPacket, ClientError> {
        loop {
            match self.read_holding(ack == Ack::NextWrite).await? {
                VariablePacket::PublishPacket(p) => {
                    match p.qos() {
                        QoSWithPacketIdentifier::Level0 => {}
                        QoSWithPacketIdentifier::Level1(id)
                            if ack != Ack::Now && self.owed.push(id) => {}
                        // Writes those owed, if any, in the same segment.
                        QoSWithPacketIdentifier::Level1(id) => {
                            self.write(&PubackPacket::new(id)).await?
                        }
                        QoSWithPacketIdentifier::Level2(id) => {
                            self.write(&PubrecPacket::new(id)).await?
                        }
                    }
                    return Ok(p);
                }
                VariablePacket::PubrelPacket(p) => {
                    self.write(&PubcompPacket::new(p.packet_identifier()))
                        .await?
                }
                VariablePacket::PubrecPacket(p) => {
                    self.write(&PubrelPacket::new(p.packet_identifier()))
                        .await?
                }
                VariablePacket::PubackPacket(_)
                | VariablePacket::PubcompPacket(_)
                | VariablePacket::SubackPacket(_)
                | VariablePacket::PingrespPacket(_) => {}
                other => {
                    return Err(ClientError::Protocol(format!(
                        "unexpected {:?}",
                        other.fixed_header().packet_type.control_type()
                    )))
                }
            }
        }
    }

    fn next_pkid(&mut self) -> u16 {
        self.pkid = self.pkid.checked_add(1).unwrap_or(1);
        self.pkid
    }

    /// Publishes `payload` on `topic` at `qos` (0, 1 or 2); does not wait for the
    /// acknowledgement (`next_publish` consumes it).
    pub async fn publish(
        &mut self,
        topic: &TopicNameRef,
        qos: u8,
        payload: &[u8],
    ) -> Result<(), ClientError> {
        let q = match qos {
            0 => QoSWithPacketIdentifier::Level0,
            1 => QoSWithPacketIdentifier::Level1(self.next_pkid()),
            _ => QoSWithPacketIdentifier::Level2(self.next_pkid()),
        };
        self.write(&PublishPacketRef::new(topic, q, payload)).await
    }

    /// Subscribes to one filter and waits for its SUBACK; a refused filter is an error.
    pub async fn subscribe(&mut self, filter: &str, qos: u8) -> Result<(), ClientError> {
        let filter =
            TopicFilter::new(filter).map_err(|e| ClientError::Protocol(format!("filter: {e}")))?;
        let qos = match qos {
            0 => QualityOfService::Level0,
            1 => QualityOfService::Level1,
            _ => QualityOfService::Level2,
        };
        let id = self.next_pkid();
        self.write(&SubscribePacket::new(id, vec![(filter, qos)]))
            .await?;
        loop {
            match self.read().await? {
                VariablePacket::SubackPacket(ack) if ack.packet_identifier() == id => {
                    let refused = ack
                        .subscribes()
                        .iter()
                        .any(|c| matches!(c, mqtt::packet::suback::SubscribeReturnCode::Failure));
                    return if refused {
                        Err(ClientError::Protocol("SUBACK refused the filter".into()))
                    } else {
                        Ok(())
                    };
                }
                VariablePacket::PublishPacket(_) => {
                    return Err(ClientError::Protocol("PUBLISH before SUBACK".into()))
                }
                _ => {}
            }
        }
    }

    /// PINGREQ; the PINGRESP is consumed by whatever reads next.
    pub async fn ping(&mut self) -> Result<(), ClientError> {
        self.write(&PingreqPacket::new()).await
    }

    /// DISCONNECT, then wait (briefly) for the server to close first, as MQTT has it:
    /// the TIME_WAIT state then stays with the server, and the generator's ephemeral
    /// ports are free again at once instead of after a minute.
    pub async fn disconnect(mut self) {
        if self.write(&DisconnectPacket::new()).await.is_err() {
            return;
        }
        let mut sink = BytesMut::with_capacity(64);
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while matches!(self.stream.read_buf(&mut sink).await, Ok(n) if n > 0) {
                sink.clear();
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests;
