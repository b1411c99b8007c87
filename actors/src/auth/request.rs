//! Typed Auth requests, as the edge parsed them from `'Auth'` tuples (record order of
//! AUTH.seed.md). Absent fields are `None` or empty.

use std::fmt;

/// The `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// Start registration: a code by SMS (or a JWT later).
    Reg,
    /// Send a fresh code by SMS.
    Resend,
    /// Read a fresh code in a phone call.
    Voice,
    /// Check the code (or JWT).
    Verify,
    /// Check token, dev_key and phone.
    Login,
    /// End this session, or another of the same account.
    Logout,
    /// Store the push token and OS.
    Push,
    /// One message per session of the account.
    List,
}

impl AuthType {
    /// Every type, in protocol order.
    pub const ALL: [AuthType; 8] = [
        Self::Reg,
        Self::Resend,
        Self::Voice,
        Self::Verify,
        Self::Login,
        Self::Logout,
        Self::Push,
        Self::List,
    ];

    /// Parses the atom name (exact case).
    pub fn from_name(name: &str) -> Option<AuthType> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The atom name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::Reg => "reg",
            AuthType::Resend => "resend",
            AuthType::Voice => "voice",
            AuthType::Verify => "verify",
            AuthType::Login => "login",
            AuthType::Logout => "logout",
            AuthType::Push => "push",
            AuthType::List => "list",
        }
    }
}

/// The `os` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    /// `ios`
    Ios,
    /// `android`
    Android,
    /// `web`
    Web,
}

impl Os {
    /// The atom name.
    pub fn as_str(self) -> &'static str {
        match self {
            Os::Ios => "ios",
            Os::Android => "android",
            Os::Web => "web",
        }
    }

    /// Every os, in protocol order.
    pub const ALL: [Os; 3] = [Self::Ios, Self::Android, Self::Web];

    /// Parses the atom or text, in any ASCII case (`iOS`, `Android`).
    pub fn from_name(name: &str) -> Option<Os> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(name))
    }
}

/// An `'Auth'` request.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// Session token (secret).
    pub token: Option<String>,
    /// Device key.
    pub dev_key: Option<String>,
    /// User id (old clients put a ClientId here for `login`).
    pub user_id: Option<String>,
    /// Phone text, normalised by the edge but not yet validated.
    pub phone: Option<String>,
    /// Another session's ClientId (`logout`).
    pub client_id: Option<String>,
    /// What to do.
    pub kind: AuthType,
    /// The code, or the JWT for jwt sessions (secret).
    pub sms_code: Option<String>,
    /// Ignored on input.
    pub attempts: Option<i64>,
    /// Atoms: `jwt`, or the voice language.
    pub services: Vec<String>,
    /// Push token (secret).
    pub push: Option<String>,
    /// Free text.
    pub comments: Option<String>,
    /// Device OS.
    pub os: Option<Os>,
    /// Ignored on input.
    pub created: Option<i64>,
    /// Ignored on input.
    pub last_online: Option<i64>,
}

impl AuthRequest {
    /// An empty request of `kind`, for building requests in code.
    pub fn new(kind: AuthType) -> Self {
        Self {
            token: None,
            dev_key: None,
            user_id: None,
            phone: None,
            client_id: None,
            kind,
            sms_code: None,
            attempts: None,
            services: Vec::new(),
            push: None,
            comments: None,
            os: None,
            created: None,
            last_online: None,
        }
    }

    /// Whether `services` names `atom`.
    pub fn has_service(&self, atom: &str) -> bool {
        self.services.iter().any(|s| s == atom)
    }
}

impl fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hide = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("AuthRequest")
            .field("kind", &self.kind)
            .field("token", &hide(&self.token))
            .field("dev_key", &self.dev_key)
            .field("user_id", &self.user_id)
            .field("phone", &self.phone.as_ref().map(|_| "<phone>"))
            .field("client_id", &self.client_id)
            .field("sms_code", &hide(&self.sms_code))
            .field("services", &self.services)
            .field("push", &hide(&self.push))
            .field("os", &self.os)
            .finish()
    }
}
