//! The helpers the end-to-end tests share: a server on port 0 with its clients
//! ([`harness`]), raw MQTT connections ([`raw`]), the `roster` binary as a child
//! process ([`process`]), requests and replies as Erlang terms ([`etf`],
//! [`profile_wire`]), the captured log ([`logs`]), test certificates ([`certs`]), a
//! raw WebSocket client ([`ws_client`]) and mqtt.js driven from node ([`mqttjs`]).

pub mod certs;
pub mod etf;
pub mod harness;
pub mod logs;
pub mod mqttjs;
pub mod process;
pub mod profile_wire;
pub mod raw;
pub mod ws_client;
