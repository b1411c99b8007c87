//! What the Profile actor answers: typed views and errors the edge turns into tuples.

/// Why a Profile request failed; each maps to one `{io,{error,Atom},<<>>}` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// Not a logged-in session, a dead token, or another phone named.
    #[error("not_authorized")]
    NotAuthorized,
    /// `update` with an update time other than the stored one.
    #[error("stale_update")]
    StaleUpdate,
    /// `data`, or an account's text field, beyond its `[profile]` limit.
    #[error("data_too_large")]
    DataTooLarge,
    /// A `'Roster'` id that is not one of this profile's accounts.
    #[error("account_not_found")]
    AccountNotFound,
    /// The request would leave the profile without accounts.
    #[error("last_account")]
    LastAccount,
    /// The request would give the profile more than `profile.max_accounts` accounts.
    #[error("too_many_accounts")]
    TooManyAccounts,
    /// `email` without a plausible address.
    #[error("invalid_email")]
    InvalidEmail,
    /// `migration`/`confirm` without a valid phone.
    #[error("invalid_phone")]
    InvalidPhone,
    /// The migration target already has an account (this one included).
    #[error("phone_taken")]
    PhoneTaken,
    /// A send limit (cooldown or the per-phone hourly limit).
    #[error("too_many_requests")]
    TooManyRequests,
    /// The SMS provider failed; the client may ask again.
    #[error("sms_not_sent")]
    SmsNotSent,
    /// `confirm` without a pending migration to that phone.
    #[error("session_not_found")]
    SessionNotFound,
    /// `confirm` with a wrong code.
    #[error("invalid_sms_code")]
    InvalidSmsCode,
    /// Too many wrong codes: start the migration again.
    #[error("attempts_expired")]
    AttemptsExpired,
    /// The code is older than `auth.code_ttl_secs`.
    #[error("code_expired")]
    CodeExpired,
    /// The store failed; nothing was changed.
    #[error("unavailable")]
    Unavailable,
}

/// `online` while any session of the account is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Some session of the phone is connected.
    Online,
    /// None is.
    Offline,
}

/// One `'Roster'` account of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    /// Network-visible id (1 and up, never reused).
    pub id: i64,
    /// Names.
    pub names: Option<String>,
    /// Surnames.
    pub surnames: Option<String>,
    /// Avatar.
    pub avatar: Option<String>,
    /// The phone the account belongs to (the profile's).
    pub phone: String,
    /// When the account last changed, ms.
    pub update: i64,
}

/// A profile as the client sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct ProfileView {
    /// The account's phone, digits.
    pub phone: String,
    /// Opaque client data.
    pub data: Vec<u8>,
    /// The person id, stable across migrations.
    pub person_id: String,
    /// Its accounts, oldest first.
    pub accounts: Vec<AccountView>,
    /// The profile's update time, ms.
    pub update: i64,
    /// Whether any session of the phone is connected.
    pub presence: Presence,
}

impl std::fmt::Debug for ProfileView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileView")
            .field("data_len", &self.data.len())
            .field("accounts", &self.accounts.len())
            .field("update", &self.update)
            .field("presence", &self.presence)
            .finish_non_exhaustive()
    }
}

/// A successful Profile request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileOk {
    /// `get`: the profile (status `get`).
    Shown(ProfileView),
    /// `set`, `update`, `confirm`: the changed profile (status `update`).
    Changed(ProfileView),
    /// `remove`: the profile as it was (status `remove`).
    Removed(ProfileView),
    /// `email`: `{io,{ok,email},<<>>}`.
    EmailSaved,
    /// `migration`: `{io,{ok,sms_sent},<<>>}`.
    SmsSent,
}

/// The Profile actor's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileAnswer {
    /// What happened.
    pub result: Result<ProfileOk, ProfileError>,
    /// Close the caller's connection once the reply is sent (its account is removed).
    pub close_caller: bool,
}

impl From<Result<ProfileOk, ProfileError>> for ProfileAnswer {
    fn from(result: Result<ProfileOk, ProfileError>) -> Self {
        let close_caller = matches!(result, Ok(ProfileOk::Removed(_)));
        Self {
            result,
            close_caller,
        }
    }
}
