//! The PROXY protocol (v1 text, v2 binary) that a load balancer such as HAProxy sends
//! before its client's bytes, so the per-address limits and the logs see the client's
//! address instead of the balancer's; and [`Cidr`], the networks whose connections
//! are trusted to send it (`server.trusted_proxies`).
//!
//! The fields are parsed by the `ppp` crate; reading them off the socket is done here,
//! exactly up to the header's end and never past it (what follows is the client's:
//! MQTT, or a TLS or WebSocket handshake), and bounded: a v1 line of at most 107
//! bytes, a v2 header of at most 16 + 216 bytes (the largest address block), all
//! within a deadline. A v1 line is read byte by byte after its first 15 (the shortest
//! header), since nothing but the line's own CRLF says where it ends.

use std::{
    fmt, io,
    net::{IpAddr, SocketAddr},
    str::FromStr,
    time::Duration,
};

use ppp::{v1, v2};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The first twelve bytes of every v2 header.
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The shortest header of either version: `PROXY UNKNOWN\r\n`.
const SHORTEST: usize = 15;
/// The longest v1 line, CRLF included.
const V1_MAX: usize = 107;
/// The longest v2 header accepted: 16 bytes, then at most the largest address block
/// (two Unix paths); TLVs beyond it are refused.
const V2_MAX: usize = 16 + 216;

/// Why a connection's PROXY header was refused; the connection is closed.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Not the whole header within `server.connect_timeout_secs`.
    #[error("no PROXY protocol header within {0:?}")]
    Timeout(Duration),
    /// The socket failed or closed before the header's end.
    #[error("reading the PROXY protocol header: {0}")]
    Io(#[from] io::Error),
    /// The bytes are not a PROXY protocol header.
    #[error("not a PROXY protocol header")]
    NotProxy,
    /// A v1 line without its CRLF in 107 bytes, or a v2 header past 232.
    #[error("PROXY protocol header longer than {0} bytes")]
    TooLong(usize),
    /// A header whose fields do not parse.
    #[error("malformed PROXY protocol header: {0}")]
    Malformed(String),
}

/// Reads the PROXY header from a connection that `proxy` (a trusted balancer) made,
/// and gives the address the connection is from: the client's, or `proxy` itself for
/// a header that names none (v1 `UNKNOWN`, v2 `LOCAL` as health checks send, an
/// address family other than IPv4 and IPv6). Nothing past the header is read.
pub async fn peer_address<R: AsyncRead + Unpin>(
    stream: &mut R,
    proxy: SocketAddr,
    deadline: Duration,
) -> Result<SocketAddr, ProxyError> {
    match tokio::time::timeout(deadline, read_header(stream)).await {
        Ok(source) => Ok(source?.unwrap_or(proxy)),
        Err(_) => Err(ProxyError::Timeout(deadline)),
    }
}

/// Reads one header; `None` when it names no client address.
async fn read_header<R: AsyncRead + Unpin>(r: &mut R) -> Result<Option<SocketAddr>, ProxyError> {
    let mut buf = [0u8; V2_MAX];
    r.read_exact(&mut buf[..SHORTEST]).await?;
    if buf[..V2_SIGNATURE.len()] == V2_SIGNATURE[..] {
        r.read_exact(&mut buf[SHORTEST..16]).await?;
        let total = 16 + usize::from(u16::from_be_bytes([buf[14], buf[15]]));
        if total > V2_MAX {
            return Err(ProxyError::TooLong(V2_MAX));
        }
        r.read_exact(&mut buf[16..total]).await?;
        return parse_v2(&buf[..total]);
    }
    if !buf.starts_with(b"PROXY ") {
        return Err(ProxyError::NotProxy);
    }
    let mut n = SHORTEST;
    while !buf[..n].ends_with(b"\r\n") {
        if n == V1_MAX {
            return Err(ProxyError::TooLong(V1_MAX));
        }
        r.read_exact(&mut buf[n..n + 1]).await?;
        n += 1;
    }
    parse_v1(&buf[..n])
}

/// The source address of a whole v1 line.
fn parse_v1(line: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let header = v1::Header::try_from(line).map_err(|e| ProxyError::Malformed(e.to_string()))?;
    Ok(match header.addresses {
        v1::Addresses::Tcp4(a) => Some(SocketAddr::new(a.source_address.into(), a.source_port)),
        v1::Addresses::Tcp6(a) => Some(SocketAddr::new(a.source_address.into(), a.source_port)),
        v1::Addresses::Unknown => None,
    })
}

/// The source address of a whole v2 header.
fn parse_v2(bytes: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let header = v2::Header::try_from(bytes).map_err(|e| ProxyError::Malformed(e.to_string()))?;
    if header.command == v2::Command::Local {
        return Ok(None);
    }
    Ok(match header.addresses {
        v2::Addresses::IPv4(a) => Some(SocketAddr::new(a.source_address.into(), a.source_port)),
        v2::Addresses::IPv6(a) => Some(SocketAddr::new(a.source_address.into(), a.source_port)),
        v2::Addresses::Unspecified | v2::Addresses::Unix(_) => None,
    })
}

/// An address or a network (`10.0.0.0/8`, `127.0.0.1`, `2001:db8::/32`) in
/// `server.trusted_proxies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Cidr {
    /// The network's address, host bits cleared.
    net: IpAddr,
    /// Leading bits that must match.
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                mask(u32::from(ip).into(), 32, self.prefix) == u32::from(net).into()
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask(ip.into(), 128, self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

/// Whether any of `trusted` holds `ip`.
pub fn is_trusted(trusted: &[Cidr], ip: IpAddr) -> bool {
    trusted.iter().any(|c| c.contains(ip))
}

/// The first `prefix` of the `width` low bits of `bits`.
fn mask(bits: u128, width: u8, prefix: u8) -> u128 {
    let host = width - prefix;
    if host >= 128 {
        0
    } else {
        bits >> host << host
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an IP address or network (a.b.c.d/n, x::y/n)");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let addr = addr.to_canonical();
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= width)
                .ok_or_else(bad)?,
            None => width,
        };
        let net = match addr {
            IpAddr::V4(v4) => IpAddr::V4((mask(u32::from(v4).into(), 32, prefix) as u32).into()),
            IpAddr::V6(v6) => IpAddr::V6(mask(v6.into(), 128, prefix).into()),
        };
        Ok(Cidr { net, prefix })
    }
}

impl TryFrom<String> for Cidr {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

#[cfg(test)]
mod tests;
