//! A tiny HTTP/1 server on 127.0.0.1 for provider tests: records every request
//! and answers from a script (a status, a 429 with `Retry-After`, or never).

use std::{
    collections::VecDeque,
    convert::Infallible,
    sync::{Arc, Mutex},
};

use http_body_util::{BodyExt, Full};
use hyper::{
    body::Bytes, header::HeaderMap, server::conn::http1, service::service_fn, Request, Response,
};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, sync::watch};

/// How the server answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// This status, empty body.
    Status(u16),
    /// This status with `Retry-After: secs`.
    RetryAfter(u16, u64),
    /// Reads the request, records it, never answers.
    Hang,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The HTTP method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// All request headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Seen {
    /// A header as text, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A running test server.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Requests in arrival order.
    seen: Arc<Mutex<Vec<Seen>>>,
    /// How many requests have arrived, for tests that wait on it.
    count: watch::Receiver<usize>,
}

impl TestServer {
    /// Binds a free port and serves on the current runtime; answers follow
    /// `script` in order, then 200.
    pub async fn start(script: Vec<Answer>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Mutex::new(VecDeque::from(script));
        let (counter, count) = watch::channel(0);
        let state = Arc::new(State {
            seen: Arc::clone(&seen),
            script,
            counter,
        });
        actix_rt::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&state);
                let service = service_fn(move |req| answer(req, Arc::clone(&state)));
                actix_rt::spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        TestServer { url, seen, count }
    }

    /// Resolves once at least `n` requests have arrived.
    pub async fn wait_for(&self, n: usize) {
        let mut count = self.count.clone();
        count.wait_for(|c| *c >= n).await.unwrap();
    }

    /// Everything received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// What the connections of one server share.
struct State {
    /// Requests in arrival order.
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Answers still to give.
    script: Mutex<VecDeque<Answer>>,
    /// Publishes the number of requests seen.
    counter: watch::Sender<usize>,
}

async fn answer(
    req: Request<hyper::body::Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let next = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Answer::Status(200));
    let total = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            method: parts.method.to_string(),
            target,
            headers: parts.headers,
            body,
        });
        seen.len()
    };
    state.counter.send_replace(total);
    let mut response = Response::new(Full::new(Bytes::new()));
    match next {
        Answer::Status(code) => *response.status_mut() = code.try_into().unwrap(),
        Answer::RetryAfter(code, secs) => {
            *response.status_mut() = code.try_into().unwrap();
            response.headers_mut().insert("retry-after", secs.into());
        }
        Answer::Hang => std::future::pending::<()>().await,
    }
    Ok(response)
}
