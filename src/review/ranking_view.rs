//! The event's ranking as chairs see it, paged, and its CSV: figures from the `RankingCache`
//! (the pure calibration of `review::ranking` over slim rows), titles and speakers per page.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::ranking_cache::{RankCursor, RankOrder, RankedProposal, RankingCache, compute_now};
use crate::db::events::Event;
use crate::db::proposals as proposals_db;
use crate::db::ranking as db;
use crate::domain::{Decision, ProposalId, ProposalState};
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingItem {
    /// Place in this list (one track's when filtered), 1 = best; null for an unreviewed
    /// proposal, which has no score to rank by (they come last).
    pub rank: Option<usize>,
    /// No review counted yet.
    pub unreviewed: bool,
    /// Fewer reviews counted than reviewers assigned: its figures may still move.
    pub incomplete: bool,
    pub proposal_id: uuid::Uuid,
    pub title: String,
    pub track: Option<String>,
    pub state: ProposalState,
    /// The chairs' decision, released or not; null while undecided.
    pub decision: Option<Decision>,
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

/// The event's ranking, best first, optionally one track's, computed now (no cache: for the
/// demo and other one-off callers). Reviews by a reviewer who is now conflicted with the
/// proposal do not count.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn ranking(
    conn: &mut AsyncPgConnection,
    event: &Event,
    track: Option<&str>,
) -> AppResult<Vec<RankingItem>> {
    let ranked = compute_now(conn, event.id).await?;
    let listed: Vec<&RankedProposal> = ranked
        .ranking()
        .iter()
        .filter(|p| in_track(p, track))
        .collect();
    items_of(conn, &listed, 0).await
}

fn in_track(p: &RankedProposal, track: Option<&str>) -> bool {
    track.is_none() || p.track.as_deref() == track
}

/// One page of the ranking from the cache, best first, optionally one track's; titles and
/// speakers are loaded for the page's proposals only. Returns the page and the next cursor.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn ranking_page(
    conn: &mut AsyncPgConnection,
    cache: &RankingCache,
    event: &Event,
    track: Option<&str>,
    limit: usize,
    cursor: Option<&RankCursor>,
) -> AppResult<(Vec<RankingItem>, Option<String>)> {
    let ranked = cache.ranked(conn, event).await?;
    let (page, next) = ranked.page(RankOrder::Calibrated, cursor, limit, |p| {
        p.ranked && in_track(p, track)
    });
    let before = cursor.map_or(0, RankCursor::shown);
    Ok((items_of(conn, &page, before).await?, next))
}

/// The whole ranking from the cache (the CSV export), optionally one track's.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn whole_ranking(
    conn: &mut AsyncPgConnection,
    cache: &RankingCache,
    event: &Event,
    track: Option<&str>,
) -> AppResult<Vec<RankingItem>> {
    let ranked = cache.ranked(conn, event).await?;
    let listed: Vec<&RankedProposal> = ranked
        .ranking()
        .iter()
        .filter(|p| in_track(p, track))
        .collect();
    items_of(conn, &listed, 0).await
}

/// Ranked proposals with their titles and speakers' names, in the order given; `before` is how
/// many came before them in the whole list (a page's offset), for their rank numbers.
pub async fn items_of(
    conn: &mut AsyncPgConnection,
    listed: &[&RankedProposal],
    before: usize,
) -> AppResult<Vec<RankingItem>> {
    let mut titles: HashMap<ProposalId, String> = HashMap::new();
    let mut speakers: HashMap<ProposalId, Vec<String>> = HashMap::new();
    // an export may name every proposal of the event: a bounded list of ids per query
    for chunk in listed.chunks(5_000) {
        let ids: Vec<ProposalId> = chunk.iter().map(|p| p.id).collect();
        titles.extend(db::titles_of(conn, &ids).await?);
        for s in proposals_db::speakers_of(conn, &ids).await? {
            speakers.entry(s.proposal_id).or_default().push(s.name);
        }
    }
    Ok(listed
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let a = p.aggregate();
            // unreviewed proposals sort after every reviewed one, so the numbers stay 1, 2, 3...
            let unreviewed = a.n == 0;
            RankingItem {
                rank: (!unreviewed).then_some(before + i + 1),
                unreviewed,
                incomplete: a.n < p.assigned,
                proposal_id: p.id.0,
                title: titles.remove(&p.id).unwrap_or_default(),
                track: p.track.as_deref().map(str::to_owned),
                state: p.state,
                decision: p.decision,
                n: a.n,
                assigned: p.assigned,
                mean: a.mean,
                median: a.median,
                stdev: a.stdev,
                calibrated: a.calibrated,
                disagreement: a.disagreement,
                distribution: p.distribution.iter().map(|&n| n as usize).collect(),
                speakers: speakers.remove(&p.id).unwrap_or_default(),
            }
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
    for item in items {
        let speakers = item.speakers.join("; ");
        csv.row([
            Cell::Plain(item.rank.map(|r| r.to_string()).unwrap_or_default()),
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
