//! Limits on what one network address may do, in memory: how fast it may open
//! connections ([`ConnectRate`]) and how many it may hold ([`PerIpConnections`]),
//! both checked by the accept loop, how many verifies it and each of its
//! connections may fail ([`VerifyGuard`]) and how much decoding they may ask for
//! ([`DecodeBudget`]), both checked by the router. Refused connections are logged
//! through a [`RefusalLog`].
//!
//! Addresses are grouped by [`limit_key`]: an IPv4 address, or the prefix an IPv6
//! address belongs to (`server.ipv6_prefix_len`, a /64 by default: one subscriber
//! usually holds a whole /64). Tables are pruned as they
//! grow, so an attacker with many addresses costs a few dozen bytes per address and
//! only for as long as the limit remembers it.

mod connect_rate;
mod decode_budget;
mod ip_key;
mod per_ip;
mod refusals;
mod verify;

pub use connect_rate::ConnectRate;
pub use decode_budget::{DecodeBudget, DecodeRefusal, DecodeShare};
pub use ip_key::{limit_key, IpKey, DEFAULT_IPV6_PREFIX_LEN};
pub use per_ip::PerIpConnections;
pub use refusals::RefusalLog;
pub use verify::{ConnGuard, VerifyGuard, VerifyRefusal};
