//! One actor per MQTT connection: the MQTT state machine, keep-alive and packet
//! deadlines, QoS in both directions, what it holds against its byte budget, and the
//! queue of requests it hands to the router one at a time.
//!
//! # Tour
//! The vocabulary the registry shares with sessions comes first and knows no actor:
//! [`budget`] (the bytes sessions hold, counted server-wide), [`outbox`] (outbound
//! QoS state, pure data), [`state`] (what a persistent session keeps between
//! connections) and [`messages`] (what the registry sends a session).
//! The actor's own parts build on them: `peer`, `timer` and `out` (the write side)
//! are its fields; `actor` is its struct; `holds` counts what it holds; `lifecycle`
//! starts and ends it, `keep_alive` runs its one timer, `write` is its way out;
//! `stream` reads each packet and takes it to `connect` (CONNECT and its checks) or
//! to `packets` (a connected client's packets), which queue requests for `requests`;
//! `handlers` answers the registry's messages.

mod actor;
pub mod budget;
mod connect;
mod handlers;
mod holds;
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
