//! One client connection as a session reads and writes it: a plain TCP socket, read
//! and written by readiness (`poll_*_ready` + `try_*`: no buffer of its own, nothing
//! boxed), or any other byte stream (TLS, WebSocket, WebSocket over TLS) behind one
//! boxed trait object.
//!
//! Both directions use the one `Conn` (the packet reader and the write side share it
//! through an `Rc`, on the session's thread). A boxed stream is borrowed only for the
//! length of one poll, and never from inside another, so the `RefCell` never finds it
//! borrowed; its read and write wakers are its own business (TLS and WebSocket keep
//! them apart).

use std::{
    cell::RefCell,
    io,
    pin::Pin,
    task::{ready, Context, Poll, Waker},
};

use bytes::BytesMut;
use tokio::{
    io::{AsyncRead, AsyncWrite, Interest, ReadBuf},
    net::TcpStream,
};

/// Room made for one read when the buffer lacks it: enough for a typical request and
/// its acknowledgements at once.
const READ_CHUNK: usize = 512;

/// What a boxed connection is: a byte stream both ways.
pub trait Io: AsyncRead + AsyncWrite + Unpin {}

impl<T: AsyncRead + AsyncWrite + Unpin> Io for T {}

/// A client connection.
pub enum Conn {
    /// Plain TCP, read and written by readiness.
    Tcp(TcpStream),
    /// TLS or WebSocket: a stream with its own buffers and framing.
    Stream(RefCell<Box<dyn Io>>),
}

impl From<TcpStream> for Conn {
    fn from(s: TcpStream) -> Conn {
        Conn::Tcp(s)
    }
}

impl Conn {
    /// A connection over `stream` (TLS, WebSocket).
    pub fn stream(stream: impl Io + 'static) -> Conn {
        Conn::Stream(RefCell::new(Box::new(stream)))
    }

    /// Reads what is there into `buf`, allocating nothing when nothing is: ready with
    /// the bytes read, 0 at EOF.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut BytesMut) -> Poll<io::Result<usize>> {
        match self {
            Conn::Tcp(io) => loop {
                ready!(io.poll_read_ready(cx))?;
                match read_some(io, buf) {
                    // Readiness was stale: try_read cleared it, poll again.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    done => return Poll::Ready(done),
                }
            },
            Conn::Stream(s) => {
                let mut s = s.borrow_mut();
                let io = Pin::new(&mut **s);
                if buf.capacity() == 0 {
                    // Onto the stack first, so a wake-up with nothing to read
                    // allocates nothing.
                    let mut chunk = [0u8; READ_CHUNK];
                    let mut read = ReadBuf::new(&mut chunk);
                    ready!(io.poll_read(cx, &mut read))?;
                    let n = read.filled().len();
                    if n > 0 {
                        buf.reserve(READ_CHUNK);
                        buf.extend_from_slice(read.filled());
                    }
                    Poll::Ready(Ok(n))
                } else {
                    if buf.capacity() - buf.len() < READ_CHUNK / 2 {
                        buf.reserve(READ_CHUNK);
                    }
                    tokio_util::io::poll_read_buf(io, cx, buf)
                }
            }
        }
    }

    /// Writes what the connection takes now without waiting; `WouldBlock` when it
    /// takes nothing.
    pub fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(io) => io.try_write(bytes),
            Conn::Stream(s) => {
                let mut cx = Context::from_waker(Waker::noop());
                match Pin::new(&mut **s.borrow_mut()).poll_write(&mut cx, bytes) {
                    Poll::Ready(done) => taken(done, bytes),
                    Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
                }
            }
        }
    }

    /// Writes what the connection takes, waiting until it takes something.
    pub fn poll_write(&self, cx: &mut Context<'_>, bytes: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Conn::Tcp(io) => loop {
                ready!(io.poll_write_ready(cx))?;
                match io.try_write(bytes) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    done => return Poll::Ready(done),
                }
            },
            Conn::Stream(s) => {
                let done = ready!(Pin::new(&mut **s.borrow_mut()).poll_write(cx, bytes));
                Poll::Ready(taken(done, bytes))
            }
        }
    }

    /// Pushes what a stream keeps (TLS records, WebSocket frames) to the socket without
    /// waiting: true when nothing is left. TCP keeps nothing.
    pub fn try_flush(&self) -> io::Result<bool> {
        match self {
            Conn::Tcp(_) => Ok(true),
            Conn::Stream(s) => {
                let mut cx = Context::from_waker(Waker::noop());
                match Pin::new(&mut **s.borrow_mut()).poll_flush(&mut cx) {
                    Poll::Ready(done) => done.map(|()| true),
                    Poll::Pending => Ok(false),
                }
            }
        }
    }

    /// Pushes what a stream keeps to the socket.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Conn::Tcp(_) => Poll::Ready(Ok(())),
            Conn::Stream(s) => Pin::new(&mut **s.borrow_mut()).poll_flush(cx),
        }
    }

    /// Ends a stream politely (TLS close_notify, a WebSocket close frame); TCP is
    /// simply closed when dropped.
    pub fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Conn::Tcp(_) => Poll::Ready(Ok(())),
            Conn::Stream(s) => Pin::new(&mut **s.borrow_mut()).poll_shutdown(cx),
        }
    }
}

