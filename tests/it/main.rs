//! End-to-end tests: a real server on 127.0.0.1:0 with a temporary data folder, driven
//! by real MQTT clients over TCP.

mod abuse;
mod auth;
mod brute_force;
mod clients;
mod common;
mod durability;
mod etf;
mod hardening;
mod hostile_etf;
mod load;
mod logs;
mod mqtt_rules;
mod persistent;
mod process;
mod profile;
mod profile_migrate;
mod profile_wire;
mod provider;
mod raw;
mod secrets;
mod session_limits;
