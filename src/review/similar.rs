//! Similar proposals: the same talk submitted twice (by one speaker, or by two colleagues), or two
//! talks on one subject, flagged for the chairs with a score.
//!
//! Each proposal is a TF-IDF vector over the tagger's normalized terms of its title (counted
//! twice: the title states the subject) and abstract; two proposals' score is the cosine of their
//! vectors. Document frequencies are the event's plus the tagger's corpus, so that in a small
//! event a word every Rust talk uses ("rust", "kernel") still weighs little. The whole event is
//! compared at once with an inverted index and kept per event until its proposals change
//! (`SimilarityCache`), so a page asks one small query, not a comparison per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use diesel_async::AsyncPgConnection;
use serde::Serialize;

use crate::db::similarity::{self as db, SimilarityKey};
use crate::domain::{EventId, ProposalId};
use crate::error::AppResult;
use crate::tagging;

/// From this score on, two proposals are flagged: in the tagger's corpus of 248 distinct talks,
/// only the 7 pairs on one subject reach it (0.45 to 0.58; see the tests); a re-worded duplicate
/// scores 0.6 and up.
pub const THRESHOLD: f32 = 0.45;
/// At most this many similar proposals are named per proposal.
pub const MAX_SIMILAR: usize = 5;
/// A term in more of the event's proposals than this share is too common to find pairs by (it
/// still counts in each vector's length, so scores only ever come out lower, never higher).
const COMMON_SHARE: f64 = 0.25;

/// One proposal as compared: its id, title and abstract.
pub type Document = db::ComparedProposal;

/// Another proposal like this one, and how alike (0 to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub id: ProposalId,
    pub title: String,
    pub score: f32,
}

/// Another proposal like this one, and how alike (cosine of their terms, 0 to 1).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimilarProposal {
    pub id: uuid::Uuid,
    pub title: String,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub score: f32,
}

/// Every proposal's similar ones, best first, above `THRESHOLD`.
#[derive(Debug, Default)]
pub struct SimilarityIndex {
    by_proposal: HashMap<ProposalId, Vec<Similar>>,
}

impl SimilarityIndex {
    pub fn build(documents: &[Document]) -> SimilarityIndex {
        let (corpus_size, corpus_frequencies) = tagging::corpus_term_frequencies();
        let term_counts: Vec<HashMap<String, f32>> = documents
            .iter()
            .map(|d| {
                let mut counts: HashMap<String, f32> = HashMap::new();
                for term in tagging::terms(&d.title) {
                    *counts.entry(term).or_default() += 2.0;
                }
                for term in tagging::terms(&d.abstract_text) {
                    *counts.entry(term).or_default() += 1.0;
                }
                counts
            })
            .collect();
        let mut event_frequencies: HashMap<&str, u32> = HashMap::new();
        for counts in &term_counts {
            for term in counts.keys() {
                *event_frequencies.entry(term.as_str()).or_default() += 1;
            }
        }
        let total = (corpus_size + documents.len()) as f64;
        let idf = |term: &str| -> f64 {
            let df = f64::from(corpus_frequencies.get(term).copied().unwrap_or(0))
                + f64::from(event_frequencies.get(term).copied().unwrap_or(0));
            ((total + 1.0) / (df + 1.0)).ln() + 1.0
        };
        // unit vectors: (term, weight) with sublinear term frequency
        let vectors: Vec<Vec<(&str, f64)>> = term_counts
            .iter()
            .map(|counts| {
                let mut v: Vec<(&str, f64)> = counts
                    .iter()
                    .map(|(t, &c)| (t.as_str(), (1.0 + f64::from(c).ln()) * idf(t)))
                    .collect();
                let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
                if norm > 0.0 {
                    v.iter_mut().for_each(|(_, w)| *w /= norm);
                }
                v
            })
            .collect();
        let common = ((documents.len() as f64) * COMMON_SHARE).max(8.0);
        let mut postings: HashMap<&str, Vec<(usize, f64)>> = HashMap::new();
        for (i, v) in vectors.iter().enumerate() {
            for &(t, w) in v {
                if f64::from(event_frequencies.get(t).copied().unwrap_or(0)) <= common {
                    postings.entry(t).or_default().push((i, w));
                }
            }
        }
        let mut pairs: Vec<Vec<(usize, f32)>> = vec![Vec::new(); documents.len()];
        let mut dot = vec![0.0f64; documents.len()];
        let mut touched = Vec::new();
        for (i, v) in vectors.iter().enumerate() {
            for &(t, w) in v {
                let Some(list) = postings.get(t) else {
                    continue;
                };
                for &(j, wj) in list {
                    if j <= i {
                        continue;
                    }
                    if dot[j] == 0.0 {
                        touched.push(j);
                    }
                    dot[j] += w * wj;
                }
            }
            for j in touched.drain(..) {
                let score = dot[j] as f32;
                dot[j] = 0.0;
                if score >= THRESHOLD {
                    pairs[i].push((j, score));
                    pairs[j].push((i, score));
                }
            }
        }
        let by_proposal = pairs
            .into_iter()
            .enumerate()
            .filter(|(_, list)| !list.is_empty())
            .map(|(i, mut list)| {
                list.sort_by(|a, b| b.1.total_cmp(&a.1));
                list.truncate(MAX_SIMILAR);
                let similar = list
                    .into_iter()
                    .map(|(j, score)| Similar {
                        id: documents[j].id,
                        title: documents[j].title.clone(),
                        score: (score * 100.0).round() / 100.0,
                    })
                    .collect();
                (documents[i].id, similar)
            })
            .collect();
        SimilarityIndex { by_proposal }
    }

