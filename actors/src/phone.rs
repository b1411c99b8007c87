//! Phone numbers: digits with an optional leading `+`, 6 to 15 digits, kept without `+`.

use std::fmt;

/// A valid phone number, digits only.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

/// The text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid phone number")]
pub struct InvalidPhone;

impl Phone {
    /// Parses `+380501234567` or `380501234567` (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Phone, InvalidPhone> {
        let t = text.trim();
        let digits = t.strip_prefix('+').unwrap_or(t);
        if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidPhone);
        }
        Ok(Phone(digits.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For logs: the last two digits only.
    pub fn masked(&self) -> String {
        let tail = &self.0[self.0.len() - 2..];
        format!("***{tail}")
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_digits_with_optional_plus() {
        assert_eq!(
            Phone::parse("+380501234567").unwrap().as_str(),
            "380501234567"
        );
        assert_eq!(
            Phone::parse(" 380501234567 ").unwrap().as_str(),
            "380501234567"
        );
        assert_eq!(Phone::parse("123456").unwrap().as_str(), "123456");
        assert_eq!(
            Phone::parse("123456789012345").unwrap().as_str(),
            "123456789012345"
        );
    }

    #[test]
    fn refuses_the_rest() {
        for bad in [
            "",
            "+",
            "12345",
            "1234567890123456",
            "38050-123-45",
            "++380501234567",
            "38050123456a",
            "٣٨٠٥٠١٢٣٤٥",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_masks() {
        assert_eq!(
            format!("{:?}", Phone::parse("380501234567").unwrap()),
            "Phone(***67)"
        );
    }
}
