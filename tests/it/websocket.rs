//! MQTT over WebSocket: mqtt.js over ws:// and wss://, and a raw client that cuts
//! packets into frames as it likes; the handshake's refusals (subprotocol, Origin,
//! path, an endless request); text, oversize and close frames; takeover from WebSocket
//! to TCP; a device that registers over wss and logs in over TCP; the shutdown drain.

use std::io::{Read, Write};

use futures_util::{SinkExt, StreamExt};
use mqtt::{
    control::variable_header::ConnectReturnCode,
    packet::{
        ConnectPacket, PingreqPacket, PublishPacket, QoSWithPacketIdentifier, SubscribePacket,
        VariablePacket,
    },
    QualityOfService, TopicFilter, TopicName,
};
use roster_server::config::Config;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::{
    auth::register_through,
    clients::have,
    support::{
        certs::ServerPair,
        harness::{events_topic, invalid_data_term, term, unknown_request, TestServer, DEADLINE},
        mqttjs::{node_modules, MqttJs},
        profile_wire::{ask, profile, Req},
        ws_client::{bytes, Offer, WsClient},
    },
    tls::certs,
};

/// Turns on the WebSocket listener (wss with `pair` when given).
fn ws_config(c: &mut Config, wss: Option<&ServerPair>) {
    c.websocket.listen = "127.0.0.1:0".into();
    if let Some(pair) = wss {
        c.websocket.tls = true;
        c.tls.cert = pair.cert.clone();
        c.tls.key = pair.key.clone();
    }
}

/// A publish of `payload` to the events topic of `id` at QoS 1 with packet id `pkid`.
fn request(id: &str, pkid: u16, payload: Vec<u8>) -> PublishPacket {
    let topic = TopicName::new(events_topic(id)).unwrap();
    PublishPacket::new(topic, QoSWithPacketIdentifier::Level1(pkid), payload)
}

