//! Profile requests through the router: a `get` the cache holds answered at once (no
//! mailbox, no future), the rest sent to the ProfileActor; and its answers as wire
//! replies: the one place where Profile results become `'Profile'` tuples and atoms
//! (for the caller's reply and for the fan-out alike).

use actix::Addr;
use bytes::Bytes;
use roster_actors::profile::{
    AccountView, CachedGet, Presence, ProfileActor, ProfileAnswer, ProfileCall, ProfileError,
    ProfileOk, ProfileRequest, ProfileView,
};

use super::{
    caller::Caller,
    routed::{Route, Routed},
};
use crate::term::{self, IoResult, ProfileRecord, Reply, RosterRecord, Tail};

/// Where Profile requests go.
#[derive(Clone)]
pub(super) struct ProfileRoute {
    /// Profiles.
    pub(super) actor: Addr<ProfileActor>,
    /// Profile `get`s answered from the cache without the actor, when set.
    pub(super) cached: Option<CachedGet>,
}

impl ProfileRoute {
    /// Answers one `'Profile'` request from `caller`.
    pub(super) fn route(&self, caller: &Caller, req: ProfileRequest) -> Route {
        if let (Some(cached), ProfileRequest::Get(get), true) =
            (&self.cached, &req, caller.logged_in())
        {
            let token = caller.token.as_deref();
            if let Some(answer) = cached.answer(caller.client_id.as_str(), token, get) {
                return Route::Ready(routed(answer.into()));
            }
        }
        let call = self.actor.send(ProfileCall {
            caller: caller.domain(),
            req,
        });
        Route::Pending(Box::pin(async move {
            match call.await {
                Ok(answer) => routed(answer),
                Err(_) => Routed::unavailable(),
            }
        }))
    }
}

/// The atom of a domain error.
pub fn error_atom(e: ProfileError) -> &'static str {
    match e {
        ProfileError::NotAuthorized => "not_authorized",
        ProfileError::StaleUpdate => "stale_update",
        ProfileError::DataTooLarge => "data_too_large",
        ProfileError::AccountNotFound => "account_not_found",
        ProfileError::LastAccount => "last_account",
        ProfileError::TooManyAccounts => "too_many_accounts",
        ProfileError::InvalidEmail => "invalid_email",
        ProfileError::InvalidPhone => "invalid_phone",
        ProfileError::PhoneTaken => "phone_taken",
        ProfileError::TooManyRequests => "too_many_requests",
        ProfileError::SmsNotSent => "sms_not_sent",
        ProfileError::SessionNotFound => "session_not_found",
        ProfileError::InvalidSmsCode => "invalid_sms_code",
        ProfileError::AttemptsExpired => "attempts_expired",
        ProfileError::CodeExpired => "code_expired",
        ProfileError::Unavailable => "unavailable",
    }
}

fn io(result: IoResult) -> Reply {
    Reply::Io {
        result,
        tail: Tail::Empty,
    }
}

fn roster(a: AccountView) -> RosterRecord {
    RosterRecord {
        id: a.id,
        names: a.names,
        surnames: a.surnames,
        size: 0,
        phone: Some(a.phone),
        avatar: a.avatar,
        update: a.update,
        status: None,
    }
}

/// The `'Profile'` tuple of `view` with status atom `status`.
pub fn record(view: ProfileView, status: &'static str) -> ProfileRecord {
    ProfileRecord {
        phone: view.phone,
        data: view.data,
        person_id: Some(view.person_id),
        accounts: view.accounts.into_iter().map(roster).collect(),
        update: view.update,
        presence: match view.presence {
            Presence::Online => "online",
            Presence::Offline => "offline",
        },
        status,
    }
}

/// The message another session of the account gets when the profile changed: the
/// same tuple as the changer's reply (status `update`).
pub fn change_payload(view: &ProfileView) -> Bytes {
    Bytes::from(term::encode(&Reply::Profile(record(
        view.clone(),
        "update",
    ))))
}

/// The reply to one Profile request.
pub fn routed(answer: ProfileAnswer) -> Routed {
    let reply = match answer.result {
        Ok(ProfileOk::Shown(view)) => Reply::Profile(record(view, "get")),
        Ok(ProfileOk::Changed(view)) => Reply::Profile(record(view, "update")),
        Ok(ProfileOk::Removed(view)) => Reply::Profile(record(view, "remove")),
        Ok(ProfileOk::EmailSaved) => io(IoResult::Ok("email")),
        Ok(ProfileOk::SmsSent) => io(IoResult::Ok("sms_sent")),
        Err(e) => io(IoResult::Error(error_atom(e))),
    };
    Routed {
        replies: vec![Bytes::from(term::encode(&reply))],
        close: answer.close_caller,
    }
}
