//! The session's write side. Packets are queued as they are written and sent at the
//! end of the session's turn (one `send` for a request's PUBACK and reply); only the
//! bytes the socket does not take stay queued, up to
//! `session.max_write_buffer_bytes`, and the session's flusher task sends them when
//! the socket is writable again. Once the socket has taken everything the buffer is
//! given back: the write side of an idle session is a few words in its struct, with
//! no allocation.
//!
//! A client that stops reading would otherwise grow the kept bytes without bound, so
//! a packet beyond the limit is refused, the write side stays refused (the stream is
//! broken from then on) and the session closes the connection.
//!
//! A TLS or WebSocket connection may keep what it was given (records, frames) until
//! flushed: the turn's flush pushes it at once, and what is left is the flusher's.

use std::{
    io,
    rc::Rc,
    task::{Context as TaskContext, Poll, Waker},
};

use bytes::{Buf, BytesMut};
use mqtt::packet::VariablePacket;
use tokio_util::codec::Encoder;

use crate::{mqtt::MqttCodec, transport::Conn};

/// Bytes the queue starts with: a turn's packets usually fit without growing it.
const TURN_ROOM: usize = 512;

/// One connection's write side.
pub(super) struct Out {
    /// The connection, shared with the packet reader.
    io: Rc<Conn>,
    /// Bytes queued and not yet taken by the socket; unallocated once it took them.
    pending: BytesMut,
    /// Most bytes `pending` may hold (4 bytes, not 8: the session is kept small;
    /// a limit above 4 GiB is 4 GiB).
    max: u32,
    /// Wakes the session's task, so its flusher writes what was kept.
    waker: Option<Waker>,
    /// A packet was refused: the client is not reading.
    overflowed: bool,
    /// The socket failed; the session stops when its flusher sees it.
    failed: Option<io::Error>,
    /// Close once everything kept is written.
    closing: bool,
    /// A TLS or WebSocket connection still keeps bytes it was given: flush it.
    unflushed: bool,
}

impl Out {
    /// The write side of `io`, keeping at most `max` bytes the socket has not taken.
    pub(super) fn new(io: Rc<Conn>, max: u64) -> Out {
        Out {
            io,
            pending: BytesMut::new(),
            max: u32::try_from(max).unwrap_or(u32::MAX),
            waker: None,
            overflowed: false,
            failed: None,
            closing: false,
            unflushed: false,
        }
    }

    /// Queues `packet` (encoded straight into the queue); [`Out::flush`] at the end
    /// of the session's turn sends what the turn queued in one `send` (a request's
    /// PUBACK and its reply together). A packet that would pass the limit is refused.
    pub(super) fn write(&mut self, packet: VariablePacket) {
        if self.overflowed || self.failed.is_some() {
            return;
        }
        let size = mqtt::Encodable::encoded_length(&packet) as usize;
        if self.pending.len() + size > self.max as usize {
            self.overflowed = true;
            return;
        }
        if self.pending.capacity() == 0 {
            // Room for what a turn usually writes (a PUBACK and its reply) at once.
            self.pending.reserve(size.max(TURN_ROOM));
        }
        if let Err(e) = MqttCodec::new(u32::MAX).encode(packet, &mut self.pending) {
            self.failed = Some(io::Error::other(e.to_string()));
        }
    }

    /// Sends what is queued, as far as the socket takes it now. What it does not
    /// take (or a failure) is left to the session's flusher, which is woken for it.
    pub(super) fn flush(&mut self) {
        while !self.pending.is_empty() && self.failed.is_none() {
            match self.io.try_write(&self.pending) {
                Ok(n) => self.pending.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => self.failed = Some(e),
            }
        }
        if self.pending.is_empty() && self.pending.capacity() > 0 {
            // Everything taken: give the buffer back, so an idle connection holds none.
            self.pending = BytesMut::new();
            self.push_kept();
        }
        if !self.pending.is_empty() || self.failed.is_some() || self.unflushed {
            self.wake();
        }
    }

    /// Has a TLS or WebSocket connection send what it keeps, as far as it can now.
    fn push_kept(&mut self) {
        match self.io.try_flush() {
            Ok(done) => self.unflushed = !done,
            Err(e) => self.failed = Some(e),
        }
    }

    /// Closes the connection once everything kept has been written.
    pub(super) fn close(&mut self) {
        self.closing = true;
        self.wake();
    }

    /// Whether a packet had to be refused.
    pub(super) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Bytes waiting for the socket.
    pub(super) fn pending(&self) -> usize {
        self.pending.len()
    }

    fn wake(&self) {
        if let Some(w) = &self.waker {
            w.wake_by_ref();
        }
    }

