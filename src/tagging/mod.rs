//! Topic tagger: sorts a talk proposal into the Rust for Linux or the general Rust track
//! of the Rust microconference and explains why.
//!
//! The score is the sum of two parts, both deterministic and std-only:
//! - a hand-built lexicon (`lexicon/`) of domain terms with weights, adjusted by
//!   context rules: negation ("not a kernel talk"), user-space modifiers ("user-space
//!   driver"), compile targets ("able to compile the kernel") and tool talks (a compiler
//!   or tool named in the title makes kernel words in the abstract mere motivation);
//! - a naive Bayes model (`model.rs`) over word unigrams and bigrams, trained at first
//!   use inside a `OnceLock` from the embedded `corpus.csv` (our own written proposals).
//!
//! Positive scores mean Rust for Linux. The general track wins ties: it is the
//! catch-all for everything that is not about the kernel.

mod csv;
mod lexicon;
mod model;
mod text;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

pub use crate::domain::track::{SUBTOPICS, Subtopic, Track};
use lexicon::{Cue, CueKind};
use model::NaiveBayes;
use text::{Field, Token};

#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub track: Track,
    /// Probability of `track` under the model: 0.5 means no evidence either way.
    pub confidence: f64,
    /// Keys from `SUBTOPICS` of the chosen track, best first, at most three.
    pub subtopics: Vec<&'static str>,
    /// Human-readable reasons, strongest support for `track` first, then the strongest
    /// counter-evidence.
    pub evidence: Vec<String>,
}

/// Classifies one proposal. Deterministic; the model is trained once, on first use.
pub fn classify(title: &str, abstract_text: &str, notes: &str) -> Classification {
    tagger().classify(title, abstract_text, notes)
}

/// The tagger's normalized terms of a text, for comparing proposals with each other: its content
/// words (no function words, boilerplate or numbers), lightly stemmed so that "drivers" and
/// "driver", "scheduling" and "schedule" meet.
pub fn terms(text: &str) -> Vec<String> {
    model::content_words(text)
        .into_iter()
        .filter(|word| word.chars().count() > 1)
        .map(|word| stem(&word))
        .collect()
}

/// Strips the commonest English inflections; short words are left alone.
fn stem(word: &str) -> String {
    let n = word.chars().count();
    for (suffix, min_len, replacement) in [
        ("ies", 5, "y"),
        ("ing", 6, ""),
        ("ed", 5, ""),
        ("es", 5, ""),
        ("s", 4, ""),
    ] {
        if n >= min_len && word.ends_with(suffix) && !word.ends_with("ss") {
            let stem = &word[..word.len() - suffix.len()];
            return format!("{stem}{replacement}")
                .trim_end_matches('e')
                .to_owned();
        }
    }
    word.trim_end_matches('e').to_owned()
}

/// How many of the corpus's proposals use each term, and how many proposals it has: the
/// background against which a small event's terms are weighed (a term every Rust talk uses says
/// little about which talk it is).
pub fn corpus_term_frequencies() -> &'static (usize, HashMap<String, u32>) {
    static FREQUENCIES: OnceLock<(usize, HashMap<String, u32>)> = OnceLock::new();
    FREQUENCIES.get_or_init(|| {
        let proposals = corpus_proposals();
        let mut frequencies: HashMap<String, u32> = HashMap::new();
        for (title, abstract_text) in &proposals {
            let text = format!("{title} {abstract_text}");
            let distinct: std::collections::HashSet<String> = terms(&text).into_iter().collect();
            for term in distinct {
                *frequencies.entry(term).or_default() += 1;
            }
        }
        (proposals.len(), frequencies)
    })
}

/// The corpus's proposals as (title, abstract): distinct talks, all about Rust.
pub fn corpus_proposals() -> Vec<(String, String)> {
    csv::parse_with_header(CORPUS)
        .unwrap_or_default()
        .iter()
        .map(|row| (row["title"].clone(), row["abstract"].clone()))
        .collect()
}

/// Our own training proposals (label,title,abstract), written for this tagger.
const CORPUS: &str = include_str!("corpus.csv");

/// A small lean towards the general track, which takes everything not about the kernel.
const CATCH_ALL_BIAS: f64 = -0.5;
/// Weight of the naive Bayes score next to the lexicon score.
const MODEL_WEIGHT: f64 = 0.35;
/// Caps the model's say, so a long abstract cannot drown the lexicon.
const MODEL_CAP: f64 = 8.0;
/// Spreads the summed score before the logistic, so confidences are not all ~1.
const TEMPERATURE: f64 = 3.0;
/// Repeated mentions of a phrase add less and less: 1, 1/2, 1/4...
const REPEAT_DECAY: f64 = 0.5;
/// How many words before a kernel cue a negator or a compile verb reaches.
const NEGATION_WINDOW: usize = 3;
const COMPILE_WINDOW: usize = 4;
/// Smaller contributions are noise to a reader.
const MIN_EVIDENCE_WEIGHT: f64 = 0.1;
const MAX_SUPPORTING_EVIDENCE: usize = 6;
const MAX_OPPOSING_EVIDENCE: usize = 3;
const MAX_SUBTOPICS: usize = 3;
/// Below this, a subtopic's cues are too thin to suggest it (one abstract mention is 1.0).
const MIN_SUBTOPIC_SCORE: f64 = 1.0;

