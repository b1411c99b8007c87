//! `roster load --tls` and `--ws` against mosquitto's TLS and WebSocket listeners
//! (started here, with a CA and a server certificate made by rcgen): `relay` over TLS
//! (`--ca`, and `--insecure`), over ws:// and over wss://, and a certificate from
//! another CA refused as a TLS handshake failure.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use clap::Parser;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use roster_load::{self as load, LoadArgs, Report};

/// Debian's broker.
const MOSQUITTO: &str = "/usr/sbin/mosquitto";

/// A CA and a server certificate it signed (for `localhost` and 127.0.0.1), as PEM
/// files in `dir`: (ca.pem, server.pem, server.key).
fn certificates(dir: &Path, ca_name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("server key");
    let mut server = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("server params");
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = server.signed_by(&key, &issuer).expect("server certificate");
    let paths = (
        dir.join(format!("{ca_name}.pem")),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).expect("write CA");
    std::fs::write(&paths.1, cert.pem()).expect("write certificate");
    std::fs::write(&paths.2, key.serialize_pem()).expect("write key");
    paths
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// mosquitto with a plain, a TLS, a WebSocket and a wss listener, killed on drop.
struct Broker {
    /// The child.
    child: Child,
    /// The TLS listener.
    tls: SocketAddr,
    /// The WebSocket listener.
    ws: SocketAddr,
    /// The WebSocket-over-TLS listener.
    wss: SocketAddr,
    /// Config and certificates.
    dir: tempfile::TempDir,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn broker() -> Option<Broker> {
    if !Path::new(MOSQUITTO).exists() {
        if std::env::var("ROSTER_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("{MOSQUITTO} is required (ROSTER_REQUIRE_TOOLS=1); .ci/run installs it");
        }
        eprintln!("SKIPPED: {MOSQUITTO} not available (see .ci/run)");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, cert, key) = certificates(dir.path(), "ca");
    // mosquitto started as root reads its files as the `mosquitto` user.
    for p in [dir.path(), &cert, &key] {
        use std::os::unix::fs::PermissionsExt;
        let mode = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let [plain, tls, ws, wss] = [(); 4].map(|()| free_port());
    let files = format!("certfile {}\nkeyfile {}\n", cert.display(), key.display());
    // mosquitto 2.0 starts no WebSocket listener without another one (hence the plain
    // listener), and binds them to every address whatever it is given.
    let conf = format!(
        "per_listener_settings false\nallow_anonymous true\nset_tcp_nodelay true\n\
         listener {plain} 127.0.0.1\n\
         listener {tls} 127.0.0.1\n{files}\
         listener {ws} 127.0.0.1\nprotocol websockets\n\
         listener {wss} 127.0.0.1\nprotocol websockets\n{files}"
    );
    let conf_path = dir.path().join("mosquitto.conf");
    std::fs::write(&conf_path, conf).expect("config");
    let child = Command::new(MOSQUITTO)
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto starts");
    let at = |port| SocketAddr::from(([127, 0, 0, 1], port));
    let until = Instant::now() + Duration::from_secs(10);
    for port in [plain, tls, ws, wss] {
        while TcpStream::connect(at(port)).is_err() {
            assert!(
                Instant::now() < until,
                "mosquitto does not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    Some(Broker {
        child,
        tls: at(tls),
        ws: at(ws),
        wss: at(wss),
        dir,
    })
}

/// `roster load relay` to `server`: 4 devices, 100 messages at QoS 1, then `extra`.
async fn relay(server: SocketAddr, extra: &[&str]) -> Report {
    let server = server.to_string();
    let mut argv = vec![
        "load",
        "relay",
        "--server",
        &server,
        "--timeout",
        "5",
        "--clients",
        "4",
        "--requests",
        "100",
    ];
    argv.extend_from_slice(extra);
    let args = LoadArgs::try_parse_from(argv).expect("arguments parse");
    load::run(args).await.expect("load run starts")
}

fn assert_relayed(report: &Report) {
    assert_eq!(report.completed, 100, "{report}");
    assert!(report.errors.is_empty(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_over_tls_with_the_ca_and_insecure() {
    let Some(b) = broker() else { return };
    let ca = b.dir.path().join("ca.pem");
    let ca = ca.to_str().expect("utf-8 path");
    // The certificate lists 127.0.0.1, the address --server names.
    assert_relayed(&relay(b.tls, &["--tls", "--ca", ca]).await);
    assert_relayed(&relay(b.tls, &["--tls", "--ca", ca, "--tls-name", "localhost"]).await);
    assert_relayed(&relay(b.tls, &["--tls", "--insecure"]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_over_websocket_and_websocket_over_tls() {
    let Some(b) = broker() else { return };
    let ca = b.dir.path().join("ca.pem");
    let ca = ca.to_str().expect("utf-8 path");
    assert_relayed(&relay(b.ws, &["--ws", "--ws-path", "/mqtt"]).await);
    let wss = ["--ws", "--tls", "--ca", ca, "--tls-name", "localhost"];
    assert_relayed(&relay(b.wss, &wss).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_another_ca_is_a_handshake_failure() {
    let Some(b) = broker() else { return };
    let other = tempfile::tempdir().expect("temp dir");
    let (other_ca, _, _) = certificates(other.path(), "other-ca");
    let other_ca = other_ca.to_str().expect("utf-8 path");
    let server = b.tls.to_string();
    let argv = [
        "load",
        "relay",
        "--server",
        &server,
        "--timeout",
        "2",
        "--clients",
        "2",
        "--requests",
        "10",
        "--setup-timeout",
        "3",
        "--tls",
        "--ca",
        other_ca,
    ];
    let report = load::run(LoadArgs::try_parse_from(argv).expect("parses"))
        .await
        .expect("the run starts");
    assert_eq!(report.completed, 0, "{report}");
    let setup = report.setup.as_ref().expect("start-up figures");
    assert!(
        setup
            .errors
            .keys()
            .any(|k| k.contains("TLS handshake failed")),
        "{report}"
    );
    // A plain device on the TLS port gets no CONNACK either.
    let argv = [
        "load",
        "relay",
        "--server",
        &server,
        "--timeout",
        "2",
        "--clients",
        "2",
        "--requests",
        "10",
        "--setup-timeout",
        "3",
    ];
    let plain = load::run(LoadArgs::try_parse_from(argv).expect("parses"))
        .await
        .expect("the run starts");
    assert_eq!(plain.completed, 0, "{plain}");
}
