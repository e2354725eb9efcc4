use super::text::{TextError, rules};

/// A person's display name: 1–100 characters, NFC, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<PersonName, TextError> {
        rules::PERSON_NAME.clean(input).map(PersonName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(PersonName::parse(" Ada ").map(|n| n.0), Ok("Ada".into()));
        assert!(PersonName::parse("").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(PersonName::parse("Ada\u{0}").is_err());
    }
}
