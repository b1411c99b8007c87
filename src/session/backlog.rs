//! The write backlog of one connection: reply bytes encoded for the client but not yet
//! taken by its socket. A client that stops reading would otherwise grow it without
//! bound (the write buffer has no limit of its own), so encoding refuses a packet
//! beyond `session.max_write_buffer_bytes` and the session closes the connection.

use std::{
    cell::Cell,
    io,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use bytes::BytesMut;
use mqtt::packet::VariablePacket;
use tokio::io::AsyncWrite;
use tokio_util::codec::Encoder;

use crate::mqtt::{CodecError, MqttCodec};

/// Bytes encoded and bytes written, shared by the codec, the socket wrapper and the
/// session (all on the session's thread).
#[derive(Debug)]
pub struct Backlog {
    /// Most bytes that may wait for the socket.
    max: u64,
    /// Bytes encoded into the write buffer so far.
    queued: Cell<u64>,
    /// Bytes the socket has taken so far.
    written: Cell<u64>,
    /// A packet was refused: the client is not reading.
    overflowed: Cell<bool>,
}

impl Backlog {
    /// A backlog of at most `max` bytes.
    pub fn new(max: u64) -> Rc<Backlog> {
        Rc::new(Backlog {
            max,
            queued: Cell::new(0),
            written: Cell::new(0),
            overflowed: Cell::new(false),
        })
    }

    /// Bytes waiting for the socket.
    pub fn pending(&self) -> u64 {
        self.queued.get() - self.written.get()
    }

    /// Whether a packet had to be refused.
    pub fn overflowed(&self) -> bool {
        self.overflowed.get()
    }
}

/// The MQTT encoder, refusing packets beyond the backlog's limit.
pub struct BoundedEncoder {
    /// Encodes.
    codec: MqttCodec,
    /// Counts.
    backlog: Rc<Backlog>,
}

impl BoundedEncoder {
    /// An encoder counting into `backlog`.
    pub fn new(backlog: Rc<Backlog>) -> Self {
        Self {
            codec: MqttCodec::new(u32::MAX),
            backlog,
        }
    }
}

impl Encoder<VariablePacket> for BoundedEncoder {
    type Error = CodecError;

    fn encode(&mut self, item: VariablePacket, dst: &mut BytesMut) -> Result<(), CodecError> {
        let b = &self.backlog;
        let size = u64::from(mqtt::Encodable::encoded_length(&item));
        if b.overflowed.get() || b.pending() + size > b.max {
            b.overflowed.set(true);
            return Err(CodecError::SlowReader {
                pending: b.pending(),
            });
        }
        let before = dst.len();
        self.codec.encode(item, dst)?;
        b.queued.set(b.queued.get() + (dst.len() - before) as u64);
        Ok(())
    }
}

/// The socket's write half, counting what it takes.
pub struct Counted<W> {
    /// The socket.
    inner: W,
    /// Where the count goes.
    backlog: Rc<Backlog>,
}

impl<W> Counted<W> {
    /// Wraps `inner`, counting into `backlog`.
    pub fn new(inner: W, backlog: Rc<Backlog>) -> Self {
        Self { inner, backlog }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Counted<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            let w = &self.backlog.written;
            w.set(w.get() + n as u64);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt::packet::PingrespPacket;

    #[test]
    fn refuses_beyond_the_limit_and_stays_refused() {
        let backlog = Backlog::new(5);
        let mut enc = BoundedEncoder::new(backlog.clone());
        let mut buf = BytesMut::new();
        enc.encode(PingrespPacket::new().into(), &mut buf).unwrap();
        enc.encode(PingrespPacket::new().into(), &mut buf).unwrap();
        assert_eq!(backlog.pending(), 4);
        assert!(enc.encode(PingrespPacket::new().into(), &mut buf).is_err());
        assert_eq!(buf.len(), 4, "nothing appended");
        assert!(backlog.overflowed());
        // Once a packet is lost, the stream is broken: nothing more is taken.
        backlog.written.set(4);
        assert!(enc.encode(PingrespPacket::new().into(), &mut buf).is_err());
    }
}
