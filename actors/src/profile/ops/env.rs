//! What every Profile operation shares: [`ProfileEnv`] (what it needs besides the
//! connection and the request) and its [`Fail`].

use std::sync::Arc;

use crate::{
    codes::AuthConfig,
    profile::{answer::ProfileError, config::ProfileConfig},
    secret::CodeKey,
};

/// What the Profile operations need besides the connection and the request.
#[derive(Clone)]
pub struct ProfileEnv {
    /// `[profile]`.
    pub cfg: Arc<ProfileConfig>,
    /// `[auth]`: code length, TTL, attempts and send limits for migration codes.
    pub auth: Arc<AuthConfig>,
    /// Key codes are hashed under.
    pub key: CodeKey,
    /// "Now" in unix ms, fixed for one operation.
    pub now: i64,
}

/// An operation's failure: a Profile error for the client, or a database error.
pub type Fail = crate::store::Fail<ProfileError>;

impl From<ProfileError> for Fail {
    fn from(e: ProfileError) -> Self {
        Fail::Answer(e)
    }
}

pub use crate::store::settle;
