/// A new password that meets the policy: 10–1024 characters, not all of one class.
/// Only ever held in memory on the way to the hasher.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PasswordError {
    #[error("must be at least 10 characters long (it has {0})")]
    TooShort(usize),
    #[error("must be at most 1024 characters long")]
    TooLong,
    #[error(
        "must mix at least two kinds of characters (lower-case, upper-case, digits, symbols); it has only {0}"
    )]
    OneClass(&'static str),
}

impl NewPassword {
    pub const MIN_LENGTH: usize = 10;
    pub const MAX_LENGTH: usize = 1024;

    pub fn parse(input: &str) -> Result<NewPassword, PasswordError> {
        let length = input.chars().count();
        if length < NewPassword::MIN_LENGTH {
            return Err(PasswordError::TooShort(length));
        }
        if length > NewPassword::MAX_LENGTH {
            return Err(PasswordError::TooLong);
        }
        let class = |c: char| {
            if c.is_lowercase() {
                "lower-case letters"
            } else if c.is_uppercase() {
                "upper-case letters"
            } else if c.is_numeric() {
                "digits"
            } else {
                "symbols"
            }
        };
        let mut chars = input.chars();
        if let Some(first) = chars.next() {
            let first_class = class(first);
            if chars.all(|c| class(c) == first_class) {
                return Err(PasswordError::OneClass(first_class));
            }
        }
        Ok(NewPassword(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(
            NewPassword::parse("short1A").err(),
            Some(PasswordError::TooShort(7))
        );
        assert_eq!(
            NewPassword::parse("abcdefghijkl").err(),
            Some(PasswordError::OneClass("lower-case letters"))
        );
        assert_eq!(
            NewPassword::parse("12345678901").err(),
            Some(PasswordError::OneClass("digits"))
        );
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(NewPassword::parse("abcdefghij1").is_ok());
        assert_eq!(
            NewPassword::parse(&"aB".repeat(600)).err(),
            Some(PasswordError::TooLong)
        );
    }
}
