//! MQTT 3.1.1 framing. The fixed header is read first and its remaining length checked
//! against `max_packet_size` before a byte of the body is buffered. A CONNECT at a
//! protocol level roster does not speak is told apart first
//! ([`CodecError::UnsupportedLevel`]), so the session can answer it with CONNACK 1
//! whatever the rest of it holds; the complete frame is then checked for the rules
//! `mqtt-protocol` lets through ([`super::strict`]) and parsed by it.

use std::io::Cursor;

use bytes::{BufMut, BytesMut};
use mqtt::{
    packet::{VariablePacket, VariablePacketError},
    Decodable, Encodable,
};
use tokio_util::codec::{Decoder, Encoder};

use super::strict::{self, Violation};

/// Why a connection's byte stream cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The fixed header claims more than the configured maximum.
    #[error("[MQTT-2.2.3] packet of {claimed} bytes exceeds max_packet_size {max}")]
    TooLarge { claimed: u64, max: u32 },
    /// More than four bytes of remaining length.
    #[error("[MQTT-2.2.3] malformed remaining length")]
    BadLength,
    /// The packet breaks a rule the parser does not check.
    #[error(transparent)]
    Violation(#[from] Violation),
    /// The packet body does not parse.
    #[error("malformed packet: {0}")]
    Malformed(String),
    /// The socket failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A CONNECT for MQTT at a level other than 4 ("MQTT") or 3 ("MQIsdp"): 5 (whose
    /// properties 3.1.1 cannot parse), 6, 0, ...; answered with CONNACK 1.
    #[error("[MQTT-3.1.2-2] protocol level {0} is not supported")]
    UnsupportedLevel(u8),
}

/// Frames MQTT packets with a hard size limit.
#[derive(Debug, Clone)]
pub struct MqttCodec {
    /// Largest whole packet accepted, fixed header included.
    max_packet_size: u32,
}

impl MqttCodec {
    /// A codec refusing packets above `max_packet_size` bytes.
    pub fn new(max_packet_size: u32) -> Self {
        Self { max_packet_size }
    }
}

/// Reads a fixed header from the front of `buf`: (header length, remaining length), or
/// `None` when more bytes are needed.
fn fixed_header(buf: &[u8]) -> Result<Option<(usize, u32)>, CodecError> {
    let mut remaining: u32 = 0;
    for i in 0..4 {
        let Some(&byte) = buf.get(1 + i) else {
            return Ok(None);
        };
        remaining |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Some((2 + i, remaining)));
        }
    }
    Err(CodecError::BadLength)
}

impl Decoder for MqttCodec {
    type Item = VariablePacket;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<VariablePacket>, CodecError> {
        let Some((header_len, remaining)) = fixed_header(src)? else {
            return Ok(None);
        };
        let total = header_len as u64 + u64::from(remaining);
        if total > u64::from(self.max_packet_size) {
            return Err(CodecError::TooLarge {
                claimed: total,
                max: self.max_packet_size,
            });
        }
        let total = total as usize;
        if src.len() < total {
            // Bounded by max_packet_size: the claim was checked above.
            src.reserve(total - src.len());
            return Ok(None);
        }
        if let Some(level) = unsupported_level(&src[..total], header_len) {
            return Err(CodecError::UnsupportedLevel(level));
        }
        let frame = src.split_to(total);
        strict::check(frame[0], &frame[header_len..])?;
        let mut reader = Cursor::new(&frame[..]);
        let packet = VariablePacket::decode(&mut reader).map_err(|e| match e {
            VariablePacketError::ReservedPacket(code, _) => {
                CodecError::Malformed(format!("reserved packet type {code}"))
            }
            other => CodecError::Malformed(other.to_string()),
        })?;
        if reader.position() as usize != total {
            return Err(CodecError::Malformed("trailing bytes in packet".into()));
        }
        Ok(Some(packet))
    }
}

/// The level of a CONNECT `frame` (its fixed header `header_len` bytes long) that names
/// MQTT ("MQTT", or 3.1's "MQIsdp") at a level other than that name's; `None` for every
/// other frame, a CONNECT of another protocol name included (closed without a CONNACK,
/// [MQTT-3.1.2-1]). Read before the packet is parsed: from level 5 on, the fields after
/// the level are not those of 3.1.1.
fn unsupported_level(frame: &[u8], header_len: usize) -> Option<u8> {
    if frame[0] != 0x10 {
        return None;
    }
    let body = &frame[header_len..];
    let name_len = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
    let supported = match body.get(2..2 + name_len)? {
        b"MQTT" => 4,
        b"MQIsdp" => 3,
        _ => return None,
    };
    let level = *body.get(2 + name_len)?;
    (level != supported).then_some(level)
}

