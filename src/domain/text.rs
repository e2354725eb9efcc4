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

/// The bounds of a free-text field in characters (at most `max` as sent and once trimmed, at
/// least `min` once trimmed), and whether it may span lines:
/// its parser (`clean`) and its OpenAPI schema (`crate::domain::schema`) both read them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextRule {
    pub min: usize,
    pub max: usize,
    pub multiline: bool,
}

impl TextRule {
    /// One line of text.
    pub const fn line(min: usize, max: usize) -> TextRule {
        TextRule {
            min,
            max,
            multiline: false,
        }
    }

    /// Text that may hold newlines and tabs (Markdown, a note, an email body).
    pub const fn lines(min: usize, max: usize) -> TextRule {
        TextRule {
            min,
            max,
            multiline: true,
        }
    }

    pub fn clean(self, input: &str) -> Result<String, TextError> {
        clean_text(input, self.min, self.max, self.multiline)
    }
}

/// The free-text fields that no newtype holds: one rule each, shared by the API's parsers and
/// its OpenAPI document.
pub mod rules {
    use super::TextRule;

    pub const PERSON_NAME: TextRule = TextRule::line(1, 100);
    pub const TOKEN_NAME: TextRule = TextRule::line(1, 100);
    pub const PROPOSAL_TITLE: TextRule = TextRule::line(5, 150);
    pub const ABSTRACT: TextRule = TextRule::lines(50, 5000);
    pub const CHAIR_NOTES: TextRule = TextRule::lines(0, 5000);
    pub const EVENT_TITLE: TextRule = TextRule::line(3, 200);
    pub const EVENT_DESCRIPTION: TextRule = TextRule::lines(0, 20_000);
    /// A format's or a track's name.
    pub const LABEL: TextRule = TextRule::line(1, 100);
    pub const DECISION_NOTE: TextRule = TextRule::lines(0, 5000);
    pub const REVIEW_COMMENT: TextRule = TextRule::lines(0, 10_000);
    pub const TEMPLATE_SUBJECT: TextRule = TextRule::line(1, 300);
    pub const TEMPLATE_BODY: TextRule = TextRule::lines(1, 20_000);
    /// A chairs' email to a selection of speakers.
    pub const MAILING_SUBJECT: TextRule = TextRule::line(1, 200);
    pub const MAILING_BODY: TextRule = TextRule::lines(1, 20_000);
    /// What the tagging hint classifies: a draft, so empty is fine.
    pub const DRAFT_TITLE: TextRule = TextRule::line(0, 150);
    pub const DRAFT_ABSTRACT: TextRule = TextRule::lines(0, 5000);
    /// A speaker's profile (`crate::domain::Profile`): every field may be empty.
    pub const GIVEN_NAME: TextRule = TextRule::line(0, 100);
    pub const FAMILY_NAME: TextRule = TextRule::line(0, 100);
    pub const AFFILIATION: TextRule = TextRule::line(0, 200);
    pub const PRONOUNS: TextRule = TextRule::line(0, 40);
    /// Markdown, rendered with the abstracts' sanitizer.
    pub const BIO: TextRule = TextRule::lines(0, 2000);
}

/// NFC-normalises and trims `input`, rejects control characters (newlines and tabs only where
/// `multiline`), and checks the length in characters: at most `max` as sent and once cleaned,
/// at least `min` once cleaned. (The length as sent is what a schema's `maxLength` states: a
/// text over it is refused even when trimming would bring it under.)
pub fn clean_text(
    input: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, TextError> {
    if input.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
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
        // whitespace counts towards the most as sent, not towards the least
        assert_eq!(clean_text(" abc", 1, 3, false), Err(TextError::TooLong(3)));
        assert_eq!(clean_text(" a ", 2, 3, false), Err(TextError::TooShort(2)));
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
