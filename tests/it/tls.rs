//! MQTT over TLS: rumqttc (rustls), `openssl s_client` and paho-mqtt through the same
//! sessions as plain TCP; a plain client on the TLS port, a stalled handshake, the
//! minimum version; the real binary re-reading its pair on SIGHUP, and refusing a bad
//! one at start-up.

use std::{
    io::{Read, Write},
    process::{Command, Stdio},
    time::Duration,
};

use mqtt::{packet::ConnectPacket, Encodable};
use roster_server::{
    config::Config, listeners::Listeners, server::Server, transport::config::TlsVersion,
};

use crate::{
    auth::register_with,
    clients::{have, hex, unhex},
    support::{
        certs::{served_certificate, ServerPair, TestCa},
        etf::{io, pair, tail_token, Auth},
        harness::{invalid_data_term, term, unknown_request, TestServer, DEADLINE},
        process::{start_fails, write_config, Roster},
        profile_wire::{ask, Req},
        raw::Raw,
    },
};

/// A CA and a server pair in a temp folder.
pub(crate) fn certs() -> (tempfile::TempDir, TestCa, ServerPair) {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path());
    let pair = ca.server_pair("tls-first");
    (dir, ca, pair)
}

/// Serves `pair` over TLS (plain MQTT too), after `edit`.
pub(crate) fn tls_config(pair: &ServerPair, c: &mut Config) {
    c.tls.mqtt_listen = "127.0.0.1:0".into();
    c.tls.cert = pair.cert.clone();
    c.tls.key = pair.key.clone();
}

#[tokio::test]
async fn rumqttc_over_tls_registers_logs_in_and_gets_the_profile() {
    let (_dir, ca, pair) = certs();
    let server = TestServer::with(|c| tls_config(&pair, c));
    let tls = server.tls_addr.unwrap();
    let reg = ca.tls_options(tls, "emqttd_reg_tls1");
    let (token, id) = register_with(&server, reg, "+380501130001").await;
    let mut login = ca.tls_options(tls, &id);
    login.set_credentials("ignored", &token);
    login.set_clean_session(false);
    let mut dev = server
        .connect(login)
        .await
        .expect("logged-in CONNECT over TLS");
    let got = ask(&mut dev, Req::default(), "get").await;
    assert_eq!(
        (got.status.as_str(), got.phone.as_str()),
        ("get", "380501130001")
    );
    // A wrong token over TLS is refused as over TCP.
    let mut wrong = ca.tls_options(tls, &id);
    wrong.set_credentials("ignored", "0123456789abcdef0123456789abcdef");
    assert_eq!(
        server.refused(wrong).await,
        rumqttc::ConnectReturnCode::BadUserNamePassword
    );
}

#[tokio::test]
async fn the_same_client_over_tcp_takes_over_its_tls_connection() {
    let (_dir, ca, pair) = certs();
    let server = TestServer::with(|c| tls_config(&pair, c));
    let tls = server.tls_addr.unwrap();
    let (token, id) = register_with(
        &server,
        ca.tls_options(tls, "emqttd_reg_tls2"),
        "+380501130002",
    )
    .await;
    let mut over_tls = ca.tls_options(tls, &id);
    over_tls.set_credentials("ignored", &token);
    over_tls.set_clean_session(false);
    let mut first = server.connect(over_tls).await.unwrap();
    let mut second = server.login(&id, &token).await;
    first.closed().await;
    assert!(second.session_present, "the session followed it to TCP");
    let got = ask(&mut second, Req::default(), "get").await;
    assert_eq!(got.phone, "380501130002");
}

#[test]
fn openssl_s_client_handshakes_and_gets_connack() {
    if !have("openssl", &["version"], true) {
        return;
    }
    let (_dir, ca, pair) = certs();
    let server = TestServer::with(|c| tls_config(&pair, c));
    let tls = server.tls_addr.unwrap();
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-verify_return_error",
            "-verify_hostname",
            "localhost",
        ])
        .arg("-connect")
        .arg(tls.to_string())
        .arg("-CAfile")
        .arg(&ca.ca)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    let mut connect = Vec::new();
    ConnectPacket::new("emqttd_reg_openssl")
        .encode(&mut connect)
        .unwrap();
    child.stdin.as_mut().unwrap().write_all(&connect).unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut connack = [0u8; 4];
        let _ = tx.send(stdout.read_exact(&mut connack).map(|()| connack));
    });
    let got = rx.recv_timeout(DEADLINE);
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match got {
        Ok(Ok(connack)) => assert_eq!(connack, [0x20, 0x02, 0x00, 0x00], "CONNACK 0"),
        other => panic!("no CONNACK through s_client: {other:?}; stderr: {stderr}"),
    }
    assert!(
        stderr.contains("verify return:1"),
        "the chain verified: {stderr}"
    );
}

