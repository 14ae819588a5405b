//! User-id validation: an id becomes a file name, so it must be safe as one.

use std::fmt;

use crate::StoreError;

/// The longest user id accepted, in UTF-8 bytes (64 Cyrillic letters, 128 ASCII ones).
///
/// File names are limited to 255 bytes on common file systems; the store adds at most
/// about 45 bytes of suffixes (`.json.corrupt-<timestamp>`, temp-file names).
pub const MAX_USER_ID_BYTES: usize = 128;

/// Characters that are path separators or otherwise special in file names on some OS.
const FORBIDDEN_CHARS: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// How many characters of a rejected id an error keeps.
const ERROR_ID_CHARS: usize = 64;

/// Why a user id was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidUserIdReason {
    /// The id is empty.
    Empty,
    /// The id is longer than [`MAX_USER_ID_BYTES`].
    TooLong {
        /// Its length in bytes.
        bytes: usize,
    },
    /// The id contains a path separator or a character file systems reserve.
    ForbiddenCharacter(char),
    /// The id contains a control character (newline, NUL, ...).
    ControlCharacter,
    /// The id contains `..`.
    DotDot,
    /// The id starts with `.` (hidden names are reserved for the store's own files).
    LeadingDot,
    /// The id starts or ends with whitespace.
    SurroundingWhitespace,
}

impl fmt::Display for InvalidUserIdReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong { bytes } => write!(
                f,
                "it is {bytes} bytes long, the limit is {MAX_USER_ID_BYTES} bytes"
            ),
            Self::ForbiddenCharacter(c) => write!(f, "it contains the forbidden character {c:?}"),
            Self::ControlCharacter => f.write_str("it contains a control character"),
            Self::DotDot => f.write_str("it contains \"..\""),
            Self::LeadingDot => f.write_str("it starts with \".\""),
            Self::SurroundingWhitespace => f.write_str("it starts or ends with whitespace"),
        }
    }
}

/// Checks that `user_id` can safely name a state file.
///
/// Accepted: any non-empty text up to [`MAX_USER_ID_BYTES`] bytes without path separators,
/// reserved characters (`/ \ : * ? " < > |`), control characters, `..`, a leading `.`, or
/// leading/trailing whitespace. Digits-only ids (Bitrix24, Telegram), e-mail-like ids with
/// `@`, and Cyrillic names are all valid.
pub fn validate_user_id(user_id: &str) -> Result<(), StoreError> {
    check(user_id).map_err(|reason| StoreError::InvalidUserId {
        user_id: user_id.chars().take(ERROR_ID_CHARS).collect(),
        reason,
    })
}

