use super::text::{TextError, rules};

/// 5–150 characters after trimming, NFC, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalTitle(String);

impl ProposalTitle {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        rules::PROPOSAL_TITLE.clean(input).map(ProposalTitle)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 50–5,000 characters of Markdown (rendered sanitized), NFC, newlines allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abstract(String);

impl Abstract {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        rules::ABSTRACT.clean(input).map(Abstract)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Notes to the chairs: optional, at most 5,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChairNotes(String);

impl ChairNotes {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        rules::CHAIR_NOTES.clean(input).map(ChairNotes)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A link to materials: an absolute http(s) URL of at most 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialLink(String);

impl MaterialLink {
    pub const MAX_LENGTH: usize = 2000;

    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.len() > MaterialLink::MAX_LENGTH {
            return Err("must be at most 2000 characters".into());
        }
        let url =
            url::Url::parse(trimmed).map_err(|_| format!("`{trimmed}` is not an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err("only http:// and https:// links are allowed".into());
        }
        Ok(MaterialLink(url.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_schemes() {
        assert!(ProposalTitle::parse("  Rust  ").is_err());
        assert!(ProposalTitle::parse("Rust in the kernel").is_ok());
        assert!(ProposalTitle::parse(&"x".repeat(151)).is_err());
        assert!(Abstract::parse(&"word ".repeat(5)).is_err());
        assert!(Abstract::parse(&"word ".repeat(20)).is_ok());
        assert!(Abstract::parse(&"w".repeat(5001)).is_err());
        assert!(ChairNotes::parse("").is_ok());
        assert!(MaterialLink::parse("https://lwn.net/Articles/1/").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x.org/a",
            "/relative",
            "data:text/html,x",
            "https://",
        ] {
            assert!(MaterialLink::parse(bad).is_err(), "{bad}");
        }
    }
}