#[test]
fn paho_over_tls_registers() {
    if !have("python3", &["-c", "import paho.mqtt.client"], true) {
        return;
    }
    let (_dir, ca, server_pair) = certs();
    let server = TestServer::with(|c| tls_config(&server_pair, c));
    let tls = server.tls_addr.unwrap();
    let id = "emqttd_reg_pahotls";
    let reg = Auth {
        phone: Some("+380501130003"),
        dev_key: Some("DEV"),
        ..Default::default()
    }
    .encode("reg");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/paho_roundtrip.py"
    );
    let out = Command::new("python3")
        .args([script, "127.0.0.1", &tls.port().to_string(), id, &hex(&reg)])
        .arg("--tls")
        .arg(&ca.ca)
        .args(["--qos", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "paho: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("reply actions/1/api/{id} qos 1 ")))
        .unwrap_or_else(|| panic!("no reply: {stdout}"));
    let (result, tail) = io(&unhex(reply));
    assert_eq!(result, pair("ok", "sms_sent"));
    assert_eq!(tail_token(&tail).len(), 32);
    assert_eq!(
        server.last_sms_code("380501130003").len(),
        6,
        "the code went out"
    );
}

#[test]
fn a_plain_client_on_the_tls_port_is_closed() {
    let (_dir, _ca, pair) = certs();
    let server = TestServer::with(|c| tls_config(&pair, c));
    let mut raw = Raw::open_to(server.tls_addr.unwrap());
    raw.send(ConnectPacket::new("emqttd_reg_plain"));
    // rustls answers the non-TLS bytes with an alert at most; no CONNACK, then EOF.
    let mut got = Vec::new();
    let _ = raw.0.read_to_end(&mut got);
    assert!(!got.starts_with(&[0x20]), "no CONNACK: {got:?}");
}

#[test]
fn a_stalled_handshake_holds_its_place_until_its_deadline() {
    let (_dir, _ca, pair) = certs();
    let server = TestServer::with(|c| {
        tls_config(&pair, c);
        c.server.connect_timeout_secs = 1;
        c.server.max_connections_per_ip = 1;
    });
    // Connected, and silent: no ClientHello.
    let mut stalled = Raw::open_to(server.tls_addr.unwrap());
    std::thread::sleep(Duration::from_millis(200));
    // The one place of this address is taken: a plain connection is refused.
    let mut refused = Raw::open_to(server.addr);
    refused.send(ConnectPacket::new("emqttd_reg_second"));
    refused.wait_closed();
    // The handshake's deadline closes the stalled one and frees the place.
    let started = std::time::Instant::now();
    stalled.wait_closed();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "closed at its deadline"
    );
    std::thread::sleep(Duration::from_millis(100));
    Raw::connect_to(server.addr, "emqttd_reg_third", 30);
}

#[tokio::test]
async fn a_minimum_of_tls_1_3_refuses_a_tls_1_2_client() {
    let (_dir, ca, pair) = certs();
    let server = TestServer::with(|c| {
        tls_config(&pair, c);
        c.tls.min_version = TlsVersion::V1_3;
    });
    let tls = server.tls_addr.unwrap();
    let name = || rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let old = tokio_rustls::TlsConnector::from(ca.client_config_for(&[&rustls::version::TLS12]));
    let tcp = tokio::net::TcpStream::connect(tls).await.unwrap();
    assert!(old.connect(name(), tcp).await.is_err(), "TLS 1.2 refused");
    let new = tokio_rustls::TlsConnector::from(ca.client_config_for(&[&rustls::version::TLS13]));
    let tcp = tokio::net::TcpStream::connect(tls).await.unwrap();
    new.connect(name(), tcp).await.expect("TLS 1.3 served");
}