fn check(id: &str) -> Result<(), InvalidUserIdReason> {
    if id.is_empty() {
        return Err(InvalidUserIdReason::Empty);
    }
    if id.len() > MAX_USER_ID_BYTES {
        return Err(InvalidUserIdReason::TooLong { bytes: id.len() });
    }
    if let Some(c) = id.chars().find(|c| FORBIDDEN_CHARS.contains(c)) {
        return Err(InvalidUserIdReason::ForbiddenCharacter(c));
    }
    if id.chars().any(char::is_control) {
        return Err(InvalidUserIdReason::ControlCharacter);
    }
    if id.contains("..") {
        return Err(InvalidUserIdReason::DotDot);
    }
    if id.starts_with('.') {
        return Err(InvalidUserIdReason::LeadingDot);
    }
    if id.starts_with(char::is_whitespace) || id.ends_with(char::is_whitespace) {
        return Err(InvalidUserIdReason::SurroundingWhitespace);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn reason(id: &str) -> InvalidUserIdReason {
        match validate_user_id(id) {
            Err(StoreError::InvalidUserId { reason, .. }) => reason,
            other => panic!("{id:?} should be rejected, got {other:?}"),
        }
    }

    #[test]
    fn unusual_but_valid_ids_are_accepted() {
        for id in [
            "1",
            "000123",
            "9223372036854775807",
            "ivan.petrov@example.com",
            "Иван Петров",
            "tg_@durov",
            "user-42_b24",
            "a.b",
            "ё",
            "名前",
            "con",
            &"я".repeat(MAX_USER_ID_BYTES / 2),
            &"x".repeat(MAX_USER_ID_BYTES),
        ] {
            validate_user_id(id).unwrap_or_else(|e| panic!("{id:?}: {e}"));
        }
    }

    #[test]
    fn traversal_attempts_are_rejected() {
        assert_eq!(reason(".."), InvalidUserIdReason::DotDot);
        assert_eq!(reason("."), InvalidUserIdReason::LeadingDot);
        assert_eq!(reason(".hidden"), InvalidUserIdReason::LeadingDot);
        assert_eq!(reason("a..b"), InvalidUserIdReason::DotDot);
        assert_eq!(
            reason("../etc/passwd"),
            InvalidUserIdReason::ForbiddenCharacter('/')
        );
        assert_eq!(
            reason("..\\windows"),
            InvalidUserIdReason::ForbiddenCharacter('\\')
        );
        assert_eq!(
            reason("/abs/path"),
            InvalidUserIdReason::ForbiddenCharacter('/')
        );
        assert_eq!(
            reason("C:evil"),
            InvalidUserIdReason::ForbiddenCharacter(':')
        );
        assert_eq!(reason("a\0b"), InvalidUserIdReason::ControlCharacter);
        assert_eq!(reason("a\nb"), InvalidUserIdReason::ControlCharacter);
        assert_eq!(reason("a\u{7f}"), InvalidUserIdReason::ControlCharacter);
        assert_eq!(reason("a\u{85}"), InvalidUserIdReason::ControlCharacter);
    }

    #[test]
    fn empty_huge_and_padded_ids_are_rejected() {
        assert_eq!(reason(""), InvalidUserIdReason::Empty);
        assert_eq!(reason(" ivan"), InvalidUserIdReason::SurroundingWhitespace);
        assert_eq!(
            reason("ivan\u{a0}"),
            InvalidUserIdReason::SurroundingWhitespace
        );
        let long = "x".repeat(MAX_USER_ID_BYTES + 1);
        assert_eq!(
            reason(&long),
            InvalidUserIdReason::TooLong {
                bytes: MAX_USER_ID_BYTES + 1
            }
        );
        // The bound is in bytes: 65 Cyrillic letters are 130 bytes.
        assert_eq!(
            reason(&"я".repeat(65)),
            InvalidUserIdReason::TooLong { bytes: 130 }
        );
        // A megabyte id is rejected and the error does not carry all of it.
        let huge = "ж".repeat(500_000);
        let err = validate_user_id(&huge).unwrap_err();
        assert!(err.to_string().len() < 300, "{}", err.to_string().len());
    }

    proptest! {
        #[test]
        fn accepted_ids_are_single_plain_file_names(id in "\\PC{0,80}") {
            if validate_user_id(&id).is_ok() {
                let name = format!("{id}.json");
                let path = std::path::Path::new(&name);
                let mut parts = path.components();
                let first = parts.next();
                prop_assert!(matches!(first, Some(std::path::Component::Normal(_))));
                prop_assert!(parts.next().is_none());
                prop_assert!(!id.starts_with('.'));
                prop_assert!(id.len() <= MAX_USER_ID_BYTES);
            }
        }

        #[test]
        fn ids_with_a_separator_are_always_rejected(
            a in "\\PC{0,20}", sep in "[/\\\\]", b in "\\PC{0,20}"
        ) {
            let id = format!("{a}{sep}{b}");
            prop_assert!(validate_user_id(&id).is_err());
        }

        #[test]
        fn plain_alphanumeric_ids_are_accepted(id in "[a-zA-Z0-9а-яА-ЯёЁ@_-]{1,40}") {
            prop_assert!(validate_user_id(&id).is_ok());
        }
    }
}
