//! What every Auth operation shares: [`AuthEnv`] (what it needs besides the
//! connection and the request), its [`Fail`], and the logged-in ClientId rule.

use std::sync::Arc;

use crate::auth::{answer::AuthError, jwt::JwtVerifier};
use crate::{codes::AuthConfig, secret::CodeKey};

/// What the Auth operations need besides the connection and the request.
#[derive(Clone)]
pub struct AuthEnv {
    /// `[auth]`.
    pub cfg: Arc<AuthConfig>,
    /// Key codes are hashed under.
    pub key: CodeKey,
    /// JWT checks.
    pub jwt: Arc<JwtVerifier>,
    /// "Now" in unix ms, fixed for one operation.
    pub now: i64,
}

/// An operation's failure: an Auth error for the client, or a database error.
pub type Fail = crate::store::Fail<AuthError>;

impl From<AuthError> for Fail {
    fn from(e: AuthError) -> Self {
        Fail::Answer(e)
    }
}

pub use crate::store::settle;

/// The logged-in ClientId a registering one becomes: `emqttd_<symbols>`.
pub fn logged_in_id(reg_id: &str) -> String {
    let symbols = reg_id
        .strip_prefix("emqttd_reg_")
        .or_else(|| reg_id.strip_prefix("reg_"))
        .unwrap_or(reg_id);
    format!("emqttd_{symbols}")
}
