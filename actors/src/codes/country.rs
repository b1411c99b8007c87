//! Which country a phone's codes are counted under, for
//! `auth.max_sends_per_country_per_hour`: the longest entry of
//! `auth.allowed_country_codes` the phone starts with, else its E.164 country calling
//! code from the ITU table (1 to 3 digits).

/// The two-digit country calling codes. E.164's codes are prefix-free: `1` and `7`
/// are one digit, these are two, and every other code is three.
const TWO_DIGIT: [&str; 44] = [
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

/// The E.164 country calling code `digits` (a phone, no `+`) starts with.
pub fn calling_code(digits: &str) -> &str {
    let len = match digits.as_bytes().first() {
        Some(b'1' | b'7') => 1,
        _ if digits.get(..2).is_some_and(|two| TWO_DIGIT.contains(&two)) => 2,
        _ => 3,
    };
    digits.get(..len).unwrap_or(digits)
}

/// An `allowed_country_codes` entry as digits (a leading `+` is allowed).
pub fn entry_digits(entry: &str) -> &str {
    entry.strip_prefix('+').unwrap_or(entry)
}

/// The longest of `allowed` that `digits` starts with.
pub fn allowed_prefix<'a>(allowed: &'a [String], digits: &str) -> Option<&'a str> {
    allowed
        .iter()
        .map(|e| entry_digits(e))
        .filter(|e| !e.is_empty() && digits.starts_with(e))
        .max_by_key(|e| e.len())
}

/// What `digits` is counted under for the per-country cap: its longest allowed
/// prefix, or (with no allow-list, or none matching) its calling code.
pub fn country<'a>(allowed: &'a [String], digits: &'a str) -> &'a str {
    allowed_prefix(allowed, digits).unwrap_or_else(|| calling_code(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calling_codes_of_one_two_and_three_digits() {
        assert_eq!(calling_code("14155550100"), "1");
        assert_eq!(calling_code("74951234567"), "7");
        assert_eq!(calling_code("393471234567"), "39");
        assert_eq!(calling_code("447700900123"), "44");
        assert_eq!(calling_code("380501234567"), "380");
        assert_eq!(calling_code("2348012345678"), "234");
        assert_eq!(calling_code("99900123"), "999");
        assert_eq!(calling_code("21"), "21");
    }

    #[test]
    fn the_longest_allowed_entry_wins() {
        let allowed: Vec<String> = ["1", "+1876", "380", ""].map(String::from).into();
        assert_eq!(allowed_prefix(&allowed, "18765550100"), Some("1876"));
        assert_eq!(allowed_prefix(&allowed, "14155550100"), Some("1"));
        assert_eq!(allowed_prefix(&allowed, "380501234567"), Some("380"));
        assert_eq!(allowed_prefix(&allowed, "447700900123"), None);
        assert_eq!(country(&allowed, "18765550100"), "1876");
        assert_eq!(country(&[], "18765550100"), "1");
        assert_eq!(country(&allowed, "447700900123"), "44");
    }
}
