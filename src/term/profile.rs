//! `'Profile'` requests: the typed request, its `status` atom, `'Roster'` entries
//! in `accounts`, and the positional reader for tuples of 6 to 8 elements.

use std::fmt;

use eetf::{Atom, Term, Tuple};

use super::auth::normalise_phone;
use super::value::{atom, bytes, int, integer, list, text};
use super::InvalidData;

/// The `status` slot of a `'Profile'` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileStatus {
    /// `get`: read the profile.
    Get,
    /// `set`: replace data and accounts.
    Set,
    /// `update`: `set` guarded by the update time.
    Update,
    /// `remove`: delete the whole account.
    Remove,
    /// `email`: store the contact email from the data slot.
    Email,
    /// `migration` (or `migrate`): start moving to the phone in the phone slot.
    Migration,
    /// `confirm`: finish a migration with the code in the data slot.
    Confirm,
}

impl ProfileStatus {
    /// Every status, in protocol order.
    pub const ALL: [ProfileStatus; 7] = [
        Self::Get,
        Self::Set,
        Self::Update,
        Self::Remove,
        Self::Email,
        Self::Migration,
        Self::Confirm,
    ];

    /// The atom's name (`migration` for [`ProfileStatus::Migration`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Set => "set",
            Self::Update => "update",
            Self::Remove => "remove",
            Self::Email => "email",
            Self::Migration => "migration",
            Self::Confirm => "confirm",
        }
    }

    fn from_atom(name: &str) -> Option<Self> {
        match name {
            "migrate" => Some(Self::Migration),
            _ => Self::ALL.into_iter().find(|s| s.as_str() == name),
        }
    }
}

/// One element of `accounts`: a bare integer id, or a `'Roster'` tuple
/// `{'Roster', Id, Names, Surnames, Size, Userlist, Roomlist, Subscribe, Phone,
/// Avatar, Update, Status}` (Size, Userlist, Roomlist and Subscribe are not read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterEntry {
    /// Network-visible account id; `None` asks `set` to create an account.
    pub id: Option<i64>,
    /// Names.
    pub names: Option<String>,
    /// Surnames.
    pub surnames: Option<String>,
    /// Phone, normalised like the request's.
    pub phone: Option<String>,
    /// Avatar (URL or opaque text).
    pub avatar: Option<String>,
    /// Update time, ms.
    pub update: Option<i64>,
    /// Status atom's name, e.g. `"remove"` to delete the account.
    pub status: Option<String>,
}

/// A `'Profile'` request; absent fields are `None`/empty.
///
/// `Debug` shows only the length of `data`, which carries the code for `confirm`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProfileRequest {
    /// Phone slot: `[]` or the caller's own; the new phone for migration/confirm.
    pub phone: Option<String>,
    /// Data slot, opaque bytes (the email for `email`, the code for `confirm`).
    pub data: Option<Vec<u8>>,
    /// Person id.
    pub person_id: Option<String>,
    /// Accounts: ids or `'Roster'` entries.
    pub accounts: Vec<RosterEntry>,
    /// Update time, ms (for `update`'s optimistic check).
    pub update: Option<i64>,
    /// Presence atom's name, if any.
    pub presence: Option<String>,
    /// What to do (always the last element).
    pub status: ProfileStatus,
}

impl fmt::Debug for ProfileRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.data.as_ref().map(|d| format!("<{} bytes>", d.len()));
        f.debug_struct("ProfileRequest")
            .field("phone", &self.phone)
            .field("data", &data)
            .field("person_id", &self.person_id)
            .field("accounts", &self.accounts)
            .field("update", &self.update)
            .field("presence", &self.presence)
            .field("status", &self.status)
            .finish()
    }
}

/// Reads the fields of a `'Profile'` tuple (after the `'Profile'` atom).
pub(crate) fn parse(mut fields: std::vec::IntoIter<Term>) -> Result<ProfileRequest, InvalidData> {
    if !(6..=8).contains(&(fields.len() + 1)) {
        return Err(InvalidData::new("Profile: tuple must have 6 to 8 elements"));
    }
    let status = fields
        .next_back()
        .map(|t| atom(t, "Profile.status"))
        .transpose()?
        .flatten()
        .as_deref()
        .and_then(ProfileStatus::from_atom)
        .ok_or_else(|| InvalidData::new("Profile.status: unknown or missing status"))?;
    let mut next = || {
        fields
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_and_alias() {
        for s in ProfileStatus::ALL {
            assert_eq!(ProfileStatus::from_atom(s.as_str()), Some(s));
        }
        assert_eq!(
            ProfileStatus::from_atom("migrate"),
            Some(ProfileStatus::Migration)
        );
        assert_eq!(ProfileStatus::from_atom("delete"), None);
    }

    #[test]
    fn debug_hides_the_data_slot() {
        let r = ProfileRequest {
            phone: Some("380009999".into()),
            data: Some(b"903182".to_vec()),
            person_id: None,
            accounts: vec![],
            update: None,
            presence: None,
            status: ProfileStatus::Confirm,
        };
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("903182") && !shown.contains("57, 48"),
            "{shown}"
        );
        assert!(shown.contains("<6 bytes>") && shown.contains("380009999"));
    }
}
