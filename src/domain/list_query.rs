//! The chairs' proposal list: a text search (`?q=`) and a sort (`?sort=`, `-` for descending),
//! each parsed once at the edge.

/// The longest search, in characters.
pub const SEARCH_MAX_CHARS: usize = 200;

/// A chair's text search over titles, abstracts and speakers' names, trimmed, never empty.
///
/// It runs as PostgreSQL full text search: `websearch` holds the text as typed (quotes, `or`
/// and `-word` as on a search engine, stemmed in English), and `prefixes`, when the search uses
/// none of those operators, every word as a prefix (`ada lov` finds "Ada Lovelace"), so a short
/// query or a part of a name finds something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    websearch: String,
    prefixes: Option<String>,
}

/// At most this many words become prefixes.
const PREFIX_WORDS: usize = 8;

impl SearchText {
    /// `None` for an absent or blank search; an error message for one that is too long or holds
    /// control characters.
    pub fn parse(text: Option<&str>) -> Result<Option<SearchText>, String> {
        let Some(text) = text else { return Ok(None) };
        if text.chars().count() > SEARCH_MAX_CHARS {
            return Err(format!("must be at most {SEARCH_MAX_CHARS} characters"));
        }
        if text.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let lower = text.to_lowercase();
        let operators = text.contains('"')
            || lower
                .split_whitespace()
                .any(|w| w == "or" || w.starts_with('-'));
        let words: Vec<String> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(PREFIX_WORDS)
            // quoted lexemes: nothing inside can be tsquery syntax (no quote, no backslash)
            .map(|w| format!("'{w}':*"))
            .collect();
        let prefixes = (!operators && !words.is_empty()).then(|| words.join(" & "));
        Ok(Some(SearchText {
            websearch: text.to_owned(),
            prefixes,
        }))
    }

    /// For `websearch_to_tsquery`.
    pub fn websearch(&self) -> &str {
        &self.websearch
    }

    /// For `to_tsquery('simple', …)`: every word as a prefix, all required.
    pub fn prefixes(&self) -> Option<&str> {
        self.prefixes.as_deref()
    }
}

/// A column the list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// When it was submitted.
    CreatedAt,
    /// Its title, case-insensitively.
    Title,
    /// The calibrated score (the ranking's order).
    Calibrated,
    /// The raw mean score.
    Mean,
    /// How many counted reviews it has.
    Reviews,
    /// The tagger's confidence in its track.
    Confidence,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::CreatedAt,
        SortKey::Title,
        SortKey::Calibrated,
        SortKey::Mean,
        SortKey::Reviews,
        SortKey::Confidence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::CreatedAt => "created_at",
            SortKey::Title => "title",
            SortKey::Calibrated => "calibrated",
            SortKey::Mean => "mean",
            SortKey::Reviews => "reviews",
            SortKey::Confidence => "confidence",
        }
    }

    pub fn parse(text: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Its figures come from the reviews (the cached ranking), not from a proposal's columns.
    pub fn from_reviews(self) -> bool {
        matches!(self, SortKey::Calibrated | SortKey::Mean | SortKey::Reviews)
    }

    /// The direction a click on its column header sorts first: best scores, most reviews and
    /// newest first; titles A to Z; the least sure tags first.
    pub fn first_descending(self) -> bool {
        matches!(
            self,
            SortKey::Calibrated | SortKey::Mean | SortKey::Reviews | SortKey::CreatedAt
        )
    }
}

/// A list's order: a key, and `-` in front for descending. Proposals without a value (no
/// reviews yet, withdrawn, no tag) come last either way; ties go by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProposalSort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for ProposalSort {
    /// Oldest first, the order the list always had.
    fn default() -> Self {
        ProposalSort {
            key: SortKey::CreatedAt,
            descending: false,
        }
    }
}

impl ProposalSort {
    /// Every value `?sort=` takes, ascending then descending per key.
    pub fn values() -> Vec<String> {
        SortKey::ALL
            .into_iter()
            .flat_map(|k| [k.as_str().to_owned(), format!("-{}", k.as_str())])
            .collect()
    }

    /// `None` (absent or blank) is the default order; an error message for an unknown key.
    pub fn parse(text: Option<&str>) -> Result<ProposalSort, String> {
        let text = text.unwrap_or_default();
        if text.is_empty() {
            return Ok(ProposalSort::default());
        }
        let (descending, key) = match text.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, text),
        };
        SortKey::parse(key)
            .map(|key| ProposalSort { key, descending })
            .ok_or_else(|| {
                format!(
                    "must be one of {}, with - in front for descending",
                    SortKey::ALL.map(SortKey::as_str).join(", ")
                )
            })
    }

    /// As `?sort=` writes it.
    pub fn as_param(&self) -> String {
        if self.descending {
            format!("-{}", self.key.as_str())
        } else {
            self.key.as_str().to_owned()
        }
    }

    /// What a click on `key`'s column header asks for: the other direction when the list is
    /// sorted by it already, else its first direction.
    pub fn toggled(&self, key: SortKey) -> ProposalSort {
        if self.key == key {
            ProposalSort {
                key,
                descending: !self.descending,
            }
        } else {
            ProposalSort {
                key,
                descending: key.first_descending(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_parse_with_a_minus_for_descending() {
        assert_eq!(ProposalSort::parse(None), Ok(ProposalSort::default()));
        assert_eq!(ProposalSort::parse(Some("")), Ok(ProposalSort::default()));
        let best = ProposalSort::parse(Some("-calibrated")).expect("valid");
        assert_eq!((best.key, best.descending), (SortKey::Calibrated, true));
        assert_eq!(best.as_param(), "-calibrated");
        assert!(ProposalSort::parse(Some("--title")).is_err());
        assert!(ProposalSort::parse(Some("score")).is_err());
        assert_eq!(ProposalSort::values().len(), 12);
        for value in ProposalSort::values() {
            assert_eq!(
                ProposalSort::parse(Some(&value)).map(|s| s.as_param()),
                Ok(value)
            );
        }
    }

    #[test]
    fn header_clicks_flip_the_sorted_column_and_start_the_others_their_way() {
        let by_title = ProposalSort::parse(Some("title")).expect("valid");
        assert_eq!(by_title.toggled(SortKey::Title).as_param(), "-title");
        assert_eq!(by_title.toggled(SortKey::Mean).as_param(), "-mean");
        assert_eq!(
            by_title.toggled(SortKey::Confidence).as_param(),
            "confidence"
        );
    }

    #[test]
    fn searches_keep_the_text_and_make_prefixes_of_plain_words() {
        assert_eq!(SearchText::parse(None), Ok(None));
        assert_eq!(SearchText::parse(Some("   ")), Ok(None));
        let s = SearchText::parse(Some(" Ada  Love-lace "))
            .expect("valid")
            .expect("some");
        assert_eq!(s.websearch(), "Ada  Love-lace");
        assert_eq!(s.prefixes(), Some("'ada':* & 'love':* & 'lace':*"));
        let quoted = SearchText::parse(Some("\"borrow checker\" -async"))
            .expect("valid")
            .expect("some");
        assert_eq!(quoted.prefixes(), None);
        let odd = SearchText::parse(Some("'; DROP \\ :*"))
            .expect("valid")
            .expect("some");
        assert_eq!(odd.prefixes(), Some("'drop':*"));
        assert!(SearchText::parse(Some("a\u{0}b")).is_err());
        assert!(SearchText::parse(Some(&"x".repeat(201))).is_err());
        assert!(SearchText::parse(Some(&"é".repeat(200))).is_ok());
    }
}
