//! The kinds of Auth request and who may make each; the `os` a device reports.

/// The kind of an Auth request (the `type` atom), for the rule of who may ask.
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

    /// Whether a caller, logged in or registering, may make a request of this kind;
    /// anyone else is answered `not_authorized` before anything about the request is
    /// looked at (by the actor, or by the edge when it refuses a field itself).
    pub fn allowed(self, logged_in: bool) -> bool {
        match self {
            AuthType::Reg | AuthType::Resend | AuthType::Voice | AuthType::Verify => !logged_in,
            AuthType::Logout | AuthType::Push | AuthType::List => logged_in,
            AuthType::Login => true,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in AuthType::ALL {
            assert_eq!(AuthType::from_name(t.as_str()), Some(t));
        }
        assert_eq!(AuthType::from_name("Reg"), None);
        for o in Os::ALL {
            assert_eq!(Os::from_name(o.as_str()), Some(o));
        }
        assert_eq!(Os::from_name("iOS"), Some(Os::Ios));
        assert_eq!(Os::from_name("symbian"), None);
    }

    #[test]
    fn who_may_ask_what() {
        use AuthType::*;
        let registering: Vec<_> = AuthType::ALL
            .into_iter()
            .filter(|t| t.allowed(false))
            .collect();
        assert_eq!(registering, [Reg, Resend, Voice, Verify, Login]);
        let logged_in: Vec<_> = AuthType::ALL
            .into_iter()
            .filter(|t| t.allowed(true))
            .collect();
        assert_eq!(logged_in, [Login, Logout, Push, List]);
    }
}
