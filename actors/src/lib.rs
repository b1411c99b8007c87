//! roster-actors: the domain of roster. Auth and Profile actors own the SQLite state
//! (through [`store`]); [`channel`] delivers verification codes. This crate knows no
//! MQTT and no ETF: requests arrive as typed values and answers leave as typed values.

pub mod auth;
pub mod channel;
mod files;
pub mod hub;
pub mod phone;
pub mod profile;
pub mod secret;
pub mod store;
