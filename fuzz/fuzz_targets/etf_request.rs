//! Fuzz target: the ETF decode + request parse path (`term::read`, then the typed
//! request as `term::decode` makes it), as the router runs it on every PUBLISH
//! payload, and the replies built from what it returns.
//!
//! Checked besides "no panic, no abort, no runaway allocation":
//! - tighter limits never accept what the defaults refuse, and agree when both accept;
//! - the reply echoing a request's token (or an `invalid_data` reply's token) and a
//!   full `'Auth'` record built from a request are valid ETF for an Erlang client
//!   (checked with `eetf`) and decode again with our own decoder.

#![no_main]

use libfuzzer_sys::fuzz_target;
use roster_server::term::{self, AuthRecord, AuthType, IoResult, Limits, Record, Reply, Request, Tail};

fuzz_target!(|data: &[u8]| {
    let default = Limits::default();
    let tight = Limits {
        max_payload_bytes: 4096,
        max_decompressed_bytes: 4096,
        max_depth: 4,
        max_list_len: 16,
        max_elements: 64,
        ..Limits::default()
    };
    let loose = term::read(data, &default);
    let strict = term::read(data, &tight);
    if let Ok(request) = &strict {
        assert_eq!(
            loose.as_ref().ok(),
            Some(request),
            "tight accepts, default differs"
        );
    }
    if let Ok(record) = &loose {
        let _ = format!("{:?}", Request::from(record.clone()));
    }
    match loose {
        Ok(Record::Auth(req)) => {
            let _ = format!("{req:?}");
            check_reply(&Reply::Io {
                result: IoResult::Error("invalid_data"),
                tail: Tail::Auth(req.token.clone().unwrap_or_default()),
            });
            check_reply(&Reply::Auth(AuthRecord {
                token: req.token,
                dev_key: req.dev_key,
                user_id: req.user_id,
                phone: req.phone,
                client_id: req.client_id,
                kind: AuthType::List,
                sms_code: req.sms_code,
                attempts: req.attempts.unwrap_or(0),
                services: req.services,
                push: req.push,
                comments: req.comments,
                os: req.os,
                created: req.created,
                last_online: req.last_online,
            }));
        }
        Ok(Record::Profile(req)) => {
            let _ = format!("{req:?}");
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
            if let Some(token) = e.auth_token {
                check_reply(&Reply::Io {
                    result: IoResult::Error("invalid_data"),
                    tail: Tail::Auth(token),
                });
            }
        }
    }
});

/// A reply is valid ETF for an Erlang client and for our own decoder.
fn check_reply(reply: &Reply) {
    let bytes = term::encode(reply);
    eetf::Term::decode(&bytes[..]).expect("reply is valid ETF");
    let roomy = Limits {
        max_payload_bytes: usize::MAX,
        max_decompressed_bytes: usize::MAX,
        ..Limits::default()
    };
    if let Err(e) = term::decode(&bytes, &roomy) {
        // Only `'Auth'` records parse as requests; an `io` reply is refused as one.
        assert!(
            matches!(reply, Reply::Io { .. }),
            "an Auth record we encode is refused: {e}"
        );
    }
}