fn tagger() -> &'static Tagger {
    static TAGGER: OnceLock<Tagger> = OnceLock::new();
    TAGGER.get_or_init(|| Tagger::new(CORPUS))
}

/// Everything `classify` needs, built once from the lexicon and the corpus.
struct Tagger {
    cues: CueIndex,
    model: NaiveBayes,
    subtopic_phrases: Vec<(&'static str, Vec<Vec<String>>)>,
}

impl Tagger {
    fn new(corpus: &str) -> Tagger {
        #[allow(
            clippy::expect_used,
            reason = "the corpus is compiled in and unit-tested"
        )]
        let rows = csv::parse_with_header(corpus)
            .expect("the embedded corpus is valid CSV (checked by a unit test)");
        let texts: Vec<(Track, String)> = rows
            .iter()
            .map(|row| {
                #[allow(
                    clippy::expect_used,
                    reason = "the corpus is compiled in and unit-tested"
                )]
                let track = Track::from_key(&row["label"])
                    .expect("every corpus label is a track key (checked by a unit test)");
                (track, model_text(&row["title"], &row["abstract"], ""))
            })
            .collect();
        let examples: Vec<model::Example<'_>> = texts
            .iter()
            .map(|(track, text)| model::Example {
                track: *track,
                text,
            })
            .collect();
        Tagger {
            cues: CueIndex::new(lexicon::TRACK_CUES),
            model: NaiveBayes::train(&examples),
            subtopic_phrases: lexicon::SUBTOPIC_CUES
                .iter()
                .map(|(key, phrases)| (*key, phrases.iter().map(|p| text::words(p)).collect()))
                .collect(),
        }
    }

    fn classify(&self, title: &str, abstract_text: &str, notes: &str) -> Classification {
        let tokens = text::tokenize_document(title, abstract_text, notes);
        let mut contributions = self.lexicon_contributions(&tokens);
        contributions.extend(self.model_contributions(&model_text(title, abstract_text, notes)));
        let score = CATCH_ALL_BIAS + contributions.iter().map(|c| c.weight).sum::<f64>();
        let track = if score > 0.0 {
            Track::RustForLinux
        } else {
            Track::Rust
        };
        let probability_rfl = 1.0 / (1.0 + (-score / TEMPERATURE).exp());
        let confidence = match track {
            Track::RustForLinux => probability_rfl,
            Track::Rust => 1.0 - probability_rfl,
        };
        Classification {
            track,
            confidence,
            subtopics: self.subtopics(&tokens, track),
            evidence: evidence(contributions, track),
        }
    }

    /// Lexicon hits after the context rules, aggregated per phrase and context.
    fn lexicon_contributions(&self, tokens: &[Token]) -> Vec<Contribution> {
        let hits = self.cues.find(tokens);
        let title_names_tool = hits
            .iter()
            .any(|hit| hit.field == Field::Title && hit.cue.kind == CueKind::Toolchain);
        let title_names_kernel = hits
            .iter()
            .any(|hit| hit.field == Field::Title && hit.cue.kind == CueKind::Kernel);
        let tool_talk = title_names_tool && !title_names_kernel;
        let other_kernel_talk = hits
            .iter()
            .any(|hit| hit.field == Field::Title && hit.cue.kind == CueKind::OtherKernel)
            && !tokens
                .iter()
                .any(|token| token.field == Field::Title && token.word == "linux");

        let mut aggregated: BTreeMap<String, (usize, f64)> = BTreeMap::new();
        let mut order = Vec::new();
        for (index, hit) in hits.iter().enumerate() {
            let mut weight = hit.cue.weight * hit.field.weight();
            let mut context = "";
            if hit.cue.kind == CueKind::Kernel {
                if is_negated(tokens, hit.start) {
                    weight = -weight;
                    context = " (negated)";
                } else if is_placed_outside(tokens, hit.start, hit.end) {
                    weight *= -0.5;
                    context = " (placed outside)";
                } else if index > 0 && follows_user_space(&hits[index - 1], hit) {
                    weight *= -0.5;
                    context = " (user space)";
                } else if preceded_by_compile_verb(tokens, hit.start) {
                    weight *= 0.25;
                    context = " (as compile target)";
                } else if other_kernel_talk {
                    weight *= 0.25;
                    context = " (another kernel)";
                } else if tool_talk && hit.field != Field::Title {
                    weight *= 0.5;
                    context = " (in a tool talk)";
                }
            }
            let matched: Vec<&str> = tokens[hit.start..hit.end]
                .iter()
                .map(|token| token.word.as_str())
                .collect();
            let label = format!("\"{}\"{}", matched.join(" "), context);
            let entry = aggregated.entry(label.clone()).or_insert_with(|| {
                order.push(label);
                (0, 0.0)
            });
            entry.1 += weight * REPEAT_DECAY.powi(entry.0 as i32);
            entry.0 += 1;
        }
        order
            .into_iter()
            .map(|label| {
                let weight = aggregated[&label].1;
                Contribution {
                    label,
                    weight,
                    from_model: false,
                }
            })
            .collect()
    }

    /// The model's per-feature weights, scaled so the total stays within `MODEL_CAP`.
    fn model_contributions(&self, text: &str) -> Vec<Contribution> {
        let raw = self.model.contributions(text);
        let total: f64 = raw.iter().map(|(_, ratio)| ratio).sum::<f64>() * MODEL_WEIGHT;
        let scale = if total.abs() > MODEL_CAP {
            MODEL_CAP / total.abs()
        } else {
            1.0
        };
        raw.into_iter()
            .map(|(feature, ratio)| Contribution {
                label: format!("\"{feature}\""),
                weight: ratio * MODEL_WEIGHT * scale,
                from_model: true,
            })
            .collect()
    }

    fn subtopics(&self, tokens: &[Token], track: Track) -> Vec<&'static str> {
        let mut scored: Vec<(&'static str, f64)> = SUBTOPICS
            .iter()
            .filter(|subtopic| subtopic.track == track)
            .filter_map(|subtopic| {
                let (_, phrases) = self
                    .subtopic_phrases
                    .iter()
                    .find(|(key, _)| *key == subtopic.key)?;
                let score: f64 = phrases
                    .iter()
                    .flat_map(|phrase| occurrences(tokens, phrase))
                    .map(|start| tokens[start].field.weight())
                    .sum();
                (score >= MIN_SUBTOPIC_SCORE).then_some((subtopic.key, score))
            })
            .collect();
        // Stable sort: equal scores keep the CfP order.
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored
            .into_iter()
            .take(MAX_SUBTOPICS)
            .map(|(key, _)| key)
            .collect()
    }
}

