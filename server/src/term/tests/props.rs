//! Property tests: requests and replies round-trip.

use proptest::prelude::*;

use super::model::{auth_term, profile_term, reply_term, style, Pick};
use super::strategies::{auth_record, auth_request, profile_request, reply};
use super::support::etf;
use crate::term::{encode, read, AuthSlots, Limits, Record, Reply};

proptest! {
    #[test]
    fn auth_requests_round_trip(r in auth_request(), seed in 1u64..) {
        let mut p = Pick(seed);
        let bytes = etf(&auth_term(&r, &mut p), style(&mut p));
        prop_assert_eq!(read(&bytes, &Limits::default()), Ok(Record::Auth(r)));
    }

    #[test]
    fn profile_requests_round_trip(r in profile_request(), seed in 1u64..) {
        let mut p = Pick(seed);
        let bytes = etf(&profile_term(&r, &mut p), style(&mut p));
        prop_assert_eq!(read(&bytes, &Limits::default()), Ok(Record::Profile(r)));
    }

    #[test]
    fn replies_encode_the_term_they_stand_for(r in reply()) {
        let bytes = encode(&r);
        let want = reply_term(&r);
        prop_assert_eq!(eetf::Term::decode(&bytes[..]).ok(), Some(want.clone()));
        let ours = crate::term::bounded::decode_term(&bytes, &Limits::default());
        prop_assert_eq!(ours.ok(), Some(want));
    }

    #[test]
    fn auth_replies_read_back_as_auth_requests(a in auth_record()) {
        let bytes = encode(&Reply::Auth(a.clone()));
        let want = AuthSlots {
            token: a.token,
            dev_key: a.dev_key,
            user_id: a.user_id,
            phone: a.phone,
            client_id: a.client_id,
            kind: a.kind,
            sms_code: a.sms_code,
            attempts: Some(a.attempts).filter(|&v| v != 0),
            services: a.services,
            push: a.push,
            comments: a.comments,
            os: a.os,
            created: a.created,
            last_online: a.last_online,
        };
        prop_assert_eq!(read(&bytes, &Limits::default()), Ok(Record::Auth(want)));
    }
}