impl Encoder<VariablePacket> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, item: VariablePacket, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.reserve(item.encoded_length() as usize);
        item.encode(&mut dst.writer())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt::packet::{PingreqPacket, PublishPacket, QoSWithPacketIdentifier};
    use mqtt::TopicName;

    fn roundtrip(p: VariablePacket) -> VariablePacket {
        let mut buf = BytesMut::new();
        MqttCodec::new(1024).encode(p, &mut buf).unwrap();
        MqttCodec::new(1024).decode(&mut buf).unwrap().unwrap()
    }

    #[test]
    fn pingreq_bytes() {
        let mut buf = BytesMut::from(&[0xC0u8, 0x00][..]);
        let p = MqttCodec::new(1024).decode(&mut buf).unwrap().unwrap();
        assert!(matches!(p, VariablePacket::PingreqPacket(_)));
        assert!(buf.is_empty());
        assert!(matches!(
            roundtrip(PingreqPacket::new().into()),
            VariablePacket::PingreqPacket(_)
        ));
    }

    #[test]
    fn partial_frames_wait_for_more() {
        let mut codec = MqttCodec::new(1024);
        let p = PublishPacket::new(
            TopicName::new("events/x").unwrap(),
            QoSWithPacketIdentifier::Level1(7),
            b"hello".to_vec(),
        );
        let mut full = BytesMut::new();
        codec.encode(p.into(), &mut full).unwrap();
        let mut buf = BytesMut::new();
        for (i, b) in full.iter().enumerate() {
            buf.put_u8(*b);
            let got = codec.decode(&mut buf).unwrap();
            assert_eq!(got.is_some(), i == full.len() - 1, "byte {i}");
        }
    }

    #[test]
    fn oversize_claim_is_refused_from_the_header_alone() {
        // PUBLISH claiming 268,435,455 bytes (the MQTT maximum), with no body at all.
        let mut buf = BytesMut::from(&[0x30u8, 0xFF, 0xFF, 0xFF, 0x7F][..]);
        let err = MqttCodec::new(262_144).decode(&mut buf).unwrap_err();
        assert!(matches!(err, CodecError::TooLarge { .. }), "{err}");
        assert!(buf.capacity() < 1024, "no allocation of the claimed size");
    }

    #[test]
    fn five_length_bytes_are_malformed() {
        let mut buf = BytesMut::from(&[0x30u8, 0x80, 0x80, 0x80, 0x80, 0x01][..]);
        assert!(matches!(
            MqttCodec::new(1 << 30).decode(&mut buf),
            Err(CodecError::BadLength)
        ));
    }

    #[test]
    fn connect_at_an_unsupported_level_is_told_apart() {
        /// CONNECT `name` at `level`, clean session, keep-alive 60, then `rest`.
        fn connect(name: &[u8], level: u8, rest: &[u8]) -> BytesMut {
            let mut body = vec![0, name.len() as u8];
            body.extend_from_slice(name);
            body.extend_from_slice(&[level, 0x02, 0, 60]);
            body.extend_from_slice(rest);
            let mut frame = BytesMut::from(&[0x10, body.len() as u8][..]);
            frame.extend_from_slice(&body);
            frame
        }
        let decode = |mut b: BytesMut| MqttCodec::new(1024).decode(&mut b);
        for level in [0, 1, 2, 5, 6, 7, 255] {
            let got = decode(connect(b"MQTT", level, b"\0\x01x"));
            assert!(
                matches!(got, Err(CodecError::UnsupportedLevel(l)) if l == level),
                "level {level}: {got:?}"
            );
        }
        // MQTT 5.0 with properties (session expiry 60 s) before the client id.
        let v5 = connect(b"MQTT", 5, b"\x05\x11\0\0\0\x3c\0\x01x");
        assert!(matches!(decode(v5), Err(CodecError::UnsupportedLevel(5))));
        // Each name at the other's level.
        assert!(matches!(
            decode(connect(b"MQTT", 3, b"\0\x01x")),
            Err(CodecError::UnsupportedLevel(3))
        ));
        assert!(matches!(
            decode(connect(b"MQIsdp", 4, b"\0\x01x")),
            Err(CodecError::UnsupportedLevel(4))
        ));
        // The supported pairs decode; another protocol name is not this error.
        for (name, level) in [(&b"MQTT"[..], 4), (&b"MQIsdp"[..], 3)] {
            let got = decode(connect(name, level, b"\0\x01x"));
            assert!(
                matches!(got, Ok(Some(VariablePacket::ConnectPacket(_)))),
                "{got:?}"
            );
        }
        let other = decode(connect(b"MQTX", 5, b"\0\x01x"));
        assert!(
            !matches!(other, Err(CodecError::UnsupportedLevel(_))),
            "{other:?}"
        );
        // A CONNECT cut short before its level, and a PUBLISH, are not looked at.
        assert_eq!(unsupported_level(&[0x10, 0x03, 0, 4, b'M'], 2), None);
        assert_eq!(unsupported_level(&[0x30, 0x03, 0, 1, b'a'], 2), None);
    }

    #[test]
    fn bad_flags_and_reserved_types_are_malformed() {
        // SUBSCRIBE must carry flags 0b0010; 0x80 has 0b0000.
        let mut buf = BytesMut::from(&[0x80u8, 0x00][..]);
        assert!(MqttCodec::new(1024).decode(&mut buf).is_err());
        // Type 0 and type 15 are reserved.
        let mut buf = BytesMut::from(&[0x00u8, 0x00][..]);
        assert!(MqttCodec::new(1024).decode(&mut buf).is_err());
        let mut buf = BytesMut::from(&[0xF0u8, 0x00][..]);
        assert!(MqttCodec::new(1024).decode(&mut buf).is_err());
    }

    /// The codec's answer to one whole packet.
    fn decode_one(bytes: &[u8]) -> Result<Option<VariablePacket>, CodecError> {
        MqttCodec::new(1024).decode(&mut BytesMut::from(bytes))
    }

    #[test]
    fn a_connect_whose_client_id_runs_past_the_packet_is_refused() {
        // CONNECT "MQTT" 4, clean session, keep-alive 60; the client id claims 100
        // bytes and 12 follow. mqtt-protocol alone reads it short, as "emqttd_reg_x".
        let mut bytes = vec![
            0x10, 24, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 60, 0, 100,
        ];
        bytes.extend_from_slice(b"emqttd_reg_x");
        let short = VariablePacket::decode(&mut Cursor::new(&bytes[..]));
        assert!(short.is_ok(), "the crate accepts it: {short:?}");
        let err = decode_one(&bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[MQTT-2.2.3] client identifier runs past the end of the packet"
        );
        // The same CONNECT with the true length decodes.
        bytes[13] = 12;
        assert!(matches!(
            decode_one(&bytes),
            Ok(Some(VariablePacket::ConnectPacket(_)))
        ));
    }

    #[test]
    fn nul_in_topics_and_empty_subscriptions_are_refused() {
        // PUBLISH QoS 0 to "a\0b".
        let err = decode_one(&[0x30, 0x06, 0, 3, b'a', 0, b'b', b'x']).unwrap_err();
        assert!(
            matches!(err, CodecError::Violation(Violation::Nul("topic name"))),
            "{err}"
        );
        // SUBSCRIBE id 1 to "a\0" QoS 0.
        let err = decode_one(&[0x82, 0x07, 0, 1, 0, 2, b'a', 0, 0]).unwrap_err();
        assert!(
            matches!(err, CodecError::Violation(Violation::Nul("topic filter"))),
            "{err}"
        );
        // UNSUBSCRIBE id 1 from "\0".
        let err = decode_one(&[0xA2, 0x05, 0, 1, 0, 1, 0]).unwrap_err();
        assert!(
            matches!(err, CodecError::Violation(Violation::Nul("topic filter"))),
            "{err}"
        );
        // SUBSCRIBE and UNSUBSCRIBE with a packet id and nothing else.
        let err = decode_one(&[0x82, 0x02, 0, 1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[MQTT-3.8.3-3] SUBSCRIBE with no topic filter"
        );
        let err = decode_one(&[0xA2, 0x02, 0, 1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[MQTT-3.10.3-2] UNSUBSCRIBE with no topic filter"
        );
        // With a filter each decodes.
        assert!(matches!(
            decode_one(&[0x82, 0x06, 0, 1, 0, 1, b'a', 0]),
            Ok(Some(VariablePacket::SubscribePacket(_)))
        ));
        assert!(matches!(
            decode_one(&[0xA2, 0x05, 0, 1, 0, 1, b'a']),
            Ok(Some(VariablePacket::UnsubscribePacket(_)))
        ));
    }
}
