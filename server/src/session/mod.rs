//! One actor per MQTT connection: the MQTT state machine, keep-alive, QoS in both
//! directions, and the queue of requests it hands to the router one at a time.
//!
//! # Tour
//! The vocabulary the registry shares with sessions comes first and knows no actor:
//! [`outbox`] (outbound QoS state, pure data), [`state`] (what a persistent session
//! keeps between connections) and [`messages`] (what the registry sends a session).
//! The actor's own parts build on them: `peer`, `timer` and `out` (the write side)
//! are its fields; `actor` is its struct; `lifecycle` starts and ends it, `keep_alive`
//! runs its one timer, `write` is its way out; `stream` takes each packet to
//! `connect` (CONNECT and its checks) or to `packets` (a connected client's packets),
//! which queue requests for `requests`; `handlers` answers the registry's messages.

mod actor;
mod connect;
mod handlers;
mod keep_alive;
mod lifecycle;
pub mod messages;
mod out;
pub mod outbox;
mod packets;
mod peer;
mod requests;
pub mod state;
mod stream;
mod timer;
mod write;

pub use actor::Session;
