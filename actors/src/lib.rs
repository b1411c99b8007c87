//! roster-actors: the domain of roster. One AuthActor and one ProfileActor per server
//! own the SQLite state (each its own tables, written through jobs it hands the
//! [`store`], whose writer thread and group commit are the Store's) and Profile's
//! `get` cache; [`channel`]'s SmsActor and VoiceActor deliver verification codes.
//! This crate knows no MQTT and no ETF: requests arrive as typed values, parsed and
//! validated at the edge, and answers leave as typed values.
//!
//! Auth and Profile share what both need through modules of their own: [`caller`]
//! (who asks), [`phone`], [`clock`], [`codes`] (verification codes and `[auth]`) and
//! [`sessions`] (what Profile reads of Auth's sessions). Of the two, only [`auth`]
//! imports [`profile`]: its `verify` creates the profile at an account's first login
//! with Profile's own operation, and when sessions come and go it tells the
//! ProfileActor, which keeps its cache true; the routers read that cache through
//! [`profile::CachedGet`], a read-only view.

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
