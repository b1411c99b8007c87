//! Fuzz target: the MQTT packet decode path. Bytes arrive in chunks (as from a
//! socket) into `MqttCodec`; every decoded packet goes through what a Session reads
//! from it (ClientId rules, topic rules, the subscription ACL) and must re-encode to
//! bytes that decode to the same packet. The read buffer must stay within
//! `max_packet_size`, whatever the fixed header claims.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use mqtt::packet::VariablePacket;
use roster_server::{
    client_id::ClientId,
    mqtt::MqttCodec,
    topic::{classify_publish, may_subscribe},
};
use tokio_util::codec::{Decoder, Encoder};

/// The limit the codec is built with: small, so the fuzzer reaches it.
const MAX_PACKET: u32 = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk % 64) + 1;
    let mut codec = MqttCodec::new(MAX_PACKET);
    let mut buf = BytesMut::new();
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(packet)) => exercise(packet),
                Ok(None) => break,
                // The session closes the connection: nothing more is read.
                Err(_) => return,
            }
        }
        // What is buffered is a packet in progress, never more than the limit
        // plus the last chunk that arrived with it.
        assert!(
            buf.len() <= MAX_PACKET as usize + chunk,
            "buffered {} bytes",
            buf.len()
        );
    }
});

/// What the session does with a packet, and the re-encoding round trip.
fn exercise(packet: VariablePacket) {
    let me = ClientId::parse("emqttd_reg_fuzz").expect("valid id");
    match &packet {
        VariablePacket::ConnectPacket(c) => {
            let _ = ClientId::parse(c.client_identifier()).map(|id| id.actions_topic());
            let _ = (c.protocol_name(), c.protocol_level(), c.reserved_flag());
            let _ = (
                c.password(),
                c.user_name(),
                c.keep_alive(),
                c.clean_session(),
            );
        }
        VariablePacket::PublishPacket(p) => {
            let _ = classify_publish(p.topic_name());
            let _ = p.qos().split();
        }
        VariablePacket::SubscribePacket(s) => {
            for (filter, _) in s.subscribes() {
                let _ = may_subscribe(&me, filter);
            }
        }
        _ => {}
    }
    let mut out = BytesMut::new();
    MqttCodec::new(u32::MAX)
        .encode(packet.clone(), &mut out)
        .expect("a decoded packet encodes");
    let again = MqttCodec::new(u32::MAX)
        .decode(&mut out)
        .expect("its encoding decodes")
        .expect("whole");
    assert_eq!(again, packet, "round trip");
    assert!(out.is_empty(), "no bytes left over");
}
