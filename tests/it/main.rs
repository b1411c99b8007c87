//! End-to-end tests: a real server on 127.0.0.1:0 with a temporary data folder, driven
//! by real MQTT clients over TCP.

mod auth;
mod clients;
mod common;
mod etf;
mod load;
mod logs;
mod mqtt_rules;
mod persistent;
mod profile;
mod profile_migrate;
mod profile_wire;
mod raw;
