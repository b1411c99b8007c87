//! `Reply`: what the server sends back, as typed values for [`encode`](super::encode).

use std::fmt;

use super::redact::Redacted;
use roster_actors::auth::{AuthType, Os};

/// One reply message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `{io, Result, Tail}`.
    Io {
        /// The second element.
        result: IoResult,
        /// The third element.
        tail: Tail,
    },
    /// A full 15-element `'Auth'` tuple (one per session for `list`).
    Auth(AuthRecord),
    /// A full 8-element `'Profile'` tuple.
    Profile(ProfileRecord),
}

/// The `Result` of an `io` reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoResult {
    /// `{ok, Atom}`, e.g. `{ok,sms_sent}`.
    Ok(&'static str),
    /// `{error, Atom}`, e.g. `{error,invalid_data}`.
    Error(&'static str),
    /// `{ok2,login,{'Client',ClientId}}` with the logged-in ClientId as a binary.
    Ok2Login {
        /// The new ClientId, `emqttd_<symbols>`.
        client_id: String,
    },
    /// `<<>>` (the `push` success reply).
    Empty,
}

/// The `Tail` of an `io` reply.
#[derive(Clone, PartialEq, Eq)]
pub enum Tail {
    /// `<<>>`.
    Empty,
    /// `{'Auth', Token}`; an empty token is sent as `<<>>`. `Debug` redacts it.
    Auth(String),
}

impl fmt::Debug for Tail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Auth(_) => f.write_str("Auth(<redacted>)"),
        }
    }
}

/// The 15-element `'Auth'` record, fields in record order. Text is sent as a
/// binary and `None` as `[]`. `Debug` redacts `token`, `sms_code` and `push`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthRecord {
    /// Token (empty in `list` replies for every session but the caller's).
    pub token: Option<String>,
    /// Device key.
    pub dev_key: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Phone, digits without `+`.
    pub phone: Option<String>,
    /// ClientId of the session.
    pub client_id: Option<String>,
    /// The `type` atom.
    pub kind: AuthType,
    /// Code (empty in `list` replies).
    pub sms_code: Option<String>,
    /// Attempts counter.
    pub attempts: i64,
    /// Services, sent as a list of atoms.
    pub services: Vec<String>,
    /// Push token.
    pub push: Option<String>,
    /// Comments.
    pub comments: Option<String>,
    /// The `os` atom, or `[]`.
    pub os: Option<Os>,
    /// Created, ms, or `[]`.
    pub created: Option<i64>,
    /// Last online, ms, or `[]`.
    pub last_online: Option<i64>,
}

impl fmt::Debug for AuthRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRecord")
            .field("token", &Redacted(&self.token))
            .field("dev_key", &self.dev_key)
            .field("user_id", &self.user_id)
            .field("phone", &self.phone)
            .field("client_id", &self.client_id)
            .field("kind", &self.kind)
            .field("sms_code", &Redacted(&self.sms_code))
            .field("attempts", &self.attempts)
            .field("services", &self.services)
            .field("push", &Redacted(&self.push))
            .field("comments", &self.comments)
            .field("os", &self.os)
            .field("created", &self.created)
            .field("last_online", &self.last_online)
            .finish()
    }
}

/// The 8-element `'Profile'` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRecord {
    /// Phone, digits without `+`, sent as a binary.
    pub phone: String,
    /// Opaque data, sent as a binary (`<<>>` when empty).
    pub data: Vec<u8>,
    /// Person id, binary or `[]`.
    pub person_id: Option<String>,
    /// The account's roster entries.
    pub accounts: Vec<RosterRecord>,
    /// Update time, ms.
    pub update: i64,
    /// `online` or `offline`.
    pub presence: &'static str,
    /// The status atom, e.g. `get`, `update`, `remove`.
    pub status: &'static str,
}

/// The 12-element `'Roster'` record. Userlist, Roomlist and Subscribe are always
/// sent as `[]`: the server keeps no contact lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRecord {
    /// Network-visible account id.
    pub id: i64,
    /// Names, binary or `[]`.
    pub names: Option<String>,
    /// Surnames, binary or `[]`.
    pub surnames: Option<String>,
    /// Size (number of contacts).
    pub size: i64,
    /// Phone, binary or `[]`.
    pub phone: Option<String>,
    /// Avatar, binary or `[]`.
    pub avatar: Option<String>,
    /// Update time, ms.
    pub update: i64,
    /// Status atom, or `[]`.
    pub status: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_tokens_codes_and_push_tokens() {
        let record = AuthRecord {
            token: Some("tok-secret".into()),
            dev_key: None,
            user_id: None,
            phone: Some("380001122".into()),
            client_id: Some("emqttd_abc".into()),
            kind: AuthType::List,
            sms_code: Some("654321".into()),
            attempts: 0,
            services: vec![],
            push: Some("push-secret".into()),
            comments: None,
            os: None,
            created: None,
            last_online: None,
        };
        let reply = Reply::Io {
            result: IoResult::Error("invalid_data"),
            tail: Tail::Auth("tail-secret".into()),
        };
        let shown = format!("{:?} {reply:?}", Reply::Auth(record));
        for secret in ["tok-secret", "654321", "push-secret", "tail-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("emqttd_abc") && shown.contains("invalid_data"));
    }
}
