//! One connection's read side: [`PacketReader`] decodes packets from a [`Conn`] and
//! holds a read buffer only while bytes are pending (an idle connection holds none);
//! the session's write side writes to the same connection, shared through an `Rc` on
//! the session's thread (no `into_split` `Arc`).

use std::{
    pin::Pin,
    rc::Rc,
    task::{ready, Context, Poll},
};

use bytes::BytesMut;
use futures_core::Stream;
use mqtt::packet::VariablePacket;
use tokio_util::codec::Decoder;

use super::codec::{CodecError, MqttCodec};
use crate::transport::Conn;

/// Splits `conn` into a packet reader (packets above `max_packet_size` are refused
/// from their fixed header) and the connection for the write side.
pub fn split(conn: Conn, max_packet_size: u32) -> (PacketReader, Rc<Conn>) {
    let io = Rc::new(conn);
    (
        PacketReader {
            io: io.clone(),
            buf: BytesMut::new(),
            codec: MqttCodec::new(max_packet_size),
            done: false,
        },
        io,
    )
}

/// The read side: a stream of decoded packets, ending at EOF or after the first error.
pub struct PacketReader {
    /// The connection.
    io: Rc<Conn>,
    /// Bytes read and not yet decoded; released whenever it is empty.
    buf: BytesMut,
    /// Frames with the size limit.
    codec: MqttCodec,
    /// EOF or an error was returned: nothing more.
    done: bool,
}

impl PacketReader {
    /// Bytes its buffer holds (0 when no packet is partly read: it is released then).
    pub fn held(&self) -> usize {
        self.buf.capacity()
    }
}

impl Stream for PacketReader {
    type Item = Result<VariablePacket, CodecError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if !this.buf.is_empty() {
                match this.codec.decode(&mut this.buf) {
                    Ok(Some(packet)) => {
                        if this.buf.is_empty() {
                            // Idle connections keep no buffer.
                            this.buf = BytesMut::new();
                        }
                        return Poll::Ready(Some(Ok(packet)));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
            match ready!(this.io.poll_read(cx, &mut this.buf)) {
                Ok(0) => {
                    // EOF; a partial packet left in the buffer is dropped with it.
                    this.done = true;
                    this.buf = BytesMut::new();
                    return Poll::Ready(None);
                }
                Ok(_) => {}
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt::packet::{PingreqPacket, PublishPacket, QoSWithPacketIdentifier};
    use mqtt::{Encodable, TopicName};
    use tokio::{io::AsyncWriteExt, net::TcpStream};

    async fn pair() -> (TcpStream, TcpStream) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let (a, b) = tokio::join!(TcpStream::connect(addr), l.accept());
        (a.unwrap(), b.unwrap().0)
    }

    fn next(
        r: &mut PacketReader,
    ) -> impl std::future::Future<Output = Option<Result<VariablePacket, CodecError>>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *r).poll_next(cx))
    }

    #[tokio::test]
    async fn packets_in_pieces_and_together_then_eof_with_no_buffer_held() {
        let (mut client, server) = pair().await;
        let (mut reader, _writer) = split(server.into(), 1024);
        let publish = PublishPacket::new(
            TopicName::new("events/x").unwrap(),
            QoSWithPacketIdentifier::Level1(3),
            vec![7u8; 600],
        );
        let mut bytes = Vec::new();
        publish.encode(&mut bytes).unwrap();
        PingreqPacket::new().encode(&mut bytes).unwrap();
        let (head, tail) = bytes.split_at(5);
        client.write_all(head).await.unwrap();
        tokio::task::yield_now().await;
        client.write_all(tail).await.unwrap();
        assert!(matches!(
            next(&mut reader).await,
            Some(Ok(VariablePacket::PublishPacket(_)))
        ));
        assert!(matches!(
            next(&mut reader).await,
            Some(Ok(VariablePacket::PingreqPacket(_)))
        ));
        assert_eq!(reader.buf.capacity(), 0, "idle: no buffer");
        // Polled again with nothing to read (readiness left over from the last read).
        let polled = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut reader).poll_next(cx)));
        assert!(polled.await.is_pending());
        assert_eq!(
            reader.buf.capacity(),
            0,
            "a stale wake-up allocates nothing"
        );
        drop(client);
        assert!(next(&mut reader).await.is_none());
        assert!(next(&mut reader).await.is_none());
    }

    #[tokio::test]
    async fn a_drained_socket_still_wakes_for_the_next_packet() {
        // Each packet is read short of the room offered, which clears the readiness:
        // the next one must still wake the reader (one request at a time, as a client
        // waiting for each reply sends them).
        let (mut client, server) = pair().await;
        let (mut reader, _writer) = split(server.into(), 1024);
        let mut ping = Vec::new();
        PingreqPacket::new().encode(&mut ping).unwrap();
        for _ in 0..100 {
            let polled =
                std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut reader).poll_next(cx)));
            assert!(polled.await.is_pending(), "nothing sent yet");
            client.write_all(&ping).await.unwrap();
            let got = tokio::time::timeout(std::time::Duration::from_secs(5), next(&mut reader))
                .await
                .expect("woken for the new packet");
            assert!(matches!(got, Some(Ok(VariablePacket::PingreqPacket(_)))));
        }
    }

    #[tokio::test]
    async fn oversize_is_refused_and_the_stream_ends() {
        let (mut client, server) = pair().await;
        let (mut reader, _writer) = split(server.into(), 64);
        client
            .write_all(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F])
            .await
            .unwrap();
        assert!(matches!(
            next(&mut reader).await,
            Some(Err(CodecError::TooLarge { .. }))
        ));
        assert!(next(&mut reader).await.is_none());
    }
}
