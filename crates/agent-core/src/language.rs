//! The user's language: detection from a message and the fixed messages the agent writes itself.

use serde::{Deserialize, Serialize};

/// A language the agent answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Russian (the default for Cyrillic text).
    #[default]
    Ru,
    /// English.
    En,
}

impl Lang {
    /// The ISO 639-1 code, as stored in the user's memory.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Parses an ISO 639-1 code (`ru`, `en`); anything else is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the Russian or the English text.
    pub fn pick<'a>(self, ru: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
}

/// Detects the language of a message from its letters: Cyrillic wins over Latin when it has at
/// least as many letters; `None` when the text has no letters at all (numbers, commands).
pub fn detect(text: &str) -> Option<Lang> {
    let mut cyrillic = 0usize;
    let mut latin = 0usize;
    for ch in text.chars() {
        if ('\u{0400}'..='\u{04FF}').contains(&ch) {
            cyrillic += 1;
        } else if ch.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    match (cyrillic, latin) {
        (0, 0) => None,
        (c, l) if c >= l => Some(Lang::Ru),
        _ => Some(Lang::En),
    }
}

/// Detects the language of a user's message, falling back to `remembered` for messages that
/// are commands (`/confirm`, `/call …`, `ACTION: …`) or carry no letters.
pub fn detect_for_user(message: &str, remembered: Option<Lang>) -> Lang {
    let trimmed = message.trim_start();
    let is_command = trimmed.starts_with('/')
        || trimmed
            .get(..7)
            .is_some_and(|head| head.eq_ignore_ascii_case("action:"));
    if is_command {
        if let Some(lang) = remembered {
            return lang;
        }
        // A bare command with nothing remembered: Russian is the product's first language,
        // but a command is Latin text, so only Cyrillic in it decides for Russian.
        return if trimmed
            .chars()
            .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
        {
            Lang::Ru
        } else {
            Lang::En
        };
    }
    detect(message).or(remembered).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_russian_and_english() {
        assert_eq!(detect("переведи сделку 4512 в WON"), Some(Lang::Ru));
        assert_eq!(detect("move deal 4512 to won"), Some(Lang::En));
        assert_eq!(detect("да"), Some(Lang::Ru));
        assert_eq!(detect("4512 !!!"), None);
    }

    #[test]
    fn commands_use_the_remembered_language() {
        assert_eq!(detect_for_user("/confirm", Some(Lang::Ru)), Lang::Ru);
        assert_eq!(detect_for_user("/confirm", None), Lang::En);
        assert_eq!(
            detect_for_user("ACTION: {\"method\":\"user.current\"}", Some(Lang::Ru)),
            Lang::Ru
        );
        assert_eq!(detect_for_user("123", Some(Lang::En)), Lang::En);
        assert_eq!(detect_for_user("123", None), Lang::Ru);
    }
}
