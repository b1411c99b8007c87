//! The client against a bare server: PUBACKs owed, held and sent together.

use mqtt::{packet::ConnackPacket, TopicName};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use super::*;

/// A bare server: accepts one device, answers its CONNECT, sends it a QoS 1
/// PUBLISH with id 7, then hands back the socket.
async fn device_and_server() -> (Conn, TcpStream) {
    device_and_server_sending(&[7]).await
}

/// The same, sending a QoS 1 PUBLISH for each of `ids` in one segment.
async fn device_and_server_sending(ids: &[u16]) -> (Conn, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = async {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut codec = MqttCodec::new(MAX_PACKET);
        let mut buf = BytesMut::new();
        while codec.decode(&mut buf).unwrap().is_none() {
            s.read_buf(&mut buf).await.unwrap();
        }
        let mut out = Vec::new();
        ConnackPacket::new(false, ConnectReturnCode::ConnectionAccepted)
            .encode(&mut out)
            .unwrap();
        let topic = TopicName::new("actions/1/api/x").unwrap();
        for &id in ids {
            let q = QoSWithPacketIdentifier::Level1(id);
            PublishPacket::new(topic.clone(), q, b"r".to_vec())
                .encode(&mut out)
                .unwrap();
        }
        s.write_all(&out).await.unwrap();
        s
    };
    let opts = ConnectOpts {
        client_id: "x".into(),
        password: None,
        clean_session: true,
        keep_alive: 60,
    };
    let (conn, server) = tokio::join!(connect(addr, None, &Transport::Tcp, &opts), server);
    (conn.unwrap(), server)
}

/// The packets the server has received next, decoded (at least `n`).
async fn received(s: &mut TcpStream, n: usize) -> Vec<VariablePacket> {
    let mut codec = MqttCodec::new(MAX_PACKET);
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    while got.len() < n {
        if let Some(p) = codec.decode(&mut buf).unwrap() {
            got.push(p);
            continue;
        }
        let read = tokio::time::timeout(Duration::from_secs(5), s.read_buf(&mut buf));
        assert!(read.await.expect("the device wrote in time").unwrap() > 0);
    }
    got
}

#[tokio::test]
async fn an_owed_puback_goes_out_with_the_next_publish() {
    let (mut conn, mut server) = device_and_server().await;
    conn.next_publish_then_send().await.unwrap();
    let topic = TopicName::new("events/x").unwrap();
    conn.publish(&topic, 1, b"q").await.unwrap();
    let got = received(&mut server, 2).await;
    assert!(matches!(&got[0], VariablePacket::PubackPacket(a) if a.packet_identifier() == 7));
    assert!(matches!(&got[1], VariablePacket::PublishPacket(_)));
}

#[tokio::test]
async fn a_held_puback_waits_for_the_next_write() {
    let (mut conn, mut server) = device_and_server().await;
    conn.next_publish_before(Some(Instant::now()))
        .await
        .unwrap();
    // The device waits for its next reply: the PUBACK stays with it. (Showing that
    // nothing was sent takes a bounded wait.)
    let next = conn.next_publish_before(Some(Instant::now()));
    let reading = tokio::time::timeout(Duration::from_millis(50), next);
    assert!(reading.await.is_err(), "no packet was sent to the device");
    let mut early = [0u8; 1];
    let sent = tokio::time::timeout(Duration::from_millis(50), server.read(&mut early));
    assert!(sent.await.is_err(), "the PUBACK was held");
    conn.ping().await.unwrap();
    let got = received(&mut server, 2).await;
    assert!(matches!(&got[0], VariablePacket::PubackPacket(a) if a.packet_identifier() == 7));
    assert!(matches!(&got[1], VariablePacket::PingreqPacket(_)));
}

#[tokio::test]
async fn held_pubacks_go_out_together_and_one_too_many_sends_them() {
    let ids: Vec<u16> = (1..=MAX_OWED as u16 + 1).collect();
    let (mut conn, mut server) = device_and_server_sending(&ids).await;
    for _ in 0..MAX_OWED {
        conn.next_publish_before(Some(Instant::now()))
            .await
            .unwrap();
    }
    assert_eq!(usize::from(conn.owed.len), MAX_OWED);
    // One more than it may hold: all go out, in order, in one write.
    conn.next_publish_before(Some(Instant::now()))
        .await
        .unwrap();
    assert!(conn.owed.is_empty());
    let got = received(&mut server, ids.len()).await;
    let acked: Vec<u16> = got
        .iter()
        .map(|p| match p {
            VariablePacket::PubackPacket(a) => a.packet_identifier(),
            other => panic!("not a PUBACK: {other:?}"),
        })
        .collect();
    assert_eq!(acked, ids);
}

#[tokio::test]
async fn an_owed_puback_goes_out_before_a_read_waits() {
    let (mut conn, mut server) = device_and_server().await;
    conn.next_publish_then_send().await.unwrap();
    // The device now waits for the server, which waits for the PUBACK.
    let waiting = tokio::spawn(async move { conn.read().await.map(|_| ()) });
    let got = received(&mut server, 1).await;
    assert!(matches!(&got[0], VariablePacket::PubackPacket(a) if a.packet_identifier() == 7));
    waiting.abort();
}
