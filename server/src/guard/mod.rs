//! Limits on what one network address may do, in memory: how fast it may open
//! connections ([`ConnectRate`]) and how many it may hold ([`PerIpConnections`]),
//! both checked by the accept loop, and how many verifies it and each of its
//! connections may fail ([`VerifyGuard`], checked by the router). Refused connections
//! are logged through a [`RefusalLog`].
//!
//! Addresses are grouped by [`IpKey`]: an IPv4 address, or the /64 an IPv6 address
//! belongs to (one subscriber usually holds a whole /64). Tables are pruned as they
//! grow, so an attacker with many addresses costs a few dozen bytes per address and
//! only for as long as the limit remembers it.

mod connect_rate;
mod ip_key;
mod per_ip;
mod refusals;
mod verify;

pub use connect_rate::ConnectRate;
pub use ip_key::IpKey;
pub use per_ip::PerIpConnections;
pub use refusals::RefusalLog;
pub use verify::{ConnGuard, VerifyGuard, VerifyRefusal};
