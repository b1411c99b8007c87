//! The client's address as a session keeps it: 20 bytes instead of a `SocketAddr`'s
//! 32 (no IPv6 flow info or scope id, which roster never uses), shown as the
//! `SocketAddr` would be.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
};

/// Address and port of a connected client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Peer {
    /// The address.
    ip: IpAddr,
    /// The port.
    port: u16,
}

impl Peer {
    /// The address, for the per-address limits.
    pub(super) fn ip(&self) -> IpAddr {
        self.ip
    }
}

impl From<SocketAddr> for Peer {
    fn from(a: SocketAddr) -> Peer {
        Peer {
            ip: a.ip(),
            port: a.port(),
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        SocketAddr::new(self.ip, self.port).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_as_a_socket_address_in_less_room() {
        for text in ["127.0.0.1:1883", "[::1]:40000", "[2001:db8::7]:1"] {
            let a: SocketAddr = text.parse().unwrap();
            let p = Peer::from(a);
            assert_eq!(p.to_string(), a.to_string());
            assert_eq!(p.ip(), a.ip());
        }
        assert!(std::mem::size_of::<Peer>() < std::mem::size_of::<SocketAddr>());
    }
}
