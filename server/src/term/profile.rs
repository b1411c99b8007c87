//! `'Profile'` slots to the typed [`ProfileRequest`]: one parser per status, each
//! taking only what its status uses, validated into the domain's types. Nothing is
//! refused here: every Profile request first has the caller checked against the
//! store, so a field that is no good goes on as "none given" for the domain to answer
//! in its turn.
//!
//! A new status: its arm in [`typed`] and its parser below; the domain gets the
//! variant and its operation.

use roster_actors::{
    phone::PhoneSlot,
    profile::{
        AccountChange, Change, Confirm, Email, EmailAddress, Get, Migration, ProfileRequest,
        Remove, Update,
    },
    secret::Code,
};

use super::profile_slots::{ProfileSlots, ProfileStatus, RosterSlots};

/// The typed request of `slots`.
pub(crate) fn typed(s: ProfileSlots) -> ProfileRequest {
    match s.status {
        ProfileStatus::Get => ProfileRequest::Get(Get { phone: own(&s) }),
        ProfileStatus::Set => ProfileRequest::Set(change(s)),
        ProfileStatus::Update => ProfileRequest::Update(Update {
            update: s.update,
            change: change(s),
        }),
        ProfileStatus::Remove => ProfileRequest::Remove(Remove { phone: own(&s) }),
        ProfileStatus::Email => ProfileRequest::Email(Email {
            phone: own(&s),
            address: s.data.and_then(EmailAddress::parse),
        }),
        ProfileStatus::Migration => ProfileRequest::Migration(Migration {
            to: own(&s).phone(),
        }),
        ProfileStatus::Confirm => ProfileRequest::Confirm(Confirm {
            to: own(&s).phone(),
            code: s
                .data
                .as_deref()
                .and_then(|d| std::str::from_utf8(d).ok())
                .map(Code::from_text),
        }),
    }
}

/// The phone slot, parsed.
fn own(s: &ProfileSlots) -> PhoneSlot {
    PhoneSlot::parse(s.phone.as_deref())
}

/// `set`, and what `update` changes: the phone slot, the data, the accounts.
fn change(s: ProfileSlots) -> Change {
    Change {
        phone: own(&s),
        data: s.data,
        accounts: s.accounts.into_iter().map(account).collect(),
    }
}

/// One element of `accounts` (its phone and update slots are not used).
fn account(r: RosterSlots) -> AccountChange {
    AccountChange {
        id: r.id,
        names: r.names,
        surnames: r.surnames,
        avatar: r.avatar,
        remove: r.status.as_deref() == Some("remove"),
    }
}
