//! The slots of a `'Profile'` tuple of 6 to 8 elements and of the `'Roster'` entries
//! in its `accounts`, read by position with each slot's wire type checked (a slot
//! that breaks its rule is `invalid_data`), nothing yet interpreted: [`ProfileSlots`].
//! `profile.rs` turns them into a typed request.

use std::fmt;

use eetf::{Atom, Term, Tuple};

use super::auth_slots::normalise_phone;
use super::value::{atom, bytes, int, integer, list, text};
use super::InvalidData;

/// The `status` slot of a `'Profile'` tuple.
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

    /// Parses the atom name (exact case); `migrate` is an alias of `migration`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "migrate" => Some(Self::Migration),
            _ => Self::ALL.into_iter().find(|s| s.as_str() == name),
        }
    }
}

/// The slots of one element of `accounts`: a bare integer id, or a `'Roster'` tuple
/// `{'Roster', Id, Names, Surnames, Size, Userlist, Roomlist, Subscribe, Phone,
/// Avatar, Update, Status}` (Size, Userlist, Roomlist and Subscribe are not read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterSlots {
    /// Network-visible account id; `None` asks `set` to create an account.
    pub id: Option<i64>,
    /// Names.
    pub names: Option<String>,
    /// Surnames.
    pub surnames: Option<String>,
    /// Phone, normalised like the request's (not used).
    pub phone: Option<String>,
    /// Avatar (URL or opaque text).
    pub avatar: Option<String>,
    /// Update time, ms (not used).
    pub update: Option<i64>,
    /// Status atom's name, e.g. `"remove"` to delete the account.
    pub status: Option<String>,
}

/// The slots of a `'Profile'` tuple; absent slots are `None`/empty. `Debug` shows the
/// data's length only (it carries the `confirm` code) and no phone.
#[derive(Clone, PartialEq, Eq)]
pub struct ProfileSlots {
    /// Phone slot, trimmed and rid of one leading `+`: `[]` or the caller's own; the
    /// new phone for migration/confirm.
    pub phone: Option<String>,
    /// Data slot, opaque bytes (the email for `email`, the code for `confirm`).
    pub data: Option<Vec<u8>>,
    /// Person id (server-assigned; ignored on input).
    pub person_id: Option<String>,
    /// Accounts: ids or `'Roster'` entries.
    pub accounts: Vec<RosterSlots>,
    /// Update time, ms (for `update`'s optimistic check).
    pub update: Option<i64>,
    /// Presence atom's name, if any (ignored on input).
    pub presence: Option<String>,
    /// What to do (always the last element).
    pub status: ProfileStatus,
}

impl ProfileSlots {
    /// Slots of `status` with every other slot absent, for building requests in code.
    pub fn new(status: ProfileStatus) -> Self {
        Self {
            phone: None,
            data: None,
            person_id: None,
            accounts: Vec::new(),
            update: None,
            presence: None,
            status,
        }
    }
}

impl fmt::Debug for ProfileSlots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileSlots")
            .field("status", &self.status)
            .field("phone", &self.phone.as_ref().map(|_| "<phone>"))
            .field("data_len", &self.data.as_ref().map(Vec::len))
            .field("accounts", &self.accounts.len())
            .field("update", &self.update)
            .finish_non_exhaustive()
    }
}

/// Reads the fields of a `'Profile'` tuple (`fields` excludes the `'Profile'` atom).
pub(crate) fn read(fields: std::vec::IntoIter<Term>) -> Result<ProfileSlots, InvalidData> {
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
    Ok(ProfileSlots {
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

fn account(term: Term) -> Result<RosterSlots, InvalidData> {
    if let Some(id) = integer(&term) {
        return Ok(RosterSlots {
            id: Some(id),
            ..RosterSlots::default()
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
    Ok(RosterSlots {
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
            assert_eq!(ProfileStatus::from_name(s.as_str()), Some(s));
        }
        assert_eq!(
            ProfileStatus::from_name("migrate"),
            Some(ProfileStatus::Migration)
        );
        assert_eq!(ProfileStatus::from_name("delete"), None);
        assert_eq!(ProfileStatus::from_name("Get"), None);
    }

    #[test]
    fn debug_hides_the_code_and_the_phone() {
        let r = ProfileSlots {
            phone: Some("380009999".into()),
            data: Some(b"903182".to_vec()),
            ..ProfileSlots::new(ProfileStatus::Confirm)
        };
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("903182") && !shown.contains("380009999"),
            "{shown}"
        );
        assert!(
            shown.contains("Confirm") && shown.contains("data_len: Some(6)"),
            "{shown}"
        );
    }
}