    /// The proposals like this one, best first (empty when none is).
    pub fn similar_to(&self, id: ProposalId) -> &[Similar] {
        self.by_proposal.get(&id).map_or(&[], Vec::as_slice)
    }
}

/// The latest `SimilarityIndex` of each event, under the key it was built at.
#[derive(Default)]
pub struct SimilarityCache {
    events: Mutex<HashMap<EventId, (SimilarityKey, Arc<SimilarityIndex>)>>,
}

impl SimilarityCache {
    /// The event's index: from memory while its proposals are unchanged, else rebuilt.
    pub async fn index(
        &self,
        conn: &mut AsyncPgConnection,
        event_id: EventId,
    ) -> AppResult<Arc<SimilarityIndex>> {
        let key = db::similarity_key(conn, event_id).await?;
        if let Some((cached_key, index)) = self.lock().get(&event_id)
            && *cached_key == key
        {
            return Ok(Arc::clone(index));
        }
        let documents = db::compared_proposals(conn, event_id).await?;
        let index = Arc::new(SimilarityIndex::build(&documents));
        self.lock().insert(event_id, (key, Arc::clone(&index)));
        Ok(index)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<EventId, (SimilarityKey, Arc<SimilarityIndex>)>> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A chair's list of the proposals like this one (the API's and the page's `similar`).
pub async fn similar_proposals(
    cache: &SimilarityCache,
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    proposal_id: ProposalId,
) -> AppResult<Vec<SimilarProposal>> {
    let index = cache.index(conn, event_id).await?;
    Ok(index
        .similar_to(proposal_id)
        .iter()
        .map(SimilarProposal::from)
        .collect())
}

impl From<&Similar> for SimilarProposal {
    fn from(s: &Similar) -> SimilarProposal {
        SimilarProposal {
            id: s.id.0,
            title: s.title.clone(),
            score: s.score,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: u128, title: &str, abstract_text: &str) -> Document {
        Document {
            id: ProposalId(uuid::Uuid::from_u128(n)),
            title: title.into(),
            abstract_text: abstract_text.into(),
        }
    }

    fn corpus() -> Vec<Document> {
        tagging::corpus_proposals()
            .iter()
            .enumerate()
            .map(|(i, (title, abstract_text))| doc(i as u128 + 1, title, abstract_text))
            .collect()
    }

    /// The corpus holds 248 distinct talks, a few of them on one subject (two on Coccinelle, two on
    /// hrtimers, two on the Nova GPU driver...): those, and only those, are flagged: 7 pairs of
    /// about 30,000.
    #[test]
    fn only_talks_on_one_subject_are_flagged_in_the_corpus() {
        let documents = corpus();
        assert!(documents.len() > 200);
        let index = SimilarityIndex::build(&documents);
        let mut pairs: Vec<(String, String)> = documents
            .iter()
            .flat_map(|d| {
                index
                    .similar_to(d.id)
                    .iter()
                    .filter(|s| s.id > d.id)
                    .map(|s| (d.title.clone(), s.title.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        pairs.sort();
        let expected = [
            (
                "Cloud Hypervisor in production",
                "Virtio device backends in Rust with vhost-user",
            ),
            (
                "Coccinelle for Rust",
                "Coccinelle for Rust: semantic patches on kernel-sized code bases",
            ),
            (
                "Nova: a Rust driver for NVIDIA GPUs",
                "The nova-core firmware interface",
            ),
            (
                "Rust in the kernel and Android GKI",
                "Kernel Rust on Android: vendor modules",
            ),
            (
                "Third-party crates in the kernel tree",
                "Rust for Linux: Macros in the kernel crate",
            ),
            (
                "Time and timers in kernel Rust",
                "Rust hrtimer and delay abstractions",
            ),
            (
                "Writing a network PHY driver in Rust",
                "A Rust driver for the ASIX Ethernet PHYs",
            ),
        ];
        assert_eq!(pairs.len(), expected.len(), "{pairs:#?}");
        for (a, b) in expected {
            assert!(
                pairs
                    .iter()
                    .any(|(x, y)| (x == a && y == b) || (x == b && y == a)),
                "{a} / {b} in {pairs:#?}"
            );
        }
    }

    #[test]
    fn unrelated_talks_do_not_match() {
        let documents = corpus();
        let index = SimilarityIndex::build(&documents);
        let by_title = |title: &str| {
            documents
                .iter()
                .find(|d| d.title == title)
                .map(|d| d.id)
                .expect(title)
        };
        let phy = by_title(PHY.0);
        assert!(
            index
                .similar_to(phy)
                .iter()
                .all(|s| s.title.contains("PHY"))
        );
    }

    const PHY: (&str, &str) = (
        "Writing a network PHY driver in Rust",
        "I ported a small Ethernet PHY driver to Rust to find out what the networking subsystem \
         needs from safe bindings. The talk walks through the phylib abstractions, the review \
         feedback from the netdev maintainers, and the remaining unsafe code.",
    );
    const PHY_REWORDED: (&str, &str) = (
        "A Rust Ethernet PHY driver for Linux",
        "We rewrote an Ethernet PHY driver in Rust to learn which safe bindings the networking \
         subsystem needs. This session covers the phylib abstractions, what the netdev \
         maintainers said in review, and the unsafe code that is left.",
    );

    #[test]
    fn a_reworded_duplicate_is_flagged_among_the_corpus() {
        let mut documents = corpus();
        let original = documents
            .iter()
            .find(|d| d.title == PHY.0)
            .map(|d| d.id)
            .expect("the PHY talk is in the corpus");
        documents.push(doc(9999, PHY_REWORDED.0, PHY_REWORDED.1));
        let index = SimilarityIndex::build(&documents);
        let similar = index.similar_to(original);
        assert_eq!(similar.len(), 2, "{similar:?}");
        assert_eq!(similar[0].id, ProposalId(uuid::Uuid::from_u128(9999)));
        assert!(similar[0].score >= 0.6, "{similar:?}");
        assert_eq!(index.similar_to(similar[0].id)[0].id, original);
    }

    #[test]
    fn two_proposals_alone_compare_on_their_own_words() {
        let documents = vec![
            doc(1, PHY.0, PHY.1),
            doc(2, PHY_REWORDED.0, PHY_REWORDED.1),
            doc(
                3,
                "Async Rust in embedded firmware",
                "Embassy executors on microcontrollers: interrupts as wakers, static allocation \
                 and what we learned shipping a sensor product.",
            ),
        ];
        let index = SimilarityIndex::build(&documents);
        assert_eq!(index.similar_to(documents[0].id).len(), 1);
        assert!(index.similar_to(documents[2].id).is_empty());
    }

    #[test]
    fn stems_meet() {
        assert_eq!(
            tagging::terms("drivers scheduling"),
            tagging::terms("driver schedule")
        );
    }
}