/// A stream's write result, with a write that took none of a non-empty buffer made an
/// error (a writer retrying it would spin).
fn taken(done: io::Result<usize>, bytes: &[u8]) -> io::Result<usize> {
    match done {
        Ok(0) if !bytes.is_empty() => Err(io::ErrorKind::WriteZero.into()),
        other => other,
    }
}

/// One read into `buf`. A read that fills less than the room it was offered drained
/// the socket, so its readiness is cleared at once: the next poll waits for new bytes
/// instead of paying a `recv` that can only say `EAGAIN` (one syscall per request
/// saved). Readiness that turns out stale gives `WouldBlock`, clearing it too.
fn read_some(io: &TcpStream, buf: &mut BytesMut) -> io::Result<usize> {
    let mut got = 0;
    let read = io.try_io(Interest::READABLE, || {
        let (n, room) = if buf.capacity() == 0 {
            // Readiness may be stale: read onto the stack first, so a connection that
            // turns out idle allocates nothing.
            let mut chunk = [0u8; READ_CHUNK];
            let n = io.try_read(&mut chunk)?;
            if n > 0 {
                buf.reserve(READ_CHUNK);
                buf.extend_from_slice(&chunk[..n]);
            }
            (n, READ_CHUNK)
        } else {
            if buf.capacity() - buf.len() < READ_CHUNK / 2 {
                buf.reserve(READ_CHUNK);
            }
            let room = buf.capacity() - buf.len();
            (io.try_read_buf(buf)?, room)
        };
        got = n;
        if n > 0 && n < room {
            // Tells try_io to clear the readiness; the bytes are in `buf`.
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    });
    match read {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => Ok(got),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[test]
    fn a_connection_is_as_small_as_its_socket() {
        // The plain path pays nothing for the other kinds: the enum fits in the
        // TcpStream's own room (the boxed stream is smaller than a socket).
        let conn = std::mem::size_of::<Conn>();
        let tcp = std::mem::size_of::<TcpStream>();
        assert!(conn <= tcp, "Conn {conn} B, TcpStream {tcp} B");
    }

    #[tokio::test]
    async fn a_stream_reads_without_a_buffer_while_idle_and_writes_through() {
        let (mut peer, ours) = tokio::io::duplex(64 << 10);
        let conn = Conn::stream(ours);
        let mut buf = BytesMut::new();
        // Nothing sent: pending, and nothing allocated.
        let polled = poll_fn(|cx| Poll::Ready(conn.poll_read(cx, &mut buf))).await;
        assert!(polled.is_pending());
        assert_eq!(buf.capacity(), 0);
        peer.write_all(b"hello").await.unwrap();
        let n = poll_fn(|cx| conn.poll_read(cx, &mut buf)).await.unwrap();
        assert_eq!((n, &buf[..]), (5, &b"hello"[..]));
        peer.write_all(&[7u8; 2000]).await.unwrap();
        let mut total = 0;
        while total < 2000 {
            total += poll_fn(|cx| conn.poll_read(cx, &mut buf)).await.unwrap();
        }
        assert_eq!(buf.len(), 2005);
        // Writes: without waiting, then waited for, then flushed.
        assert_eq!(conn.try_write(b"ab").unwrap(), 2);
        let n = poll_fn(|cx| conn.poll_write(cx, b"cd")).await.unwrap();
        assert_eq!(n, 2);
        assert!(conn.try_flush().unwrap());
        let mut got = [0u8; 4];
        peer.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"abcd");
        poll_fn(|cx| conn.poll_shutdown(cx)).await.unwrap();
        assert_eq!(peer.read(&mut got).await.unwrap(), 0, "shut down: EOF");
        drop(peer);
        let n = poll_fn(|cx| conn.poll_read(cx, &mut buf)).await.unwrap();
        assert_eq!(n, 0, "the peer gone: EOF");
    }

    #[tokio::test]
    async fn a_full_stream_says_would_block_without_waiting() {
        let (_peer, ours) = tokio::io::duplex(16);
        let conn = Conn::stream(ours);
        assert_eq!(conn.try_write(&[1u8; 64]).unwrap(), 16);
        let e = conn.try_write(&[1u8; 64]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
    }
}