/// CONNECT as `id` (with a token for a logged-in id) and CONNACK 0.
async fn mqtt_connect(ws: &mut WsClient, id: &str, token: Option<&str>) {
    let mut c = ConnectPacket::new(id);
    c.set_keep_alive(30);
    if let Some(t) = token {
        c.set_user_name(Some("ignored".into()));
        c.set_password(Some(t.into()));
        c.set_clean_session(false);
    }
    ws.send(c).await;
    match ws.recv().await {
        VariablePacket::ConnackPacket(a) => {
            assert_eq!(
                a.connect_return_code(),
                ConnectReturnCode::ConnectionAccepted
            )
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

/// Sends a request (QoS 1) and returns its reply's payload, acknowledging nothing (the
/// replies of these tests come at QoS 0 or are acknowledged by the next request).
async fn ws_request(ws: &mut WsClient, id: &str, pkid: u16, payload: Vec<u8>) -> Vec<u8> {
    ws.send(request(id, pkid, payload)).await;
    loop {
        match ws.recv().await {
            VariablePacket::PublishPacket(p) => return p.payload().to_vec(),
            VariablePacket::PubackPacket(_) => {}
            other => panic!("expected the reply, got {other:?}"),
        }
    }
}

#[test]
fn mqtt_js_registers_over_ws_and_logs_in_over_wss() {
    if !have("node", &["--version"], true) || !have("npm", &["--version"], true) {
        return;
    }
    let modules = node_modules().unwrap_or_else(|e| panic!("mqtt.js: {e}"));
    let (_dir, ca, pair) = certs();
    // One server, two WebSocket listeners is not a thing: ws first, then wss on the
    // same data folder.
    let server = TestServer::with(|c| ws_config(c, None));
    let url = format!("ws://{}/mqtt", server.ws_addr.unwrap());
    let mut reg = MqttJs::connect(&modules, &url, "emqttd_reg_js1", &[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (token, id) = rt.block_on(register_through(&server, "+380501140001", async |p| {
        reg.request(&p)
    }));
    reg.end();
    let server = server.restart(|c| ws_config(c, Some(&pair)));
    let url = format!("wss://localhost:{}/mqtt", server.ws_addr.unwrap().port());
    let ca_file = ca.ca.display().to_string();
    let flags = ["--ca", &ca_file, "--password", &token, "--persistent"];
    let mut dev = MqttJs::connect(&modules, &url, &id, &flags);
    let got = profile(&dev.request(&Req::default().encode("get"))).expect("a Profile");
    assert_eq!(
        (got.status.as_str(), got.phone.as_str()),
        ("get", "380501140001")
    );
    dev.end();
}

#[tokio::test]
async fn packets_split_over_frames_and_several_in_one_frame() {
    let server = TestServer::with(|c| ws_config(c, None));
    let mut ws = WsClient::connect(server.ws_addr.unwrap(), None).await;
    let id = "emqttd_reg_frames";
    // CONNECT in three frames, cut inside its fixed header and its payload.
    let connect = bytes(ConnectPacket::new(id));
    let (a, rest) = connect.split_at(1);
    let (b, c) = rest.split_at(rest.len() - 3);
    ws.send_frames(vec![a.to_vec(), b.to_vec(), c.to_vec()])
        .await;
    assert!(matches!(ws.recv().await, VariablePacket::ConnackPacket(_)));
    // SUBSCRIBE, a request and PINGREQ in one frame.
    let actions = TopicFilter::new(format!("actions/1/api/{id}")).unwrap();
    let mut together = bytes(SubscribePacket::new(
        1,
        vec![(actions, QualityOfService::Level0)],
    ));
    together.extend(bytes(request(id, 2, unknown_request())));
    together.extend(bytes(PingreqPacket::new()));
    ws.send_frames(vec![together]).await;
    let mut seen = Vec::new();
    while seen.len() < 4 {
        match ws.recv().await {
            VariablePacket::SubackPacket(_) => seen.push("suback"),
            VariablePacket::PubackPacket(_) => seen.push("puback"),
            VariablePacket::PublishPacket(p) => {
                assert_eq!(term(p.payload()), invalid_data_term());
                seen.push("reply");
            }
            VariablePacket::PingrespPacket(_) => seen.push("pingresp"),
            other => panic!("{other:?}"),
        }
    }
    seen.sort();
    assert_eq!(seen, ["pingresp", "puback", "reply", "suback"]);
    // A WebSocket ping is answered with a pong carrying its payload.
    ws.ws.send(Message::Ping(b"hi"[..].into())).await.unwrap();
    match tokio::time::timeout(DEADLINE, ws.ws.next()).await {
        Ok(Some(Ok(Message::Pong(p)))) => assert_eq!(&p[..], b"hi"),
        other => panic!("expected a pong, got {other:?}"),
    }
}

#[tokio::test]
async fn handshakes_refused_by_subprotocol_origin_and_path() {
    let server = TestServer::with(|c| {
        ws_config(c, None);
        c.websocket.allowed_origins = vec!["https://app.example".into(), "null".into()];
    });
    let addr = server.ws_addr.unwrap();
    let status = |r: Result<WsClient, Error>| match r {
        Err(Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected a refusal"),
    };
    let wrong = Offer {
        protocols: Some("wamp"),
        ..Offer::default()
    };
    assert_eq!(
        status(WsClient::open(addr, wrong).await),
        400,
        "wrong subprotocol"
    );
    let none = Offer {
        protocols: None,
        ..Offer::default()
    };
    assert_eq!(
        status(WsClient::open(addr, none).await),
        400,
        "no subprotocol"
    );
    let evil = Offer {
        origin: Some("https://evil.example"),
        ..Offer::default()
    };
    assert_eq!(
        status(WsClient::open(addr, evil).await),
        403,
        "origin not listed"
    );
    let path = Offer {
        path: "/",
        ..Offer::default()
    };
    assert_eq!(status(WsClient::open(addr, path).await), 404, "wrong path");
    // Listed origins, an old client's subprotocol, and no Origin at all get through.
    for (origin, protocols) in [
        (Some("https://app.example"), "mqtt"),
        (Some("null"), "mqttv3.1"),
        (None, "mqtt"),
    ] {
        let offer = Offer {
            origin,
            protocols: Some(protocols),
            ..Offer::default()
        };
        let mut ws = WsClient::open(addr, offer).await.expect("admitted");
        mqtt_connect(&mut ws, "emqttd_reg_origin", None).await;
    }
}

#[test]
fn an_endless_handshake_request_is_cut_off() {
    let server = TestServer::with(|c| ws_config(c, None));
    let mut s = std::net::TcpStream::connect(server.ws_addr.unwrap()).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let _ = s.write_all(b"GET /mqtt HTTP/1.1\r\nHost: x\r\nX-Long: ");
    let filler = vec![b'a'; 16 << 10];
    for _ in 0..8 {
        // The server stops reading at 64 KiB: later writes may fail.
        if s.write_all(&filler).is_err() {
            break;
        }
    }
    let mut got = Vec::new();
    match s.read_to_end(&mut got) {
        Ok(_) => assert!(!got.starts_with(b"HTTP/1.1 101"), "no upgrade"),
        Err(e) => assert_ne!(e.kind(), std::io::ErrorKind::WouldBlock, "still open"),
    }
}

#[tokio::test]
async fn text_frames_and_oversize_frames_close_the_connection() {
    let server = TestServer::with(|c| {
        ws_config(c, None);
        c.server.max_packet_size = 1024;
    });
    let addr = server.ws_addr.unwrap();
    let mut ws = WsClient::connect(addr, None).await;
    mqtt_connect(&mut ws, "emqttd_reg_text", None).await;
    ws.ws.send(Message::text("PINGREQ")).await.unwrap();
    ws.closed().await;

    // A frame over max_packet_size, sent whole.
    let mut ws = WsClient::connect(addr, None).await;
    mqtt_connect(&mut ws, "emqttd_reg_big", None).await;
    ws.ws.send(Message::binary(vec![0u8; 2048])).await.unwrap();
    ws.closed().await;

    // Only the header of a 1 GiB frame: refused from it, without waiting for (or
    // making room for) the payload.
    let mut ws = WsClient::connect(addr, None).await;
    mqtt_connect(&mut ws, "emqttd_reg_huge", None).await;
    let mut header = vec![0x82, 0x80 | 127];
    header.extend((1u64 << 30).to_be_bytes());
    header.extend([1, 2, 3, 4]);
    tokio::io::AsyncWriteExt::write_all(ws.ws.get_mut(), &header)
        .await
        .unwrap();
    ws.closed().await;
}

#[tokio::test]
async fn a_close_frame_is_answered_with_one() {
    let server = TestServer::with(|c| ws_config(c, None));
    let mut ws = WsClient::connect(server.ws_addr.unwrap(), None).await;
    mqtt_connect(&mut ws, "emqttd_reg_close", None).await;
    ws.ws.send(Message::Close(None)).await.unwrap();
    assert!(ws.closed().await, "a close frame came back");
}

#[tokio::test]
async fn the_same_client_over_tcp_takes_over_its_websocket_connection() {
    let server = TestServer::with(|c| ws_config(c, None));
    let mut ws = WsClient::connect(server.ws_addr.unwrap(), None).await;
    mqtt_connect(&mut ws, "emqttd_reg_move", None).await;
    let _tcp = server.reg("emqttd_reg_move").await;
    ws.closed().await;
}

#[tokio::test]
async fn a_device_registers_over_wss_and_logs_in_over_tcp() {
    let (_dir, ca, pair) = certs();
    let server = TestServer::with(|c| ws_config(c, Some(&pair)));
    let mut ws = WsClient::connect(server.ws_addr.unwrap(), Some(&ca)).await;
    let reg_id = "emqttd_reg_wss1";
    mqtt_connect(&mut ws, reg_id, None).await;
    let mut pkid = 0;
    let (token, id) = register_through(&server, "+380501140002", async |p| {
        pkid += 1;
        ws_request(&mut ws, reg_id, pkid, p).await
    })
    .await;
    let mut dev = server.login(&id, &token).await;
    let got = ask(&mut dev, Req::default(), "get").await;
    assert_eq!(got.phone, "380501140002");
    // And back over wss with the token: the same session.
    drop(dev);
    let mut back = WsClient::connect(server.ws_addr.unwrap(), Some(&ca)).await;
    mqtt_connect(&mut back, &id, Some(&token)).await;
    let got = profile(&ws_request(&mut back, &id, 1, Req::default().encode("get")).await);
    assert_eq!(got.expect("a Profile").phone, "380501140002");
}

#[test]
fn a_graceful_shutdown_closes_websockets_with_a_close_frame() {
    let mut server = TestServer::with(|c| ws_config(c, None));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut ws = rt.block_on(async {
        let mut ws = WsClient::connect(server.ws_addr.unwrap(), None).await;
        mqtt_connect(&mut ws, "emqttd_reg_drain", None).await;
        ws
    });
    let stopping = std::thread::spawn(move || {
        server.stop_now();
        server
    });
    assert!(
        rt.block_on(ws.closed()),
        "a close frame before the socket closed"
    );
    let _server = stopping.join().unwrap();
}
