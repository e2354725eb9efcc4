//! A binarised multinomial naive Bayes model over word unigrams and bigrams, trained
//! on the embedded corpus of freshly written proposals (`corpus.csv`).

use std::collections::{BTreeMap, BTreeSet};

use super::Track;
use super::text;

/// Function words and conference boilerplate that say nothing about the track.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "both",
    "but",
    "by",
    "can",
    "could",
    "do",
    "does",
    "each",
    "for",
    "from",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "let",
    "like",
    "may",
    "me",
    "more",
    "most",
    "much",
    "my",
    "new",
    "of",
    "on",
    "one",
    "or",
    "our",
    "out",
    "over",
    "plus",
    "presentation",
    "rust",
    "session",
    "should",
    "so",
    "some",
    "such",
    "talk",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "up",
    "us",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
];

/// Laplace smoothing; 1.0 is the textbook choice and was not tuned.
const SMOOTHING: f64 = 1.0;
/// Features seen in fewer training documents are noise for a corpus this small.
const MIN_DOCUMENT_FREQUENCY: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NaiveBayes {
    /// log P(feature | Rust for Linux) - log P(feature | Rust) per known feature.
    log_ratios: BTreeMap<String, f64>,
}

/// One training example.
pub(crate) struct Example<'a> {
    pub track: Track,
    pub text: &'a str,
}

impl NaiveBayes {
    pub(crate) fn train(examples: &[Example<'_>]) -> NaiveBayes {
        let mut counts: BTreeMap<String, [usize; 2]> = BTreeMap::new();
        for example in examples {
            let class = class_index(example.track);
            for feature in features(example.text) {
                counts.entry(feature).or_default()[class] += 1;
            }
        }
        counts.retain(|_, per_class| per_class[0] + per_class[1] >= MIN_DOCUMENT_FREQUENCY);
        let vocabulary = counts.len() as f64;
        let mut totals = [0.0; 2];
        for per_class in counts.values() {
            totals[0] += per_class[0] as f64;
            totals[1] += per_class[1] as f64;
        }
        let log_ratios = counts
            .into_iter()
            .map(|(feature, per_class)| {
                let probability = |class: usize| {
                    (per_class[class] as f64 + SMOOTHING) / (totals[class] + SMOOTHING * vocabulary)
                };
                (feature, (probability(0) / probability(1)).ln())
            })
            .collect();
        NaiveBayes { log_ratios }
    }

    /// Per-feature log-likelihood ratios (positive: Rust for Linux) for the known,
    /// distinct features of `text`, in first-occurrence order.
    pub(crate) fn contributions(&self, text: &str) -> Vec<(String, f64)> {
        features(text)
            .into_iter()
            .filter_map(|feature| {
                let ratio = *self.log_ratios.get(&feature)?;
                Some((feature, ratio))
            })
            .collect()
    }
}

fn class_index(track: Track) -> usize {
    match track {
        Track::RustForLinux => 0,
        Track::Rust => 1,
    }
}

/// The words that carry meaning, in order: no function words, no boilerplate, no numbers.
pub(crate) fn content_words(text: &str) -> Vec<String> {
    text::words(text)
        .into_iter()
        .filter(|word| !STOPWORDS.contains(&word.as_str()) && !is_number(word))
        .collect()
}

/// Distinct unigrams and bigrams of the content words, in first-occurrence order.
pub(crate) fn features(text: &str) -> Vec<String> {
    let content = content_words(text);
    let mut seen = BTreeSet::new();
    let unigrams = content.iter().cloned();
    let bigrams = content
        .windows(2)
        .map(|pair| format!("{} {}", pair[0], pair[1]));
    unigrams
        .chain(bigrams)
        .filter(|feature| seen.insert(feature.clone()))
        .collect()
}

fn is_number(word: &str) -> bool {
    word.chars().all(|ch| ch.is_ascii_digit())
}
