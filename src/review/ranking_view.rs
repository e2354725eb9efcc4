//! The event's ranking as chairs see it, and its CSV: the reviews loaded from the database and
//! handed to the pure calibration of `review::ranking`.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::active_proposals;
use crate::accounts::policy::event_conflicts;
use crate::db::events::Event;
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::db::reviews as db;
use crate::domain::{ProposalId, ProposalState, UserId};
use crate::error::AppResult;
use crate::review::ranking::{self, Aggregate};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingItem {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    pub track: Option<String>,
    pub state: ProposalState,
    /// Reviews counted.
    pub n: usize,
    /// Reviewers assigned (k).
    pub assigned: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub stdev: Option<f64>,
    /// Mean corrected for each reviewer's leniency; see the README.
    pub calibrated: Option<f64>,
    /// The scores span at least half the scale.
    pub disagreement: bool,
    /// How many reviews gave each score, from `score_min` to `score_max`.
    pub distribution: Vec<usize>,
    /// Speakers' names (the ranking is for chairs, who always see them).
    pub speakers: Vec<String>,
}

/// The event's ranking, best first, optionally one track's. Reviews by a reviewer who is now
/// conflicted with the proposal do not count.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn ranking(
    conn: &mut AsyncPgConnection,
    event: &Event,
    track: Option<&str>,
) -> AppResult<Vec<RankingItem>> {
    let proposals = active_proposals(conn, event).await?;
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let all_reviews = db::reviews_of_event(conn, event.id).await?;
    let assignments = db::assignments_of_event(conn, event.id).await?;
    // everyone who reviewed or is assigned, members or not any more
    let people: Vec<UserId> = {
        let set: HashSet<UserId> = all_reviews
            .iter()
            .map(|r| r.reviewer_id)
            .chain(assignments.iter().map(|(r, _)| *r))
            .collect();
        set.into_iter().collect()
    };
    let identities = db::user_identities(conn, &people).await?;
    let conflicted = event_conflicts(conn, event, &ids, &identities).await?;
    let counted: Vec<&db::Review> = all_reviews
        .iter()
        .filter(|r| !conflicted.contains_key(&(r.reviewer_id, r.proposal_id)))
        .collect();
    let listed: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| track.is_none() || p.track() == track)
        .collect();
    let listed_ids: Vec<ProposalId> = listed.iter().map(|p| p.id).collect();
    // calibration sees every counted review of the event, whatever the track filter
    let inputs: Vec<ranking::Review<ProposalId, UserId>> = counted
        .iter()
        .map(|r| ranking::Review {
            proposal: r.proposal_id,
            reviewer: r.reviewer_id,
            score: r.score,
            confidence: r.confidence,
        })
        .collect();
    let aggregates: Vec<Aggregate<ProposalId>> =
        ranking::rank(&listed_ids, &inputs, event.score_scale());
    let mut assigned: HashMap<ProposalId, usize> = HashMap::new();
    for (reviewer, proposal) in assignments {
        if !conflicted.contains_key(&(reviewer, proposal)) {
            *assigned.entry(proposal).or_default() += 1;
        }
    }
    let mut distribution: HashMap<ProposalId, Vec<usize>> = HashMap::new();
    let width = (event.score_max - event.score_min + 1).max(1) as usize;
    for r in &counted {
        let bars = distribution
            .entry(r.proposal_id)
            .or_insert_with(|| vec![0; width]);
        if let Some(bar) = bars.get_mut((r.score - event.score_min) as usize) {
            *bar += 1;
        }
    }
    let mut speakers: BTreeMap<ProposalId, Vec<String>> = BTreeMap::new();
    for s in proposals_db::speakers_of(conn, &listed_ids).await? {
        speakers.entry(s.proposal_id).or_default().push(s.name);
    }
    let by_id: HashMap<ProposalId, &Proposal> = listed.iter().map(|p| (p.id, *p)).collect();
    Ok(aggregates
        .into_iter()
        .filter_map(|a| {
            let p = by_id.get(&a.proposal)?;
            Some(RankingItem {
                proposal_id: p.id.0,
                title: p.title.clone(),
                track: p.track().map(str::to_owned),
                state: p.state,
                n: a.n,
                assigned: assigned.get(&p.id).copied().unwrap_or(0),
                mean: a.mean,
                median: a.median,
                stdev: a.stdev,
                calibrated: a.calibrated,
                disagreement: a.disagreement,
                distribution: distribution.remove(&p.id).unwrap_or_else(|| vec![0; width]),
                speakers: speakers.remove(&p.id).unwrap_or_default(),
            })
        })
        .collect())
}

fn number(value: Option<f64>) -> crate::csv::Cell<'static> {
    crate::csv::Cell::Plain(value.map(|v| format!("{v:.3}")).unwrap_or_default())
}

/// The ranking as CSV, best first (for chairs: speakers' names included, emails never).
pub fn ranking_csv(items: &[RankingItem]) -> String {
    use crate::csv::{Cell, CsvWriter};
    let mut csv = CsvWriter::new(&[
        "rank",
        "proposal_id",
        "title",
        "track",
        "state",
        "speakers",
        "n",
        "assigned",
        "mean",
        "median",
        "stdev",
        "calibrated",
        "disagreement",
    ]);
    for (i, item) in items.iter().enumerate() {
        let speakers = item.speakers.join("; ");
        csv.row([
            Cell::Plain((i + 1).to_string()),
            Cell::Plain(item.proposal_id.to_string()),
            Cell::Text(&item.title),
            Cell::Text(item.track.as_deref().unwrap_or("")),
            Cell::Plain(item.state.to_string()),
            Cell::Text(&speakers),
            Cell::Plain(item.n.to_string()),
            Cell::Plain(item.assigned.to_string()),
            number(item.mean),
            number(item.median),
            number(item.stdev),
            number(item.calibrated),
            Cell::Plain(item.disagreement.to_string()),
        ]);
    }
    csv.finish()
}
