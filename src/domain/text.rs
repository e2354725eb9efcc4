use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at least {0} characters")]
    TooShort(usize),
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// NFC-normalises and trims `input`, rejects control characters (newlines and tabs only where
/// `multiline`), and checks the length in characters.
pub fn clean_text(
    input: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, TextError> {
    let normalized: String = input.nfc().collect();
    let trimmed = normalized.trim();
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if trimmed.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::ControlCharacter);
    }
    let length = trimmed.chars().count();
    if length == 0 && min > 0 {
        return Err(TextError::Empty);
    }
    if length < min {
        return Err(TextError::TooShort(min));
    }
    if length > max {
        return Err(TextError::TooLong(max));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_trims_and_bounds() {
        // "e" + combining acute becomes the single precomposed character.
        assert_eq!(
            clean_text("  Cafe\u{301} ", 1, 10, false),
            Ok("Café".into())
        );
        assert_eq!(clean_text("   ", 1, 10, false), Err(TextError::Empty));
        assert_eq!(clean_text("ab", 3, 10, false), Err(TextError::TooShort(3)));
        assert_eq!(clean_text("abcd", 1, 3, false), Err(TextError::TooLong(3)));
        assert_eq!(
            clean_text("a\u{7}b", 1, 10, false),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            clean_text("a\nb", 1, 10, false),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(clean_text("a\nb", 1, 10, true), Ok("a\nb".into()));
    }
}
