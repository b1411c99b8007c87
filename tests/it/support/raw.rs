//! A blocking raw MQTT connection, for tests that send what a library client would not
//! (or read exactly what the server wrote).

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
};

use mqtt::{
    control::variable_header::ConnectReturnCode,
    packet::{ConnectPacket, VariablePacket},
    Decodable, Encodable,
};

use super::harness::{TestServer, DEADLINE};

/// A blocking raw MQTT connection.
pub struct Raw(pub TcpStream);

impl Raw {
    pub fn open(server: &TestServer) -> Raw {
        Self::open_to(server.addr)
    }

    /// A raw connection to the server at `addr`.
    pub fn open_to(addr: SocketAddr) -> Raw {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        Raw(s)
    }

    pub fn send(&mut self, p: impl Into<VariablePacket>) {
        let mut buf = Vec::new();
        p.into().encode(&mut buf).unwrap();
        self.0.write_all(&buf).unwrap();
    }

    pub fn recv(&mut self) -> VariablePacket {
        VariablePacket::decode(&mut self.0).expect("a packet")
    }

    /// Waits for the server to close the socket (EOF or reset).
    pub fn wait_closed(&mut self) {
        let mut buf = [0u8; 256];
        loop {
            match self.0.read(&mut buf) {
                Ok(0) => return,
                Ok(_) => continue,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    panic!("still open after {DEADLINE:?}")
                }
                Err(_) => return,
            }
        }
    }

    pub fn connect(server: &TestServer, id: &str, keep_alive: u16) -> Raw {
        Self::connect_to(server.addr, id, keep_alive)
    }

    /// Connects to the server at `addr` as `id`; CONNACK 0 is required.
    pub fn connect_to(addr: SocketAddr, id: &str, keep_alive: u16) -> Raw {
        let mut raw = Raw::open_to(addr);
        let mut c = ConnectPacket::new(id);
        c.set_keep_alive(keep_alive);
        raw.send(c);
        match raw.recv() {
            VariablePacket::ConnackPacket(a) => {
                assert_eq!(
                    a.connect_return_code(),
                    ConnectReturnCode::ConnectionAccepted
                )
            }
            other => panic!("expected CONNACK, got {other:?}"),
        }
        raw
    }
}

pub fn connack_code(raw: &mut Raw) -> ConnectReturnCode {
    match raw.recv() {
        VariablePacket::ConnackPacket(a) => a.connect_return_code(),
        other => panic!("expected CONNACK, got {other:?}"),
    }
}
