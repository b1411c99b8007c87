//! Typed Profile requests, as the edge parsed them from `'Profile'` tuples (SPEC §2,
//! §5). Absent fields are `None` or empty.

use std::fmt;

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

    /// Parses the atom name (exact case); `migrate` is an alias of `migration`.
    pub fn from_name(name: &str) -> Option<Self> {
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

impl RosterEntry {
    /// Whether the entry asks for its account to be deleted (status `remove`).
    pub fn removes(&self) -> bool {
        self.status.as_deref() == Some("remove")
    }
}

/// A `'Profile'` request; absent fields are `None`/empty. `Debug` shows the data's
/// length only (it carries the `confirm` code) and no phone.
#[derive(Clone, PartialEq, Eq)]
pub struct ProfileRequest {
    /// Phone slot: `[]` or the caller's own; the new phone for migration/confirm.
    pub phone: Option<String>,
    /// Data slot, opaque bytes (the email for `email`, the code for `confirm`).
    pub data: Option<Vec<u8>>,
    /// Person id (server-assigned; ignored on input).
    pub person_id: Option<String>,
    /// Accounts: ids or `'Roster'` entries.
    pub accounts: Vec<RosterEntry>,
    /// Update time, ms (for `update`'s optimistic check).
    pub update: Option<i64>,
    /// Presence atom's name, if any (ignored on input).
    pub presence: Option<String>,
    /// What to do (always the last element).
    pub status: ProfileStatus,
}

impl ProfileRequest {
    /// An empty request of `status`, for building requests in code.
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

impl fmt::Debug for ProfileRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileRequest")
            .field("status", &self.status)
            .field("phone", &self.phone.as_ref().map(|_| "<phone>"))
            .field("data_len", &self.data.as_ref().map(Vec::len))
            .field("accounts", &self.accounts.len())
            .field("update", &self.update)
            .finish_non_exhaustive()
    }
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
        let r = ProfileRequest {
            phone: Some("380009999".into()),
            data: Some(b"903182".to_vec()),
            ..ProfileRequest::new(ProfileStatus::Confirm)
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
