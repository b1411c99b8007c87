//! One coarse timer wheel per worker thread for the sessions' deadlines (the CONNECT
//! deadline, then the keep-alive and packet checks): a session holds a 4-byte
//! [`Timer`] and a 24-byte entry in its worker's wheel instead of a boxed tokio `Sleep`
//! (112 bytes, an allocation of 128), which matters when a worker holds tens of
//! thousands of idle sessions. Deadlines are kept to [`TICK`]: a timer fires up to one
//! tick late, never early. The wheel turns while it has timers, in a task of its own
//! on the worker.
//!
//! [`wheel`] is the wheel and its timers; [`tick`] is the matching coarse clock
//! ([`Tick`]), for when a client was last heard from.

#[cfg(test)]
mod tests;
mod tick;
mod wheel;

pub use tick::Tick;
pub use wheel::{Timer, TICK};
