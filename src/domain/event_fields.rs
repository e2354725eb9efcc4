/// A URL-safe event slug: 3–64 of a–z, 0–9 and '-', not starting or ending with '-'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSlug(String);

impl EventSlug {
    pub const MIN_LENGTH: usize = 3;
    pub const MAX_LENGTH: usize = 64;

    pub fn parse(input: &str) -> Result<EventSlug, String> {
        let s = input.trim();
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !(EventSlug::MIN_LENGTH..=EventSlug::MAX_LENGTH).contains(&s.len())
            || !ok_chars
            || s.starts_with('-')
            || s.ends_with('-')
        {
            return Err(
                "must be 3–64 characters of a–z, 0–9 and '-', not starting or ending with '-'"
                    .into(),
            );
        }
        Ok(EventSlug(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name such as `America/New_York`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneName(pub chrono_tz::Tz);

impl TimeZoneName {
    pub fn parse(input: &str) -> Result<TimeZoneName, String> {
        input
            .trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZoneName)
            .map_err(|_| {
                format!(
                    "`{}` is not an IANA time zone name such as America/New_York",
                    input.trim()
                )
            })
    }
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_zones() {
        assert!(EventSlug::parse("lpc-2026-rust").is_ok());
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "ABC",
            "a b c",
            "a/b/c",
            &"a".repeat(65),
        ] {
            assert!(EventSlug::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            TimeZoneName::parse("America/New_York").map(|z| z.name()),
            Ok("America/New_York")
        );
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
    }
}
