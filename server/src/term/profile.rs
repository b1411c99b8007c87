//! `'Profile'` requests: the positional reader for tuples of 6 to 8 elements and the
//! `'Roster'` entries in `accounts`. The types live in the domain crate.

use eetf::{Atom, Term, Tuple};

use super::auth::normalise_phone;
use super::value::{atom, bytes, int, integer, list, text};
use super::InvalidData;

pub use roster_actors::profile::{ProfileRequest, ProfileStatus, RosterEntry};

/// Reads the fields of a `'Profile'` tuple (`fields` excludes the `'Profile'` atom).
pub(crate) fn parse(fields: std::vec::IntoIter<Term>) -> Result<ProfileRequest, InvalidData> {
    let mut fields: Vec<Term> = fields.collect();
    if !(6..=8).contains(&(fields.len() + 1)) {
        return Err(InvalidData::new("Profile: tuple must have 6 to 8 elements"));
    }
    let status = fields
        .pop()
        .map(|t| atom(t, "Profile.status"))
        .transpose()?
        .flatten()
        .as_deref()
        .and_then(ProfileStatus::from_name)
        .ok_or_else(|| InvalidData::new("Profile.status: unknown or missing status"))?;
    let mut slots = fields.into_iter();
    let mut next = || {
        slots
            .next()
            .unwrap_or_else(|| Term::from(eetf::List::nil()))
    };
    Ok(ProfileRequest {
        phone: normalise_phone(text(next(), "Profile.phone")?),
        data: bytes(next(), "Profile.data")?,
        person_id: text(next(), "Profile.person_id")?,
        accounts: list(next(), "Profile.accounts")?
            .into_iter()
            .map(account)
            .collect::<Result<_, _>>()?,
        update: int(next(), "Profile.update")?,
        presence: atom(next(), "Profile.presence")?,
        status,
    })
}

fn account(term: Term) -> Result<RosterEntry, InvalidData> {
    if let Some(id) = integer(&term) {
        return Ok(RosterEntry {
            id: Some(id),
            ..RosterEntry::default()
        });
    }
    let Term::Tuple(Tuple { elements }) = term else {
        return Err(InvalidData::new(
            "Profile.accounts: expected ids or 'Roster' tuples",
        ));
    };
    let mut slots = elements.into_iter();
    match slots.next() {
        Some(Term::Atom(Atom { name })) if name == "Roster" && slots.len() == 11 => {}
        _ => {
            return Err(InvalidData::new(
                "Roster: expected a 12-element 'Roster' tuple",
            ))
        }
    }
    let mut next = || {
        slots
            .next()
            .unwrap_or_else(|| Term::from(eetf::List::nil()))
    };
    let id = int(next(), "Roster.id")?;
    let names = text(next(), "Roster.names")?;
    let surnames = text(next(), "Roster.surnames")?;
    let _size_userlist_roomlist_subscribe = [next(), next(), next(), next()];
    Ok(RosterEntry {
        id,
        names,
        surnames,
        phone: normalise_phone(text(next(), "Roster.phone")?),
        avatar: text(next(), "Roster.avatar")?,
        update: int(next(), "Roster.update")?,
        status: atom(next(), "Roster.status")?,
    })
}
