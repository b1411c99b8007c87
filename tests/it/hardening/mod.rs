//! End-to-end tests for breaks a hostile review found: ClientIds whose symbols begin
//! with `reg_`, MQTT packets the decoder must refuse, per-address limits over IPv6,
//! a full SMS or voice queue answered as the server being busy, JWTs without the
//! required claims or used twice, ClientId squatting by another phone, SMS spend
//! (allowed countries, hourly budgets), and the CPU of decoding hostile payloads.

mod channel_busy;
mod client_ids;
mod cpu;
mod ipv6;
mod jwt;
mod mqtt_strict;
mod sms_spend;
mod squatting;
