//! What every simulated device shares: the run's context (options, source addresses,
//! the connect limiter, ids), and the two timed primitives all scenarios are built
//! from: connect, and request → reply.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use mqtt::TopicName;
use tokio::sync::Semaphore;

use super::{
    args::LoadArgs,
    client::{self, ClientError, Conn, ConnectOpts},
    codes::Codes,
    etf::{self, ReplyKind},
    link::Transport,
    plan::Sources,
    stats::Stats,
};

/// Ports tried for one connection before giving up on a source address.
const PORT_TRIES: u32 = 32;

fn port_taken(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::AddrInUse | std::io::ErrorKind::AddrNotAvailable
    )
}

/// Why a step failed; its `kind` goes to the report.
#[derive(Debug)]
pub enum StepError {
    /// No answer within `--timeout`.
    Timeout,
    /// The connection failed or was refused.
    Client(ClientError),
    /// An answer, but not the one the step needs.
    Unexpected(ReplyKind),
}

impl StepError {
    /// The report's name for this error at `step`.
    pub fn kind(&self, step: &str) -> String {
        match self {
            Self::Timeout => format!("timeout ({step})"),
            Self::Client(e) => format!("{} ({step})", e.kind()),
            Self::Unexpected(ReplyKind::Error(atom)) => {
                format!("error reply {{error,{atom}}} ({step})")
            }
            Self::Unexpected(other) => format!("unexpected reply {} ({step})", other.label()),
        }
    }
}

impl From<ClientError> for StepError {
    fn from(e: ClientError) -> Self {
        Self::Client(e)
    }
}

/// The run, as every device sees it.
pub struct RunContext {
    /// The options.
    pub args: LoadArgs,
    /// Where connections come from.
    sources: Sources,
    /// How they reach the server (TCP, TLS, WebSocket).
    transport: Transport,
    /// Connection attempts in flight at once.
    connecting: Semaphore,
    /// Devices registering at once during start-up (the server answers `unavailable`
    /// when its store queue overflows).
    setup: Semaphore,
    /// Where verification codes come from.
    pub codes: Codes,
    /// Distinguishes this run's ClientIds and phones from earlier runs'.
    pub run: u64,
    /// Next registration number.
    seq: AtomicU64,
    /// Time zero for timestamps carried in relay payloads.
    pub epoch: Instant,
}

impl RunContext {
    /// The context for `args`, whose devices reach the server over `transport`.
    pub fn new(args: LoadArgs, transport: Transport) -> Self {
        let sources = Sources::new(args.server, args.clients, args.source_ips);
        let codes = match &args.outbox {
            Some(path) => Codes::outbox(path.clone()),
            None => Codes::fixed(&args.code),
        };
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() % 1000);
        Self {
            connecting: Semaphore::new(args.max_connecting),
            setup: Semaphore::new(args.setup_concurrency),
            sources,
            transport,
            codes,
            run,
            seq: AtomicU64::new(0),
            epoch: Instant::now(),
            args,
        }
    }

    /// Waits for a start-up turn; held while one device registers.
    pub async fn setup_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.setup.acquire().await.ok()
    }

    /// Step timeout.
    pub fn timeout(&self) -> Duration {
        self.args.step_timeout()
    }

    /// A fresh registration number, unique within the run.
    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// The registering ClientId and phone of registration `seq`.
    pub fn identity(&self, seq: u64) -> (String, String) {
        let prefix = &self.args.phone_prefix;
        let width = 15 - prefix.len().min(9);
        let modulus = 10u64.pow(width.min(18) as u32);
        let number = (self.run * 10_000_000 + seq) % modulus;
        (
            format!("emqttd_reg_ld{}_{seq}", self.run),
            format!("{prefix}{number:0width$}"),
        )
    }

    /// Connects device `i` (its source address by index), timed as step `step` of
    /// `stats`; failures are counted there under `name`.
    pub async fn connect(
        &self,
        stats: &Stats,
        step: usize,
        name: &str,
        i: usize,
        opts: &ConnectOpts,
    ) -> Result<Conn, StepError> {
        let result: Result<Conn, StepError> = async {
            // The semaphore is never closed; a closed one would just not limit.
            let _permit = self.connecting.acquire().await.ok();
            let t0 = Instant::now();
            let attempt = async {
                let mut tries = 0;
                loop {
                    let source = self.sources.pick(i);
                    match client::connect(self.args.server, source, &self.transport, opts).await {
                        // A port of ours still in use (or its 4-tuple): the next one.
                        Err(ClientError::Io(e))
                            if source.is_some() && tries < PORT_TRIES && port_taken(&e) =>
                        {
                            tries += 1
                        }
                        other => return other,
                    }
                }
            };
            let conn = tokio::time::timeout(self.timeout(), attempt)
                .await
                .map_err(|_| StepError::Timeout)??;
            stats.record(step, t0.elapsed());
            Ok(conn)
        }
        .await;
        if let Err(e) = &result {
            stats.error(e.kind(name));
        }
        result
    }
}

/// `events/1//api/anon/<ClientId>/`: where a device publishes its requests. A
/// ClientId (say, one the server answered) that makes no valid topic is an error.
pub fn events_topic(client_id: &str) -> Result<TopicName, StepError> {
    TopicName::new(format!("events/1//api/anon/{client_id}/"))
        .map_err(|_| StepError::Client(ClientError::Protocol("ClientId unfit for a topic".into())))
}

/// Publishes one request and waits for the next reply, within `timeout`; counts the
/// reply's kind. An `{error,_}` reply is returned as is: the caller decides.
pub async fn request(
    conn: &mut Conn,
    topic: &TopicName,
    qos: u8,
    payload: &[u8],
    timeout: Duration,
    stats: &Stats,
) -> Result<ReplyKind, StepError> {
    let exchange = async {
        conn.publish(topic, qos, payload).await?;
        let reply = conn.next_publish_then_send().await?;
        Ok::<_, ClientError>(etf::classify(reply.payload()))
    };
    let kind = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| StepError::Timeout)??;
    stats.reply(kind.label());
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn identities_are_valid_and_distinct() {
        let args = LoadArgs::try_parse_from(["load", "register"]).unwrap();
        let ctx = RunContext::new(args, Transport::Tcp);
        let (id0, phone0) = ctx.identity(0);
        let (id1, phone1) = ctx.identity(1);
        assert_ne!(id0, id1);
        assert_ne!(phone0, phone1);
        assert!(
            phone0.starts_with("99900") && phone0.len() == 15,
            "{phone0}"
        );
        assert!(
            roster_server::client_id::ClientId::parse(&id0).is_ok(),
            "{id0}"
        );
    }
}