/// The text the naive Bayes model sees; training and classification must agree on it.
fn model_text(title: &str, abstract_text: &str, notes: &str) -> String {
    format!("{title}.\n{abstract_text}\n{notes}")
}

struct Contribution {
    label: String,
    /// Positive: Rust for Linux.
    weight: f64,
    from_model: bool,
}

/// Formats the strongest supporting and opposing contributions for a chair to read.
fn evidence(contributions: Vec<Contribution>, track: Track) -> Vec<String> {
    let direction = match track {
        Track::RustForLinux => 1.0,
        Track::Rust => -1.0,
    };
    let mut ranked: Vec<Contribution> = contributions
        .into_iter()
        .filter(|c| c.weight.abs() >= MIN_EVIDENCE_WEIGHT)
        .collect();
    // Ties broken by label so the order never depends on input quirks.
    ranked.sort_by(|a, b| {
        (b.weight * direction)
            .total_cmp(&(a.weight * direction))
            .then_with(|| a.label.cmp(&b.label))
    });
    let format = |c: &Contribution| {
        let side = if c.weight > 0.0 {
            Track::RustForLinux
        } else {
            Track::Rust
        };
        let source = if c.from_model { ", model" } else { "" };
        format!("{} → {} ({:+.1}{source})", c.label, side.name(), c.weight)
    };
    let supporting = ranked
        .iter()
        .filter(|c| c.weight * direction > 0.0)
        .take(MAX_SUPPORTING_EVIDENCE);
    let opposing = ranked
        .iter()
        .rev()
        .filter(|c| c.weight * direction < 0.0)
        .take(MAX_OPPOSING_EVIDENCE);
    supporting.chain(opposing).map(format).collect()
}

/// A lexicon cue found in the token stream.
struct Hit {
    cue: &'static Cue,
    start: usize,
    /// One past the last token.
    end: usize,
    field: Field,
}