    /// Polled by the session's flusher task: remembers the task to wake, writes what
    /// was kept; ready once a close has been flushed, or with the socket's error.
    pub(super) fn poll_task(&mut self, task: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        if !self
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(task.waker()))
        {
            self.waker = Some(task.waker().clone());
        }
        match self.poll_flush(task) {
            Poll::Ready(Ok(())) if !self.closing => Poll::Pending,
            // A TLS close_notify or a WebSocket close frame, as far as it goes: the
            // session's stop timer bounds a peer that takes nothing more.
            Poll::Ready(Ok(())) => self.io.poll_shutdown(task),
            done => done,
        }
    }

    /// Writes what was kept; ready once nothing is left (or the socket failed).
    fn poll_flush(&mut self, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.failed.take() {
            return Poll::Ready(Err(e));
        }
        while !self.pending.is_empty() {
            match std::task::ready!(self.io.poll_write(cx, &self.pending)) {
                Ok(n) => self.pending.advance(n),
                Err(e) => return Poll::Ready(Err(e)),
            }
            self.unflushed = true;
        }
        if self.pending.capacity() > 0 {
            // Drained: give the buffer back, so an idle connection holds none.
            self.pending = BytesMut::new();
        }
        if self.unflushed {
            if let Err(e) = std::task::ready!(self.io.poll_flush(cx)) {
                return Poll::Ready(Err(e));
            }
            self.unflushed = false;
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mqtt::packet::{PingrespPacket, PublishPacket, QoSWithPacketIdentifier};
    use mqtt::TopicName;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    async fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let (a, b) = tokio::join!(TcpStream::connect(addr), l.accept());
        (a.unwrap(), b.unwrap().0)
    }

    fn big() -> VariablePacket {
        let topic = TopicName::new("actions/1/api/x").unwrap();
        PublishPacket::new(topic, QoSWithPacketIdentifier::Level0, vec![7u8; 60_000]).into()
    }

    async fn flushed(out: &mut Out) {
        let flush = std::future::poll_fn(|cx| out.poll_flush(cx));
        tokio::time::timeout(Duration::from_secs(5), flush)
            .await
            .expect("flushed in time")
            .expect("no socket error");
    }

    #[tokio::test]
    async fn a_turn_goes_out_in_one_write_and_keeps_no_buffer() {
        let (client, server) = pair().await;
        let mut out = Out::new(Rc::new(server.into()), 1 << 20);
        out.write(PingrespPacket::new().into());
        out.write(PingrespPacket::new().into());
        assert_eq!(out.pending(), 4, "queued until the turn ends");
        flushed(&mut out).await;
        assert_eq!((out.pending(), out.pending.capacity()), (0, 0));
        let mut got = [0u8; 4];
        client.readable().await.unwrap();
        assert_eq!(client.try_read(&mut got).unwrap(), 4, "in one segment");
        assert_eq!(got, [0xD0, 0x00, 0xD0, 0x00]);
    }

    #[tokio::test]
    async fn keeps_what_a_slow_reader_leaves_up_to_the_limit_then_refuses() {
        let (client, server) = pair().await;
        let limit = 2_000_000;
        let mut out = Out::new(Rc::new(server.into()), limit);
        // The client reads nothing: the kernel's buffers fill, then ours, then refusal.
        let mut sent = 0;
        while !out.overflowed() {
            out.write(big());
            let flush = std::future::poll_fn(|cx| Poll::Ready(out.poll_flush(cx)));
            assert!(!matches!(flush.await, Poll::Ready(Err(_))));
            sent += 1;
            assert!(out.pending() as u64 <= limit, "never above the limit");
            assert!(sent < 10_000, "the limit is reached");
        }
        let kept = out.pending();
        assert!(kept > 0);
        // Refused stays refused: the stream lost a packet.
        out.write(PingrespPacket::new().into());
        assert_eq!(out.pending(), kept);
        drop(client);
    }

    #[tokio::test]
    async fn what_was_kept_goes_out_in_order_once_the_client_reads() {
        let (client, server) = pair().await;
        let mut out = Out::new(Rc::new(server.into()), 64 << 20);
        let packets = 100;
        for _ in 0..packets {
            out.write(big());
        }
        assert!(out.pending() > 0, "more than the kernel takes at once");
        let reader = tokio::spawn(async move {
            let mut codec = MqttCodec::new(u32::MAX);
            let mut buf = BytesMut::new();
            let mut n = 0;
            let mut stream = client;
            while n < packets {
                if let Some(p) = tokio_util::codec::Decoder::decode(&mut codec, &mut buf).unwrap() {
                    assert!(matches!(p, VariablePacket::PublishPacket(_)));
                    n += 1;
                    continue;
                }
                use tokio::io::AsyncReadExt;
                assert!(stream.read_buf(&mut buf).await.unwrap() > 0);
            }
            n
        });
        flushed(&mut out).await;
        assert_eq!(
            (out.pending(), out.pending.capacity()),
            (0, 0),
            "buffer given back"
        );
        assert_eq!(reader.await.unwrap(), packets);
    }
}