#[test]
fn the_plain_listener_can_be_off() {
    let (dir, ca, pair) = certs();
    let mut config = Config::default();
    config.server.mqtt_listen = String::new();
    config.server.workers = 1;
    config.storage.path = dir.path().join("roster.db");
    config.sms.outbox = dir.path().join("sms-outbox.jsonl");
    config.voice.outbox = dir.path().join("voice-outbox.jsonl");
    tls_config(&pair, &mut config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    actix_rt::System::new().block_on(async move {
        let listeners = Listeners {
            tls: Some(listener),
            ..Listeners::default()
        };
        let server = Server::start_with(listeners, config).expect("starts with TLS only");
        assert_eq!(
            (server.bound().mqtt, server.bound().tls),
            (None, Some(addr))
        );
        assert_eq!(server.local_addr(), addr);
        let mut dev = crate::support::harness::connect(ca.tls_options(addr, "emqttd_reg_only"))
            .await
            .expect("CONNACK over TLS");
        assert_eq!(
            term(&dev.request(unknown_request()).await),
            invalid_data_term()
        );
        server.shutdown().await;
    });
}

#[tokio::test]
async fn behind_a_load_balancer_the_proxy_header_comes_before_the_tls_handshake() {
    let (_dir, ca, pair) = certs();
    let server = TestServer::with(|c| {
        tls_config(&pair, c);
        c.server.proxy_protocol = true;
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.server.max_connections_per_ip = 1;
    });
    let tls = server.tls_addr.unwrap();
    let connector = tokio_rustls::TlsConnector::from(ca.client_config());
    let name = || rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut held = Vec::new();
    // Two clients behind the one balancer address: the per-address cap of 1 counts
    // the addresses their headers name, so both are served.
    for client in ["127.0.0.7", "127.0.0.8"] {
        let mut tcp = tokio::net::TcpStream::connect(tls).await.unwrap();
        let header = format!("PROXY TCP4 {client} 127.0.0.1 40000 {}\r\n", tls.port());
        tokio::io::AsyncWriteExt::write_all(&mut tcp, header.as_bytes())
            .await
            .unwrap();
        let mut stream = connector
            .connect(name(), tcp)
            .await
            .expect("TLS after the header");
        let mut connect = Vec::new();
        ConnectPacket::new(format!("emqttd_reg_{}", &client[8..]))
            .encode(&mut connect)
            .unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut stream, &connect)
            .await
            .unwrap();
        let mut connack = [0u8; 4];
        tokio::io::AsyncReadExt::read_exact(&mut stream, &mut connack)
            .await
            .unwrap();
        assert_eq!(connack, [0x20, 0x02, 0x00, 0x00], "CONNACK 0 for {client}");
        held.push(stream);
    }
}

/// The `[tls]` section for the binary, serving `pair` on port 0.
fn binary_tls_section(pair: &ServerPair) -> String {
    format!(
        "[tls]\nmqtt_listen = \"127.0.0.1:0\"\ncert = {:?}\nkey = {:?}\n",
        pair.cert.display().to_string(),
        pair.key.display().to_string()
    )
}

#[tokio::test]
async fn sighup_rotates_the_certificate_for_new_handshakes_and_keeps_open_connections() {
    let (dir, ca, first) = certs();
    let second = ca.server_pair("second");
    let config = write_config(dir.path(), &binary_tls_section(&first));
    let roster = Roster::start(&config, "info");
    let tls = roster.listening_on("MQTT over TLS");
    assert_eq!(served_certificate(&ca, tls).await, first.der);
    let mut open = crate::support::harness::connect(ca.tls_options(tls, "emqttd_reg_hup"))
        .await
        .unwrap();
    assert_eq!(
        term(&open.request(unknown_request()).await),
        invalid_data_term()
    );

    // The files are replaced in place, as a certificate renewal does, then SIGHUP.
    std::fs::copy(&second.cert, &first.cert).unwrap();
    std::fs::copy(&second.key, &first.key).unwrap();
    roster.signal("HUP");
    roster.wait_for_line("SIGHUP: TLS certificate re-read");
    assert_eq!(
        served_certificate(&ca, tls).await,
        second.der,
        "new handshakes"
    );
    assert_eq!(
        term(&open.request(unknown_request()).await),
        invalid_data_term(),
        "the open connection still works"
    );

    // A bad file on the next SIGHUP: logged, and the pair in use stays.
    std::fs::write(&first.cert, "not a certificate\n").unwrap();
    roster.signal("HUP");
    let warned = roster.wait_for_line("keeping the certificate in use");
    assert!(warned.contains("tls-first.crt"), "{warned}");
    assert_eq!(served_certificate(&ca, tls).await, second.der);
    let (status, _) = roster.terminate();
    assert!(status.success());
}

#[test]
fn a_bad_certificate_at_start_up_exits_2_naming_it() {
    let (dir, _ca, pair) = certs();
    std::fs::write(&pair.cert, "-----BEGIN NOTHING-----\n").unwrap();
    let config = write_config(dir.path(), &binary_tls_section(&pair));
    let (status, stderr) = start_fails(&config);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&pair.cert.display().to_string()),
        "{stderr}"
    );
    // A key that is not the certificate's: the key file is named.
    let (dir, ca, pair) = certs();
    let other = ca.server_pair("other");
    std::fs::copy(&other.key, &pair.key).unwrap();
    let config = write_config(dir.path(), &binary_tls_section(&pair));
    let (status, stderr) = start_fails(&config);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&pair.key.display().to_string()), "{stderr}");
}
