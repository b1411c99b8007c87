//! End-to-end tests: a real server on 127.0.0.1:0 with a temporary data folder, driven
//! by real MQTT clients over TCP, TLS and WebSocket.

mod abuse;
mod auth;
mod backup;
mod brute_force;
mod budgets;
mod clients;
mod deadlines;
mod durability;
mod hardening;
mod hostile_etf;
mod load;
mod load_tls_ws;
mod log_format;
mod mqtt_rules;
mod parked;
mod persistent;
mod profile;
mod profile_migrate;
mod protocol_level;
mod provider;
mod proxy_protocol;
mod raw;
mod reply_atoms;
mod secrets;
mod session_limits;
mod support;
mod tls;
mod web;
mod websocket;
