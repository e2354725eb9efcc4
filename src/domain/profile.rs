//! A speaker's profile: what the programme and Indico need beside the display name.

use super::person_name::PersonName;
use super::text::{TextError, rules};

/// The five profile fields, each cleaned by its rule (every one may be empty), and the display
/// name when one was sent. Holding one means every field is valid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub given_name: String,
    pub family_name: String,
    pub affiliation: String,
    pub bio: String,
    pub pronouns: String,
}

/// Which field was refused, and why.
pub type ProfileErrors = Vec<(&'static str, TextError)>;

impl Profile {
    /// Parses every field, collecting every problem (field name, error).
    pub fn parse(
        given_name: &str,
        family_name: &str,
        affiliation: &str,
        bio: &str,
        pronouns: &str,
    ) -> Result<Profile, ProfileErrors> {
        let mut errors = Vec::new();
        let mut clean = |field: &'static str, rule: super::TextRule, input: &str| {
            rule.clean(input).unwrap_or_else(|e| {
                errors.push((field, e));
                String::new()
            })
        };
        let profile = Profile {
            given_name: clean("given_name", rules::GIVEN_NAME, given_name),
            family_name: clean("family_name", rules::FAMILY_NAME, family_name),
            affiliation: clean("affiliation", rules::AFFILIATION, affiliation),
            bio: clean("bio", rules::BIO, bio),
            pronouns: clean("pronouns", rules::PRONOUNS, pronouns),
        };
        if errors.is_empty() {
            Ok(profile)
        } else {
            Err(errors)
        }
    }

    /// The display name the given and family names make ("Ada Lovelace"), when they make one
    /// that is a valid display name (not empty, at most 100 characters).
    pub fn default_display_name(&self) -> Option<PersonName> {
        let joined = [self.given_name.as_str(), self.family_name.as_str()]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        PersonName::parse(&joined).ok()
    }

    /// Whether what the programme needs (the affiliation and the bio) is missing.
    pub fn lacks_programme_fields(&self) -> bool {
        self.affiliation.is_empty() || self.bio.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_the_default_name() {
        let p = Profile::parse(
            " Ada ",
            "Lovelace",
            "Analytical Engines",
            "I *compute*.",
            "she/her",
        )
        .unwrap();
        assert_eq!(p.given_name, "Ada");
        assert_eq!(p.default_display_name().unwrap().as_str(), "Ada Lovelace");
        assert_eq!(Profile::default().default_display_name(), None);
        let long = "x".repeat(100);
        let p = Profile::parse(&long, &long, "", "", "").unwrap();
        assert_eq!(
            p.default_display_name(),
            None,
            "201 characters is no display name"
        );
        let errors = Profile::parse(
            &"x".repeat(101),
            "",
            &"a".repeat(201),
            &"b".repeat(2001),
            &"c".repeat(41),
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["given_name", "affiliation", "bio", "pronouns"]);
        assert!(Profile::parse("a\u{7}", "", "", "", "").is_err());
        assert!(Profile::parse("", "", "", "line one\nline two", "").is_ok());
    }
}
