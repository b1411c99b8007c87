//! Test harness: start a server on port 0 in its own actix system, connect rumqttc
//! clients, wait for packets by event (with a deadline only as a failure bound).

use std::{net::SocketAddr, thread::JoinHandle, time::Duration};

use actix::Addr;
use roster_server::{config::Config, registry::Registry, server::Server, session::Session};
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, Packet, Publish,
};
use tempfile::TempDir;

/// How long any single expected event may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A server running for one test.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its registry, to inspect who is connected.
    pub registry: Addr<Registry<Session>>,
    /// The data folder, removed when the test ends.
    pub dir: TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A server with the default configuration.
    pub fn start() -> Self {
        Self::with(|_| {})
    }

    /// A server whose configuration `edit` adjusts.
    pub fn with(edit: impl FnOnce(&mut Config)) -> Self {
        Self::in_dir(tempfile::tempdir().expect("temp dir"), edit)
    }

    /// Stops this server and starts a new one on the same data folder.
    pub fn restart(mut self, edit: impl FnOnce(&mut Config)) -> Self {
        self.stop_now();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        Self::in_dir(dir, edit)
    }

    /// A server keeping its database and outboxes in `dir`.
    pub fn in_dir(dir: TempDir, edit: impl FnOnce(&mut Config)) -> Self {
        Self::listening(dir, "127.0.0.1:0", edit)
    }

    /// A server listening on `bind` (say `[::1]:0`), its data in `dir`.
    pub fn listening(dir: TempDir, bind: &str, edit: impl FnOnce(&mut Config)) -> Self {
        super::logs::install();
        let mut config = Config::default();
        config.server.workers = 2;
        config.storage.path = dir.path().join("roster.db");
        config.sms.outbox = dir.path().join("sms-outbox.jsonl");
        config.voice.outbox = dir.path().join("voice-outbox.jsonl");
        edit(&mut config);
        let listener = std::net::TcpListener::bind(bind).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let server = Server::start(listener, config).expect("server starts");
                let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
                ready_tx
                    .send((stop_tx, server.shared().registry.clone()))
                    .expect("test alive");
                let _ = stop_rx.await;
                server.shutdown().await;
            });
        });
        let (stop, registry) = ready_rx.recv().expect("server started");
        TestServer {
            addr,
            registry,
            dir,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Options for a client of this server.
    pub fn options(&self, client_id: &str) -> MqttOptions {
        options(self.addr, client_id)
    }

    /// Connects and waits for CONNACK; Err is the refusal code or connection error.
    pub async fn connect(&self, opts: MqttOptions) -> Result<Client, ConnectionError> {
        connect(opts).await
    }

    /// Connects a logged-in client with its token; clean_session=false.
    pub async fn login(&self, client_id: &str, token: &str) -> Client {
        let mut o = self.options(client_id);
        o.set_credentials("ignored", token);
        o.set_clean_session(false);
        self.connect(o)
            .await
            .unwrap_or_else(|e| panic!("{client_id} refused: {e:?}"))
    }

    /// Connects a registering client that must be accepted.
    pub async fn reg(&self, client_id: &str) -> Client {
        self.connect(self.options(client_id))
            .await
            .unwrap_or_else(|e| panic!("{client_id} refused: {e:?}"))
    }

    /// The refusal code of a CONNECT that must be refused.
    pub async fn refused(&self, opts: MqttOptions) -> ConnectReturnCode {
        match self.connect(opts).await {
            Err(ConnectionError::ConnectionRefused(code)) => code,
            Err(e) => panic!("expected a CONNACK refusal, got {e:?}"),
            Ok(_) => panic!("expected a refusal, got CONNACK 0"),
        }
    }
}

