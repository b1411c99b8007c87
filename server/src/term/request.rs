//! `Request`: a decoded payload, typed; `Request::try_from(term)` and `decode`.

use eetf::{Atom, Term, Tuple};

use super::auth::{self, AuthRequest};
use super::bounded::decode_term;
use super::profile::{self, ProfileRequest};
use super::{InvalidData, Limits};

/// A client request, as the router sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// An `'Auth'` tuple (10 to 15 elements).
    Auth(AuthRequest),
    /// A `'Profile'` tuple (6 to 8 elements).
    Profile(ProfileRequest),
}

impl TryFrom<Term> for Request {
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
            "Auth" => auth::parse(fields).map(Request::Auth),
            "Profile" => profile::parse(fields).map(Request::Profile),
            _ => Err(InvalidData::new("unknown record")),
        }
    }
}

/// Decodes one untrusted PUBLISH payload into a request, within `limits`.
///
/// Any input at all yields `Ok` or `InvalidData`: no panic, no allocation past
/// the limits (see [`Limits`]).
pub fn decode(payload: &[u8], limits: &Limits) -> Result<Request, InvalidData> {
    Request::try_from(decode_term(payload, limits)?)
}
