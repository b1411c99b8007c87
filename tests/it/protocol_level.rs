//! [MQTT-3.1.2-2] on the wire: a CONNECT at a protocol level roster does not speak
//! (0, 5, 6, 7, a 5.0 CONNECT with properties) gets exactly CONNACK 1 and then the
//! close; 3.1 ("MQIsdp", 3) and 3.1.1 ("MQTT", 4) are served.

use std::io::{Read, Write};

use crate::support::{harness::TestServer, raw::Raw};

/// A CONNECT frame: protocol `name` at `level`, clean session, keep-alive 30, then
/// `rest` (properties, if any, and the payload).
fn connect(name: &[u8], level: u8, rest: &[u8]) -> Vec<u8> {
    let mut body = vec![0, name.len() as u8];
    body.extend_from_slice(name);
    body.extend_from_slice(&[level, 0x02, 0, 30]);
    body.extend_from_slice(rest);
    let mut frame = vec![0x10, body.len() as u8];
    frame.extend_from_slice(&body);
    frame
}

/// The client id `emqttd_reg_lvl` as a payload.
const PAYLOAD: &[u8] = b"\0\x0eemqttd_reg_lvl";

/// Everything the server writes after `bytes`, up to its close.
fn answer_to(server: &TestServer, bytes: &[u8]) -> Vec<u8> {
    let mut raw = Raw::open(server);
    raw.0.write_all(bytes).expect("write");
    let mut got = Vec::new();
    raw.0.read_to_end(&mut got).expect("the server closes");
    got
}

#[test]
fn unsupported_levels_get_connack_1_then_the_close() {
    let server = TestServer::start();
    for level in [5, 6, 7, 0] {
        let got = answer_to(&server, &connect(b"MQTT", level, PAYLOAD));
        assert_eq!(got, [0x20, 0x02, 0x00, 0x01], "level {level}");
    }
}

#[test]
fn a_v5_connect_with_properties_gets_connack_1_then_the_close() {
    let server = TestServer::start();
    // Properties (7 bytes): session expiry interval 3600 s, receive maximum 10.
    let mut rest = vec![0x08, 0x11, 0, 0, 0x0e, 0x10, 0x21, 0, 10];
    rest.extend_from_slice(PAYLOAD);
    let got = answer_to(&server, &connect(b"MQTT", 5, &rest));
    assert_eq!(got, [0x20, 0x02, 0x00, 0x01]);
    // The same followed at once by a PINGREQ: still CONNACK 1 alone, then the close.
    let mut two = connect(b"MQTT", 5, &rest);
    two.extend_from_slice(&[0xC0, 0x00]);
    assert_eq!(answer_to(&server, &two), [0x20, 0x02, 0x00, 0x01]);
}

#[test]
fn levels_3_and_4_are_served() {
    let server = TestServer::start();
    for (name, level) in [(&b"MQIsdp"[..], 3), (&b"MQTT"[..], 4)] {
        let mut raw = Raw::open(&server);
        raw.0
            .write_all(&connect(name, level, PAYLOAD))
            .expect("write");
        let mut connack = [0u8; 4];
        raw.0.read_exact(&mut connack).expect("CONNACK");
        assert_eq!(connack, [0x20, 0x02, 0x00, 0x00], "level {level}");
        // And it is live: PINGREQ, PINGRESP.
        raw.0.write_all(&[0xC0, 0x00]).expect("write");
        let mut pong = [0u8; 2];
        raw.0.read_exact(&mut pong).expect("PINGRESP");
        assert_eq!(pong, [0xD0, 0x00]);
    }
}
