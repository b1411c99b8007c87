//! roster-actors: the domain of roster. Auth and Profile actors own the SQLite state
//! (through [`store`]); [`channel`] delivers verification codes. This crate knows no
//! MQTT and no ETF: requests arrive as typed values, parsed and validated at the
//! edge, and answers leave as typed values.
//!
//! Auth and Profile share what both need through modules of their own: [`caller`]
//! (who asks), [`phone`], [`clock`], [`codes`] (verification codes and `[auth]`) and
//! [`sessions`] (what Profile reads of Auth's sessions). Of the two, only [`auth`]
//! imports [`profile`]: it creates the profile at an account's first login and keeps
//! Profile's cache true when sessions come and go.

pub mod auth;
pub mod caller;
pub mod channel;
pub mod clock;
pub mod codes;
mod files;
pub mod hub;
pub mod phone;
pub mod profile;
pub mod secret;
pub mod sessions;
pub mod store;