/// Lexicon phrases indexed by first word, for longest-match lookup.
struct CueIndex {
    by_first_word: HashMap<String, Vec<(Vec<String>, &'static Cue)>>,
    by_prefix: Vec<(String, &'static Cue)>,
}

impl CueIndex {
    fn new(cues: &'static [Cue]) -> CueIndex {
        let mut by_first_word: HashMap<String, Vec<(Vec<String>, &'static Cue)>> = HashMap::new();
        let mut by_prefix = Vec::new();
        for cue in cues {
            if let Some(prefix) = cue.phrase.strip_suffix('*') {
                by_prefix.push((prefix.to_string(), cue));
                continue;
            }
            let words = text::words(cue.phrase);
            if let Some(first) = words.first() {
                by_first_word
                    .entry(first.clone())
                    .or_default()
                    .push((words, cue));
            }
        }
        for phrases in by_first_word.values_mut() {
            phrases.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
        }
        CueIndex {
            by_first_word,
            by_prefix,
        }
    }

    /// Non-overlapping hits, longest phrase first at each position.
    fn find(&self, tokens: &[Token]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut position = 0;
        while position < tokens.len() {
            match self.longest_at(tokens, position) {
                Some((cue, length)) => {
                    hits.push(Hit {
                        cue,
                        start: position,
                        end: position + length,
                        field: tokens[position].field,
                    });
                    position += length;
                }
                None => position += 1,
            }
        }
        hits
    }

    fn longest_at(&self, tokens: &[Token], position: usize) -> Option<(&'static Cue, usize)> {
        let word = &tokens[position].word;
        let exact = self.by_first_word.get(word).and_then(|phrases| {
            phrases
                .iter()
                .find(|(words, _)| matches_at(tokens, position, words))
                .map(|(words, cue)| (*cue, words.len()))
        });
        exact.or_else(|| {
            self.by_prefix
                .iter()
                .find(|(prefix, _)| word.starts_with(prefix.as_str()))
                .map(|(_, cue)| (*cue, 1))
        })
    }
}

/// Whether `words` occur at `position` within one sentence.
fn matches_at(tokens: &[Token], position: usize, words: &[String]) -> bool {
    let Some(window) = tokens.get(position..position + words.len()) else {
        return false;
    };
    let sentence = tokens[position].sentence;
    window
        .iter()
        .zip(words)
        .all(|(token, word)| token.sentence == sentence && token.word == *word)
}

fn occurrences<'a>(tokens: &'a [Token], words: &'a [String]) -> impl Iterator<Item = usize> + 'a {
    (0..tokens.len()).filter(move |&position| matches_at(tokens, position, words))
}

/// The same-sentence words up to `window` before `position`, nearest last.
fn preceding(tokens: &[Token], position: usize, window: usize) -> &[Token] {
    let sentence = tokens[position].sentence;
    let mut start = position;
    while start > 0 && position - start < window && tokens[start - 1].sentence == sentence {
        start -= 1;
    }
    &tokens[start..position]
}

fn is_negated(tokens: &[Token], position: usize) -> bool {
    let before = preceding(tokens, position, NEGATION_WINDOW);
    before.iter().enumerate().any(|(offset, token)| {
        let next_word = before
            .get(offset + 1)
            .map_or(tokens[position].word.as_str(), |t| t.word.as_str());
        lexicon::NEGATORS.contains(&token.word.as_str())
            && !lexicon::NEGATION_BREAKERS.contains(&next_word)
    })
}

/// "outside the kernel", or "drivers that run outside ...": the cue sits outside.
fn is_placed_outside(tokens: &[Token], start: usize, end: usize) -> bool {
    let is_locative = |token: &Token| lexicon::LOCATIVE_NEGATORS.contains(&token.word.as_str());
    let sentence = tokens[start].sentence;
    let after = tokens
        .iter()
        .skip(end)
        .take(NEGATION_WINDOW)
        .take_while(|token| token.sentence == sentence);
    preceding(tokens, start, NEGATION_WINDOW)
        .iter()
        .chain(after)
        .any(is_locative)
}

fn follows_user_space(previous: &Hit, hit: &Hit) -> bool {
    previous.cue.kind == CueKind::UserSpace && hit.start - previous.end <= 1
}

fn preceded_by_compile_verb(tokens: &[Token], position: usize) -> bool {
    preceding(tokens, position, COMPILE_WINDOW)
        .iter()
        .any(|token| lexicon::COMPILE_VERBS.contains(&token.word.as_str()))
}

#[cfg(test)]
mod tests;

/// A classification as the API and `mcfp classify` print it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClassifyOutput {
    pub track: &'static str,
    pub confidence: f64,
    pub subtopics: Vec<&'static str>,
    pub evidence: Vec<String>,
}

impl From<Classification> for ClassifyOutput {
    fn from(c: Classification) -> Self {
        ClassifyOutput {
            track: c.track.key(),
            confidence: c.confidence,
            subtopics: c.subtopics,
            evidence: c.evidence,
        }
    }
}
