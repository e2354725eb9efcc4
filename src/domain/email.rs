use validator::ValidateEmail;

/// A syntactically valid email address. Display keeps the user's spelling; `normalized`
/// is the lower-cased form used for uniqueness and look-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    original: String,
    normalized: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EmailError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most 254 characters")]
    TooLong,
    #[error("is not a valid email address")]
    Invalid,
}

impl EmailAddress {
    pub const MAX_LENGTH: usize = 254;

    pub fn parse(input: &str) -> Result<EmailAddress, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > EmailAddress::MAX_LENGTH {
            return Err(EmailError::TooLong);
        }
        if !trimmed.validate_email() || trimmed.chars().any(char::is_control) {
            return Err(EmailError::Invalid);
        }
        Ok(EmailAddress {
            original: trimmed.to_owned(),
            normalized: trimmed.to_lowercase(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.original
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    pub fn domain(&self) -> &str {
        self.normalized.rsplit('@').next().unwrap_or_default()
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.original)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalizes() {
        let e = EmailAddress::parse("  Ada.Lovelace@Example.ORG ").expect("valid");
        assert_eq!(e.as_str(), "Ada.Lovelace@Example.ORG");
        assert_eq!(e.normalized(), "ada.lovelace@example.org");
        assert_eq!(e.domain(), "example.org");
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(EmailAddress::parse(""), Err(EmailError::Empty));
        for bad in [
            "plainaddress",
            "@no-local.org",
            "a@",
            "a b@c.org",
            "a@b@c.org",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }
}
