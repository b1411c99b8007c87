//! A WebSocket connection as a byte stream, so the MQTT reader and writer need not
//! know frames: the binary messages' payloads are read as one stream (a packet may be
//! split over messages, a message may hold several packets), and each write goes out
//! as one binary message. Pings are answered and a close frame is answered and then
//! read as EOF (tungstenite does both); a text message is an error, which closes the
//! connection ([MQTT-6.0.0-1]: MQTT travels in binary frames only).

use std::{
    io,
    pin::Pin,
    task::{ready, Context, Poll},
};

use bytes::{Buf, Bytes};
use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::{
    tungstenite::{Error as WsError, Message},
    WebSocketStream,
};

/// A WebSocket connection read and written as bytes.
pub struct WsIo<S> {
    /// The connection, after its handshake.
    ws: WebSocketStream<S>,
    /// What is left of the last binary message read.
    rest: Bytes,
}

impl<S> WsIo<S> {
    /// Wraps a connection whose handshake is done.
    pub fn new(ws: WebSocketStream<S>) -> WsIo<S> {
        WsIo {
            ws,
            rest: Bytes::new(),
        }
    }
}

/// tungstenite's errors as I/O errors: its own I/O errors as they were.
fn io_error(e: WsError) -> io::Error {
    match e {
        WsError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.rest.is_empty() {
                let n = this.rest.len().min(buf.remaining());
                buf.put_slice(&this.rest[..n]);
                this.rest.advance(n);
                if this.rest.is_empty() {
                    // The message's buffer goes back now, not with the next one.
                    this.rest = Bytes::new();
                }
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                // The close handshake is done (or the peer is gone): EOF.
                None => return Poll::Ready(Ok(())),
                Some(Ok(Message::Binary(payload))) => this.rest = payload,
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "[MQTT-6.0.0-1] a text frame: MQTT travels in binary frames",
                    )))
                }
                // Pings are answered by tungstenite; a close frame too, and the next
                // read ends the stream.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_))) => {}
                Some(Ok(Message::Frame(_))) => {}
                Some(Err(e)) => return Poll::Ready(Err(io_error(e))),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let ws = &mut self.get_mut().ws;
        ready!(Pin::new(&mut *ws).poll_ready(cx)).map_err(io_error)?;
        let message = Message::Binary(Bytes::copy_from_slice(buf));
        Pin::new(&mut *ws).start_send(message).map_err(io_error)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().ws)
            .poll_flush(cx)
            .map_err(io_error)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().ws)
            .poll_close(cx)
            .map_err(io_error)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame, Role};

    use super::*;

    /// A server-side WsIo and the client's WebSocket, over an in-memory pipe.
    async fn pair() -> (
        WsIo<tokio::io::DuplexStream>,
        WebSocketStream<tokio::io::DuplexStream>,
    ) {
        let (a, b) = tokio::io::duplex(1 << 16);
        let server = WebSocketStream::from_raw_socket(a, Role::Server, None).await;
        let client = WebSocketStream::from_raw_socket(b, Role::Client, None).await;
        (WsIo::new(server), client)
    }

    #[tokio::test]
    async fn messages_read_as_one_stream_and_writes_go_as_messages() {
        let (mut server, mut client) = pair().await;
        client.send(Message::binary(&b"ab"[..])).await.unwrap();
        client.send(Message::binary(Vec::new())).await.unwrap();
        client
            .send(Message::Ping(Bytes::from_static(b"p")))
            .await
            .unwrap();
        client.send(Message::binary(&b"cdef"[..])).await.unwrap();
        let mut got = [0u8; 6];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"abcdef");
        server.write_all(b"reply").await.unwrap();
        server.flush().await.unwrap();
        // The ping was answered before the reply.
        assert_eq!(
            client.next().await.unwrap().unwrap(),
            Message::Pong(Bytes::from_static(b"p"))
        );
        assert_eq!(
            client.next().await.unwrap().unwrap(),
            Message::binary(&b"reply"[..])
        );
    }

    #[tokio::test]
    async fn a_text_frame_is_an_error() {
        let (mut server, mut client) = pair().await;
        client.send(Message::text("CONNECT")).await.unwrap();
        let err = server.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[tokio::test]
    async fn a_close_frame_is_answered_then_eof() {
        let (mut server, mut client) = pair().await;
        let close = CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        };
        client.send(Message::Close(Some(close))).await.unwrap();
        assert_eq!(server.read(&mut [0u8; 8]).await.unwrap(), 0, "EOF");
        assert!(
            matches!(client.next().await, Some(Ok(Message::Close(_)))),
            "answered"
        );
    }

    #[tokio::test]
    async fn shutdown_sends_a_close_frame() {
        let (mut server, mut client) = pair().await;
        server.shutdown().await.unwrap();
        assert!(matches!(client.next().await, Some(Ok(Message::Close(_)))));
    }
}
