//! The transports a client may reach roster over, each ending as one [`Conn`] a
//! session reads and writes: plain TCP as it is, TLS ([`tls`]: rustls, the
//! certificate re-read on reload), and MQTT over WebSocket ([`ws`]: the handshake's
//! rules, and the frames presented as a byte stream), plain or over TLS. [`upgrade`]
//! turns an accepted socket into the connection its listener serves; [`config`] is
//! their `[tls]` and `[websocket]` sections.

pub mod config;
mod conn;
pub mod tls;
pub mod upgrade;
pub mod ws;
mod ws_io;

pub use conn::{Conn, Io};
