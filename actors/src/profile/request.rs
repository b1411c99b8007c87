//! Typed Profile requests: one variant per status, each holding only what that status
//! uses, parsed and validated by the edge from a `'Profile'` tuple (laid out in
//! docs/protocol.md). Every Profile request first has the caller's session and own
//! phone checked against the store, and that check answers first; so a field that is
//! no good arrives as "none given" (`None`, [`PhoneSlot::NotAPhone`]) and the
//! operation answers it in its turn.
//!
//! A new status: a variant here with its struct, its parser in the edge's
//! `term/profile.rs`, and its operation.

use std::fmt;

use super::email::EmailAddress;
use crate::{
    phone::{Phone, PhoneSlot},
    secret::Code,
};

/// A Profile request, as the edge parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileRequest {
    /// `get`: read the profile.
    Get(Get),
    /// `set`: replace data and accounts.
    Set(Change),
    /// `update`: `set` guarded by the update time.
    Update(Update),
    /// `remove`: delete the whole account.
    Remove(Remove),
    /// `email`: store the contact email.
    Email(Email),
    /// `migration` (or `migrate`): start moving to another phone.
    Migration(Migration),
    /// `confirm`: finish a migration with its code.
    Confirm(Confirm),
}

/// `get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Get {
    /// The phone slot: absent, or the caller's own.
    pub phone: PhoneSlot,
}

/// `set`, and the change an `update` makes.
#[derive(Clone, PartialEq, Eq)]
pub struct Change {
    /// The phone slot: absent, or the caller's own.
    pub phone: PhoneSlot,
    /// New opaque data; `None` keeps the stored data.
    pub data: Option<Vec<u8>>,
    /// The accounts to create, edit or delete, in request order.
    pub accounts: Vec<AccountChange>,
}

impl fmt::Debug for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Change")
            .field("phone", &self.phone)
            .field("data_len", &self.data.as_ref().map(Vec::len))
            .field("accounts", &self.accounts.len())
            .finish()
    }
}

/// `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// What it changes.
    pub change: Change,
    /// The update time the client last saw; the change applies only if it is the
    /// stored one.
    pub update: Option<i64>,
}

/// `remove`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remove {
    /// The phone slot: absent, or the caller's own.
    pub phone: PhoneSlot,
}

/// `email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The phone slot: absent, or the caller's own.
    pub phone: PhoneSlot,
    /// The address in the data slot; `None`: no plausible one.
    pub address: Option<EmailAddress>,
}

/// `migration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The phone to move to; `None`: the slot held no phone.
    pub to: Option<Phone>,
}

/// `confirm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// The phone being moved to; `None`: the slot held no phone.
    pub to: Option<Phone>,
    /// The code from the data slot; `None`: none, or not text.
    pub code: Option<Code>,
}

/// One element of `accounts`: a bare id names an account without changing it; a
/// `'Roster'` tuple creates (no id), edits or deletes one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChange {
    /// Network-visible account id; `None` creates an account.
    pub id: Option<i64>,
    /// New names, if given.
    pub names: Option<String>,
    /// New surnames, if given.
    pub surnames: Option<String>,
    /// New avatar (URL or opaque text), if given.
    pub avatar: Option<String>,
    /// Delete the account (status `remove`).
    pub remove: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_code_the_data_and_the_phones() {
        let shown = format!(
            "{:?} {:?}",
            ProfileRequest::Confirm(Confirm {
                to: Phone::parse("380009999").ok(),
                code: Some(Code::from_text("903182")),
            }),
            Change {
                phone: PhoneSlot::parse(Some("380007777")),
                data: Some(b"secret data".to_vec()),
                accounts: Vec::new(),
            }
        );
        for hidden in ["903182", "380009999", "380007777", "secret data"] {
            assert!(!shown.contains(hidden), "{shown}");
        }
        assert!(
            shown.contains("Confirm") && shown.contains("data_len: Some(11)"),
            "{shown}"
        );
    }
}
