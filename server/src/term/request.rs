//! A decoded payload, in two steps: [`read`] checks every slot's wire type into a
//! [`Record`] (or refuses it as `invalid_data`), and [`Request::from`] interprets the
//! slots into the typed request of the domain. [`decode`] does both.

use std::fmt;

use eetf::{Atom, Term, Tuple};
use roster_actors::profile::ProfileRequest;

use super::auth::{self, AuthTuple};
use super::auth_slots::{self, AuthSlots};
use super::bounded::decode_term;
use super::profile;
use super::profile_slots::{self, ProfileSlots};
use super::{InvalidData, Limits};

/// A payload's record, slot by slot, before interpretation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// An `'Auth'` tuple (10 to 15 elements).
    Auth(AuthSlots),
    /// A `'Profile'` tuple (6 to 8 elements).
    Profile(ProfileSlots),
}

/// A client request, as the router sees it.
#[derive(Clone, PartialEq, Eq)]
pub enum Request {
    /// An `'Auth'` request, or the error the edge answers it with.
    Auth(AuthTuple),
    /// A `'Profile'` request.
    Profile(ProfileRequest),
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::Auth(a) => a.fmt(f),
            Request::Profile(p) => p.fmt(f),
        }
    }
}

impl From<Record> for Request {
    fn from(record: Record) -> Self {
        match record {
            Record::Auth(slots) => Request::Auth(auth::typed(slots)),
            Record::Profile(slots) => Request::Profile(profile::typed(slots)),
        }
    }
}

impl TryFrom<Term> for Record {
    type Error = InvalidData;

    /// Reads an `'Auth'` or `'Profile'` record by position.
    fn try_from(term: Term) -> Result<Self, InvalidData> {
        let Term::Tuple(Tuple { elements }) = term else {
            return Err(InvalidData::new("request is not a tuple"));
        };
        let mut fields = elements.into_iter();
        let Some(first) = fields.next() else {
            return Err(InvalidData::new("request is an empty tuple"));
        };
        let Term::Atom(Atom { name }) = first else {
            return Err(InvalidData::new(
                "request tuple does not start with an atom",
            ));
        };
        match name.as_str() {
            "Auth" => auth_slots::read(fields).map(Record::Auth),
            "Profile" => profile_slots::read(fields).map(Record::Profile),
            _ => Err(InvalidData::new("unknown record")),
        }
    }
}

/// Reads one untrusted PUBLISH payload into its record, within `limits`.
///
/// Any input at all yields `Ok` or `InvalidData`: no panic, no allocation past
/// the limits (see [`Limits`]).
pub fn read(payload: &[u8], limits: &Limits) -> Result<Record, InvalidData> {
    Record::try_from(decode_term(payload, limits)?)
}

/// Decodes one untrusted PUBLISH payload into a typed request, within `limits`: every
/// slot-level refusal is `InvalidData`; the request itself may carry an Auth error.
pub fn decode(payload: &[u8], limits: &Limits) -> Result<Request, InvalidData> {
    read(payload, limits).map(Request::from)
}
