//! What a channel delivers: `Channel`, `Lang` and `Delivery`, with the texts a
//! person reads or hears. The code never appears in `Debug`.

use std::fmt;

/// The two ways a verification code reaches a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A text message.
    Sms,
    /// An IVR call that reads the code aloud.
    Voice,
}

impl Channel {
    /// The name used in the outbox, the webhook body and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Voice => "voice",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The language of a voice call (`services=[Lang]` in a `voice` request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Ukrainian.
    Ua,
    /// English, the default.
    En,
    /// Italian.
    It,
}

impl Lang {
    /// Parses the atom a client sends (`ua`, `en`, `it`); anything else is `None`.
    pub fn from_atom(atom: &str) -> Option<Lang> {
        match atom {
            "ua" => Some(Lang::Ua),
            "en" => Some(Lang::En),
            "it" => Some(Lang::It),
            _ => None,
        }
    }

    /// The atom spelling, also used in the outbox and the webhook body.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ua => "ua",
            Lang::En => "en",
            Lang::It => "it",
        }
    }

    /// The BCP 47 locale a speech engine expects (TwiML `<Say language="…">`).
    pub fn locale(self) -> &'static str {
        match self {
            Lang::Ua => "uk-UA",
            Lang::En => "en-US",
            Lang::It => "it-IT",
        }
    }

    /// The sentence that introduces the digits in this language.
    fn voice_intro(self) -> &'static str {
        match self {
            Lang::Ua => "Ваш код roster:",
            Lang::En => "Your roster code is",
            Lang::It => "Il tuo codice roster è",
        }
    }
}

/// One verification code to deliver to one phone.
#[derive(Clone, PartialEq, Eq)]
pub struct Delivery {
    /// SMS or voice; the actor that receives it must be of the same channel.
    pub channel: Channel,
    /// The destination: digits only, no leading `+`.
    pub phone: String,
    /// The verification code (secret: never logged, never in `Debug`).
    pub code: String,
    /// The language of a voice call; `None` for SMS.
    pub lang: Option<Lang>,
    /// The rendered message or spoken text (contains the code).
    pub text: String,
}

impl Delivery {
    /// An SMS: "Your roster code: 123456".
    pub fn sms(phone: impl Into<String>, code: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            channel: Channel::Sms,
            phone: phone.into(),
            text: format!("Your roster code: {code}"),
            code,
            lang: None,
        }
    }

    /// A voice call reading the code digit by digit in `lang`.
    pub fn voice(phone: impl Into<String>, code: impl Into<String>, lang: Lang) -> Self {
        let code = code.into();
        Self {
            channel: Channel::Voice,
            phone: phone.into(),
            text: format!("{} {}", lang.voice_intro(), spoken_digits(&code)),
            code,
            lang: Some(lang),
        }
    }

    /// The phone with its middle hidden, for logs.
    pub fn masked_phone(&self) -> String {
        mask_phone(&self.phone)
    }
}

/// "123456" → "1, 2, 3, 4, 5, 6": a speech engine reads digits, not a number.
fn spoken_digits(code: &str) -> String {
    let digits: Vec<String> = code.chars().map(String::from).collect();
    digits.join(", ")
}

/// Keeps the first three and last two digits of a phone ("380***22") for logs.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 5 {
        return "***".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}***{tail}")
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("channel", &self.channel)
            .field("phone", &self.masked_phone())
            .field("code", &"***")
            .field("lang", &self.lang)
            .field("text", &"***")
            .finish()
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.channel, self.masked_phone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_text() {
        let d = Delivery::sms("380501234522", "123456");
        assert_eq!(d.text, "Your roster code: 123456");
        assert_eq!((d.channel, d.lang), (Channel::Sms, None));
    }

    #[test]
    fn voice_texts_read_digit_by_digit() {
        let en = Delivery::voice("380501234522", "123456", Lang::En);
        assert_eq!(en.text, "Your roster code is 1, 2, 3, 4, 5, 6");
        let it = Delivery::voice("380501234522", "907", Lang::It);
        assert_eq!(it.text, "Il tuo codice roster è 9, 0, 7");
        let ua = Delivery::voice("380501234522", "12", Lang::Ua);
        assert_eq!(ua.text, "Ваш код roster: 1, 2");
        assert_eq!(ua.lang, Some(Lang::Ua));
    }

    #[test]
    fn langs_parse_from_atoms() {
        assert_eq!(Lang::from_atom("ua"), Some(Lang::Ua));
        assert_eq!(Lang::from_atom("en"), Some(Lang::En));
        assert_eq!(Lang::from_atom("it"), Some(Lang::It));
        assert_eq!(Lang::from_atom("uk"), None);
        assert_eq!(Lang::from_atom("EN"), None);
    }

    #[test]
    fn debug_and_display_hide_the_code() {
        let d = Delivery::voice("380501234522", "918273", Lang::En);
        for shown in [format!("{d:?}"), format!("{d:#?}"), d.to_string()] {
            assert!(!shown.contains("918273"), "{shown}");
            assert!(!shown.contains("9, 1, 8"), "{shown}");
            assert!(!shown.contains("380501234522"), "{shown}");
            assert!(shown.contains("380***22"), "{shown}");
        }
    }

    #[test]
    fn short_phones_are_fully_masked() {
        assert_eq!(mask_phone("12345"), "***");
        assert_eq!(mask_phone("123456"), "123***56");
    }
}
