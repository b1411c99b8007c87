//! Phone numbers: digits with an optional leading `+`, 6 to 15 digits, kept without
//! `+`; and [`PhoneSlot`], a request's optional phone as checked against a stored one.

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

    /// A phone read back from the store, which only ever holds phones that passed
    /// [`Phone::parse`] (so it is not checked again).
    pub fn from_store(digits: String) -> Phone {
        Phone(digits)
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

/// A request's optional phone slot that the domain checks against a stored phone
/// (`verify` and `login` against the session's, Profile against the caller's own):
/// parsed at the edge, so the domain compares and never parses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PhoneSlot {
    /// The slot was empty: nothing to check.
    #[default]
    Absent,
    /// A phone.
    Phone(Phone),
    /// Text that is no phone: it fits no stored phone.
    NotAPhone,
}

impl PhoneSlot {
    /// The slot's text (`None`: absent), under [`Phone::parse`]'s rules.
    pub fn parse(text: Option<&str>) -> PhoneSlot {
        match text {
            None => PhoneSlot::Absent,
            Some(t) => Phone::parse(t).map_or(PhoneSlot::NotAPhone, PhoneSlot::Phone),
        }
    }

    /// Whether the slot fits `stored`: absent, or that very phone.
    pub fn fits(&self, stored: &str) -> bool {
        match self {
            PhoneSlot::Absent => true,
            PhoneSlot::Phone(p) => p.as_str() == stored,
            PhoneSlot::NotAPhone => false,
        }
    }

    /// The phone, if the slot held one.
    pub fn phone(self) -> Option<Phone> {
        match self {
            PhoneSlot::Phone(p) => Some(p),
            PhoneSlot::Absent | PhoneSlot::NotAPhone => None,
        }
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

    #[test]
    fn slots_fit_the_stored_phone_they_name() {
        let stored = "380501234567";
        assert_eq!(PhoneSlot::parse(None), PhoneSlot::Absent);
        assert!(PhoneSlot::parse(None).fits(stored));
        assert!(PhoneSlot::parse(Some("+380501234567")).fits(stored));
        assert!(!PhoneSlot::parse(Some("380501234568")).fits(stored));
        let junk = PhoneSlot::parse(Some("junk"));
        assert_eq!(junk, PhoneSlot::NotAPhone);
        assert!(
            !junk.fits(stored) && !junk.fits("junk"),
            "no phone fits junk"
        );
        assert_eq!(
            PhoneSlot::parse(Some(stored))
                .phone()
                .map(|p| p.to_string()),
            Some(stored.to_owned())
        );
        assert_eq!(PhoneSlot::NotAPhone.phone(), None);
        assert_eq!(PhoneSlot::Absent.phone(), None);
    }
}
