//! The WebSocket handshake's rules (RFC 6455, MQTT 3.1.1 section 6): the request
//! path, the browser's `Origin`, and the subprotocol, checked by tungstenite's
//! handshake callback; and the frame limits a connection then lives under.
//!
//! Refusals are HTTP answers before the upgrade: 404 for another path, 403 for an
//! origin not listed, 400 for a request offering neither `mqtt` nor `mqttv3.1`
//! ([MQTT-6.0.0-3]: a client must offer `mqtt`; the server selects it). A request
//! with no `Origin` is not a browser's and is let through: any other client can
//! write whatever `Origin` it likes, so the list only protects browsers. tungstenite
//! refuses a handshake request over 64 KiB; the listener's deadline bounds its time.

use tokio_tungstenite::tungstenite::{
    handshake::server::{ErrorResponse, Request, Response},
    http::{header, HeaderValue, StatusCode},
    protocol::WebSocketConfig as FrameLimits,
};

use super::config::WebSocketConfig;

/// The subprotocols roster speaks, preferred first: MQTT 3.1.1's name, then the one
/// MQTT 3.1 clients offer.
const SUBPROTOCOLS: [&str; 2] = ["mqtt", "mqttv3.1"];

/// Bytes tungstenite reads at once, allocated for each connection's life: small,
/// since most are idle (its default of 128 KiB would be most of an idle session).
const READ_BUFFER: usize = 4096;

/// What a handshake request must show.
#[derive(Debug, Clone)]
pub struct WsRules {
    /// The path to ask for.
    path: String,
    /// `Origin` values admitted; empty admits any.
    origins: Vec<String>,
}

impl WsRules {
    /// The rules `[websocket]` sets.
    pub fn new(config: &WebSocketConfig) -> WsRules {
        WsRules {
            path: config.path.clone(),
            origins: config.allowed_origins.clone(),
        }
    }

    /// tungstenite's callback: the response with the chosen subprotocol, or the HTTP
    /// refusal. (The result's shape is the callback's, large error and all.)
    #[allow(clippy::result_large_err)]
    pub fn check(
        &self,
        request: &Request,
        mut response: Response,
    ) -> Result<Response, ErrorResponse> {
        if request.uri().path() != self.path {
            return Err(refusal(StatusCode::NOT_FOUND, "no MQTT here: wrong path"));
        }
        if !self.origins.is_empty() {
            if let Some(origin) = request.headers().get(header::ORIGIN) {
                let listed = self
                    .origins
                    .iter()
                    .any(|o| o.as_bytes() == origin.as_bytes());
                if !listed {
                    return Err(refusal(StatusCode::FORBIDDEN, "origin not allowed"));
                }
            }
        }
        let Some(chosen) = subprotocol(request) else {
            return Err(refusal(
                StatusCode::BAD_REQUEST,
                "the WebSocket subprotocol must be mqtt",
            ));
        };
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(chosen),
        );
        Ok(response)
    }
}

/// The subprotocol to answer with: the first of ours the request offers.
fn subprotocol(request: &Request) -> Option<&'static str> {
    let offered: Vec<&str> = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    SUBPROTOCOLS
        .into_iter()
        .find(|ours| offered.iter().any(|o| o.eq_ignore_ascii_case(ours)))
}

fn refusal(status: StatusCode, why: &str) -> ErrorResponse {
    let mut r = ErrorResponse::new(Some(why.to_owned()));
    *r.status_mut() = status;
    r
}

/// Frame and message limits: none above `max_packet_size` (an oversize frame is
/// refused from its header, before its payload is read), frames written at once,
/// and what tungstenite keeps unwritten bounded by `max_write_buffer`.
pub fn frame_limits(max_packet_size: u32, max_write_buffer: u64) -> FrameLimits {
    let max = max_packet_size as usize;
    let kept = usize::try_from(max_write_buffer).unwrap_or(usize::MAX);
    FrameLimits::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(kept.saturating_mul(2).saturating_add(64))
        .max_frame_size(Some(max))
        .max_message_size(Some(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(origins: &[&str]) -> WsRules {
        WsRules::new(&WebSocketConfig {
            allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
            ..WebSocketConfig::default()
        })
    }

    fn request(path: &str, protocols: Option<&str>, origin: Option<&str>) -> Request {
        let mut r = Request::builder().uri(path);
        if let Some(p) = protocols {
            r = r.header("Sec-WebSocket-Protocol", p);
        }
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        r.body(()).unwrap()
    }

    fn answer(rules: &WsRules, req: &Request) -> Result<String, u16> {
        match rules.check(req, Response::new(())) {
            Ok(r) => Ok(r.headers()["sec-websocket-protocol"]
                .to_str()
                .unwrap()
                .into()),
            Err(e) => Err(e.status().as_u16()),
        }
    }

    #[test]
    fn picks_mqtt_then_mqttv31_and_refuses_neither() {
        let any = rules(&[]);
        assert_eq!(
            answer(&any, &request("/mqtt", Some("mqtt"), None)),
            Ok("mqtt".into())
        );
        let both = request("/mqtt", Some("mqttv3.1, mqtt"), None);
        assert_eq!(answer(&any, &both), Ok("mqtt".into()), "mqtt preferred");
        let old = request("/mqtt", Some("wamp, mqttv3.1"), None);
        assert_eq!(answer(&any, &old), Ok("mqttv3.1".into()));
        assert_eq!(
            answer(&any, &request("/mqtt", Some("wamp"), None)),
            Err(400)
        );
        assert_eq!(answer(&any, &request("/mqtt", None, None)), Err(400));
    }

    #[test]
    fn the_path_must_match() {
        let any = rules(&[]);
        assert_eq!(answer(&any, &request("/", Some("mqtt"), None)), Err(404));
        assert_eq!(
            answer(&any, &request("/mqtt/x", Some("mqtt"), None)),
            Err(404)
        );
        let query = request("/mqtt?client=1", Some("mqtt"), None);
        assert_eq!(
            answer(&any, &query),
            Ok("mqtt".into()),
            "a query is no path"
        );
    }

    #[test]
    fn origins_match_exactly_when_listed() {
        let listed = rules(&["https://app.example", "null"]);
        let ok = request("/mqtt", Some("mqtt"), Some("https://app.example"));
        assert_eq!(answer(&listed, &ok), Ok("mqtt".into()));
        let file = request("/mqtt", Some("mqtt"), Some("null"));
        assert_eq!(answer(&listed, &file), Ok("mqtt".into()), "a file:// page");
        for bad in [
            "https://evil.example",
            "https://app.example:443",
            "HTTPS://APP.EXAMPLE",
        ] {
            let req = request("/mqtt", Some("mqtt"), Some(bad));
            assert_eq!(answer(&listed, &req), Err(403), "{bad}");
        }
        let native = request("/mqtt", Some("mqtt"), None);
        assert_eq!(
            answer(&listed, &native),
            Ok("mqtt".into()),
            "no Origin: not a browser"
        );
        let any = rules(&[]);
        let req = request("/mqtt", Some("mqtt"), Some("https://evil.example"));
        assert_eq!(
            answer(&any, &req),
            Ok("mqtt".into()),
            "empty list admits any"
        );
    }

    #[test]
    fn limits_follow_the_packet_size() {
        let l = frame_limits(1024, 4096);
        assert_eq!(
            (l.max_frame_size, l.max_message_size),
            (Some(1024), Some(1024))
        );
        assert_eq!((l.read_buffer_size, l.write_buffer_size), (READ_BUFFER, 0));
    }
}
