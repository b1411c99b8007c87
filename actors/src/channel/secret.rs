//! `Secret`: a configured string (token, webhook URL, header value) that never prints.

use std::fmt;

use serde::Deserialize;

/// A string read from the config or the environment that must never reach a log,
/// a `Debug` dump or an error message. Read it only with [`Secret::expose`], at the
/// point where it goes on the wire.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value taken from somewhere other than the config file (the environment).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the value is the empty string (treated as "not set").
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2-token");
        let shown = format!("{s:?} {:?}", Some(s.clone()));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(s.expose(), "hunter2-token");
    }
}