impl TestServer {
    /// Graceful shutdown, waited for.
    pub fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// The JSON lines of an outbox ("sms" or "voice").
    pub fn outbox(&self, channel: &str) -> Vec<serde_json::Value> {
        let path = self.dir.path().join(format!("{channel}-outbox.jsonl"));
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("outbox line is JSON"))
            .collect()
    }

    /// The last code sent by SMS to `phone` (digits).
    pub fn last_sms_code(&self, phone: &str) -> String {
        self.outbox("sms")
            .iter()
            .rev()
            .find(|l| l["phone"] == phone)
            .and_then(|l| l["code"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no SMS to {phone} in the outbox"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Options for a client of the server at `addr`.
pub fn options(addr: SocketAddr, client_id: &str) -> MqttOptions {
    let mut o = MqttOptions::new(client_id, addr.ip().to_string(), addr.port());
    o.set_keep_alive(Duration::from_secs(30));
    o
}

/// Connects and waits for CONNACK; Err is the refusal code or connection error.
pub async fn connect(opts: MqttOptions) -> Result<Client, ConnectionError> {
    let id = opts.client_id();
    let (client, mut events) = AsyncClient::new(opts, 64);
    // Without it, Nagle and delayed ACKs make each request/reply round trip ~40 ms.
    let mut net = events.network_options();
    net.set_tcp_nodelay(true);
    events.set_network_options(net);
    let session_present = loop {
        match tokio::time::timeout(DEADLINE, events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::ConnAck(ack)))) => break ack.session_present,
            Ok(Ok(_)) => continue,
            Ok(Err(e)) => return Err(e),
            Err(_) => panic!("no CONNACK within {DEADLINE:?}"),
        }
    };
    Ok(Client {
        id,
        client,
        events,
        session_present,
    })
}

/// A connected rumqttc client and its event loop.
pub struct Client {
    /// Its ClientId.
    pub id: String,
    /// Sends requests.
    pub client: AsyncClient,
    /// Must be polled for anything to happen.
    pub events: EventLoop,
    /// The CONNACK's session-present flag.
    pub session_present: bool,
}

impl Client {
    /// Polls until `pick` accepts an incoming packet; fails the test after DEADLINE.
    pub async fn wait_for<T>(&mut self, mut pick: impl FnMut(&Packet) -> Option<T>) -> T {
        loop {
            match tokio::time::timeout(DEADLINE, self.events.poll()).await {
                Ok(Ok(Event::Incoming(p))) => {
                    if let Some(t) = pick(&p) {
                        return t;
                    }
                }
                Ok(Ok(Event::Outgoing(_))) => {}
                Ok(Err(e)) => panic!("connection failed while waiting: {e:?}"),
                Err(_) => panic!("nothing matching within {DEADLINE:?}"),
            }
        }
    }

    /// Publishes a request (QoS 1) and returns the payload of the next reply.
    pub async fn request(&mut self, payload: Vec<u8>) -> Vec<u8> {
        self.client
            .publish(
                events_topic(&self.id),
                rumqttc::QoS::AtLeastOnce,
                false,
                payload,
            )
            .await
            .expect("publish");
        self.next_publish().await.payload.to_vec()
    }

    /// The next PUBLISH to this client.
    pub async fn next_publish(&mut self) -> Publish {
        self.wait_for(|p| match p {
            Packet::Publish(p) => Some(p.clone()),
            _ => None,
        })
        .await
    }

    /// Polls until the connection ends; returns the error that ended it.
    pub async fn closed(&mut self) -> ConnectionError {
        loop {
            match tokio::time::timeout(DEADLINE, self.events.poll()).await {
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => return e,
                Err(_) => panic!("connection still open after {DEADLINE:?}"),
            }
        }
    }
}

/// The ETF bytes of `{io,{error,invalid_data},<<>>}` as a term, for comparisons.
pub fn invalid_data_term() -> eetf::Term {
    use eetf::{Atom, Binary, Term, Tuple};
    Term::from(Tuple::from(vec![
        Term::from(Atom::from("io")),
        Term::from(Tuple::from(vec![
            Term::from(Atom::from("error")),
            Term::from(Atom::from("invalid_data")),
        ])),
        Term::from(Binary::from(Vec::new())),
    ]))
}

/// Decodes a reply payload.
pub fn term(payload: &[u8]) -> eetf::Term {
    eetf::Term::decode(payload).expect("reply is valid ETF")
}

/// The ETF of an unknown record `{hello}`: always answered with invalid_data.
pub fn unknown_request() -> Vec<u8> {
    let mut buf = Vec::new();
    eetf::Term::from(eetf::Tuple::from(vec![eetf::Term::from(eetf::Atom::from(
        "hello",
    ))]))
    .encode(&mut buf)
    .expect("encode");
    buf
}

/// The events topic a client publishes requests to.
pub fn events_topic(client_id: &str) -> String {
    format!("events/1//api/anon/{client_id}/")
}

/// This process's resident set size in KiB (the in-process servers run in it).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
