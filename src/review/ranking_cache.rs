//! The event's ranking computed once per change, not per request: `RankedEvent` holds, best
//! first, only what the ranking, the dashboard's filters and sorts need, and `RankingCache`
//! keeps the latest one per event under its `RankingKey` (one small query per request checks it).
//!
//! Memory (issue 12): the cache lives as long as the process, and glibc keeps whatever peak the
//! build reached, so both are kept small: items hold shared track names and `u32` bars, and the
//! build never holds a vector of rows or a copy of the reviews.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use crate::db::events::{self, Event};
use crate::db::ranking::{self as db, RankingKey};
use crate::db::reviews::user_identities;
use crate::domain::conflicts::{SpeakerScreen, conflicts};
use crate::domain::{Decision, EventId, ProposalId, ProposalState, UserId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::review::ranking::{self, Aggregate};

/// A proposal's track: one allocation shared by every proposal of the track.
type Track = Option<Arc<str>>;

/// One proposal of the event as the ranking knows it.
#[derive(Debug, Clone)]
pub struct RankedProposal {
    pub id: ProposalId,
    pub created_at: DateTime<Utc>,
    pub track: Track,
    pub state: ProposalState,
    pub decision: Option<Decision>,
    /// The dashboard's "needs a check" filter.
    pub needs_check: bool,
    /// False for a withdrawn proposal: no figures, not in the ranking.
    pub ranked: bool,
    /// Counted reviews only (a conflicted reviewer's review does not count): `aggregate()`.
    figures: Figures,
    /// Reviewers assigned and not conflicted.
    pub assigned: usize,
    /// How many counted reviews gave each score, from `score_min` to `score_max`.
    pub distribution: Box<[u32]>,
}

impl RankedProposal {
    /// Its figures over the counted reviews; its proposal is `id`.
    pub fn aggregate(&self) -> Aggregate<()> {
        self.figures.aggregate()
    }

    /// Fewer reviews than reviewers assigned, or no reviewer assigned.
    pub fn missing_reviews(&self) -> bool {
        self.ranked && (self.assigned == 0 || (self.figures.n as usize) < self.assigned)
    }
}

// 100,000 of them stay in memory at 100,000 proposals (plus 32 bytes of bars each)
const _: () = assert!(std::mem::size_of::<RankedProposal>() <= 112);

/// A proposal's `Aggregate` in half its memory: a value and a bit saying whether it is there
/// instead of an `Option<f64>`'s 16 bytes, the count as `u32`.
#[derive(Debug, Clone, Copy)]
struct Figures {
    /// mean, median, stdev, calibrated (`present` bits 0 to 3)
    values: [f64; 4],
    n: u32,
    present: u8,
    disagreement: bool,
}

impl Figures {
    /// No reviews counted (a withdrawn proposal's, and a ranked one's until computed).
    const NONE: Figures = Figures {
        values: [0.0; 4],
        n: 0,
        present: 0,
        disagreement: false,
    };

    fn of<P>(a: &Aggregate<P>) -> Figures {
        let mut figures = Figures {
            n: u32::try_from(a.n).unwrap_or(u32::MAX),
            disagreement: a.disagreement,
            ..Figures::NONE
        };
        for (i, value) in [a.mean, a.median, a.stdev, a.calibrated]
            .into_iter()
            .enumerate()
        {
            if let Some(value) = value {
                figures.values[i] = value;
                figures.present |= 1 << i;
            }
        }
        figures
    }

    fn value(&self, i: usize) -> Option<f64> {
        (self.present & (1 << i) != 0).then_some(self.values[i])
    }

    fn aggregate(&self) -> Aggregate<()> {
        Aggregate {
            proposal: (),
            n: self.n as usize,
            mean: self.value(0),
            median: self.value(1),
            stdev: self.value(2),
            calibrated: self.value(3),
            disagreement: self.disagreement,
        }
    }
}

/// The event's proposals, ranked ones best first, then withdrawn ones oldest first.
#[derive(Debug)]
pub struct RankedEvent {
    pub key: RankingKey,
    pub items: Vec<RankedProposal>,
    /// `items[..ranked_len]` are the ranking.
    pub ranked_len: usize,
    /// Positions in `items` in proposal id order, for a binary search (0.4 MB at 100,000
    /// proposals, a `HashMap` by id 3 MB).
    by_id: Vec<u32>,
    /// The dashboard's "mean" order: mean desc (none last), then position.
    by_mean: Reorder,
    /// Oldest first (submission order), for the dashboard's review filters.
    by_created: Reorder,
    /// Assignments (reviewer, proposal) to proposals not withdrawn that do not count because the
    /// reviewer is conflicted, and whether that reviewer has reviewed it.
    pub conflicted_assignments: Vec<(UserId, ProposalId, bool)>,
    /// Per reviewer and per track of the proposal: (assigned, reviewed), counting assignments to
    /// proposals not withdrawn that are not conflicted (reviewers' progress reads this, summing
    /// the tracks a member may review: O(members × tracks) per page instead of a GROUP BY over
    /// every assignment).
    pub reviewer_counts: HashMap<UserId, HashMap<Option<String>, (usize, usize)>>,
    /// The dashboard's decision figures, counted once here instead of by three GROUP BYs over
    /// the event on every page: (decision, released decision, how many) over decided proposals
    /// not withdrawn; undecided proposals per (track, state); accepted talks (not withdrawn or
    /// declined) per (track, format).
    pub decision_counts: Vec<(Option<Decision>, Option<Decision>, i64)>,
    pub undecided: HashMap<(Option<String>, ProposalState), i64>,
    pub accepted_by_track_and_format: Vec<(Option<String>, String, i64)>,
}

/// Another order of the items: the positions in that order, and each position's index in it.
#[derive(Debug)]
struct Reorder {
    positions: Vec<u32>,
    index: Vec<u32>,
}

impl Reorder {
    fn new(len: usize, cmp: impl Fn(usize, usize) -> std::cmp::Ordering) -> Reorder {
        let mut positions: Vec<u32> = (0..len as u32).collect();
        positions.sort_by(|&a, &b| cmp(a as usize, b as usize).then(a.cmp(&b)));
        let mut index = vec![0; len];
        for (i, &position) in positions.iter().enumerate() {
            index[position as usize] = i as u32;
        }
        Reorder { positions, index }
    }
}

/// An order over a `RankedEvent` that lists can page through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankOrder {
    /// Best first by the calibrated score; withdrawn proposals last.
    Calibrated,
    /// By the raw mean, highest first; ties and unreviewed by the calibrated order.
    Mean,
    /// Oldest first.
    Submitted,
}

impl RankedEvent {
    pub fn position(&self, id: ProposalId) -> Option<usize> {
        let found = self
            .by_id
            .binary_search_by(|&p| self.items[p as usize].id.cmp(&id))
            .ok()?;
        Some(self.by_id[found] as usize)
    }

    pub fn get(&self, id: ProposalId) -> Option<&RankedProposal> {
        self.position(id).map(|p| &self.items[p])
    }

    /// The ranking proper (not withdrawn), best first.
    pub fn ranking(&self) -> &[RankedProposal] {
        &self.items[..self.ranked_len]
    }

    fn at(&self, order: RankOrder, index: usize) -> Option<(usize, &RankedProposal)> {
        let position = match order {
            RankOrder::Calibrated => index,
            RankOrder::Mean => *self.by_mean.positions.get(index)? as usize,
            RankOrder::Submitted => *self.by_created.positions.get(index)? as usize,
        };
        self.items.get(position).map(|item| (index, item))
    }

    fn index_of(&self, order: RankOrder, id: ProposalId) -> Option<usize> {
        let position = self.position(id)?;
        match order {
            RankOrder::Calibrated => Some(position),
            RankOrder::Mean => self.by_mean.index.get(position).map(|&i| i as usize),
            RankOrder::Submitted => self.by_created.index.get(position).map(|&i| i as usize),
        }
    }

    /// One page of the items `keep` accepts, in `order`, after the cursor's item. The cursor names
    /// the last item shown and its index in the order: when the ranking changed since, the page
    /// follows that item where it stands now (or the old index if it is gone), so items may repeat
    /// or be skipped across a change, never an error. Returns the page and the next cursor.
    pub fn page<'a>(
        &'a self,
        order: RankOrder,
        cursor: Option<&RankCursor>,
        limit: usize,
        keep: impl Fn(&RankedProposal) -> bool,
    ) -> (Vec<&'a RankedProposal>, Option<String>) {
        let start = cursor.map_or(0, |c| {
            self.index_of(order, c.id)
                // withdrawn since: it moved to the end, so go on from where it was
                .filter(|_| self.ranked(c.id) == c.ranked)
                .unwrap_or(c.index)
                + 1
        });
        let mut page = Vec::with_capacity(limit.min(self.items.len()));
        let mut last = None;
        let mut more = false;
        let mut index = start;
        while let Some((i, item)) = self.at(order, index) {
            index += 1;
            if !keep(item) {
                continue;
            }
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(item);
            last = Some((i, item));
        }
        let next = last.filter(|_| more).map(|(i, item)| {
            RankCursor {
                index: i,
                id: item.id,
                ranked: item.ranked,
                shown: cursor.map_or(0, |c| c.shown) + page.len(),
            }
            .encode()
        });
        (page, next)
    }

    fn ranked(&self, id: ProposalId) -> bool {
        self.get(id).is_some_and(|p| p.ranked)
    }
}

/// Where a page of a ranked list ended: the index of its last item in the order, its id, and
/// how many items the pages so far showed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankCursor {
    index: usize,
    id: ProposalId,
    ranked: bool,
    shown: usize,
}

impl RankCursor {
    fn encode(&self) -> String {
        let kind = if self.ranked { 'r' } else { 'w' };
        URL_SAFE_NO_PAD.encode(format!("{kind}{}|{}|{}", self.index, self.id.0, self.shown))
    }

    /// How many items came before this page (its first item's rank is this plus one).
    pub fn shown(&self) -> usize {
        self.shown
    }

    fn decode(text: &str) -> Option<RankCursor> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let ranked = match text.chars().next()? {
            'r' => true,
            'w' => false,
            _ => return None,
        };
        let mut parts = text[1..].split('|');
        let cursor = RankCursor {
            index: parts.next()?.parse().ok()?,
            id: ProposalId(parts.next()?.parse().ok()?),
            ranked,
            shown: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }

    /// `?cursor=` of a ranked list; anything this service did not hand out is named in `errors`.
    pub fn parse(text: Option<&str>, errors: &mut FieldErrors) -> Option<RankCursor> {
        match text {
            None | Some("") => None,
            Some(text) => {
                let cursor = RankCursor::decode(text);
                if cursor.is_none() {
                    errors.add("cursor", "is not a cursor this API returned");
                }
                cursor
            }
        }
    }
}

/// Everyone who reviewed or is assigned, members or not any more, each as a small index; once
/// all are known, `into_sorted` renumbers them in id order.
#[derive(Default)]
struct People {
    ids: Vec<UserId>,
    index: HashMap<UserId, u32>,
}

impl People {
    fn index(&mut self, id: UserId) -> u32 {
        *self.index.entry(id).or_insert_with(|| {
            self.ids.push(id);
            (self.ids.len() - 1) as u32
        })
    }

    /// The ids in order, with `reviews` and `assignments` renumbered to match, so that sorting by
    /// index sorts by id.
    fn into_sorted(
        self,
        reviews: &mut [ranking::Review<u32, u32>],
        assignments: &mut [(u32, u32)],
    ) -> Vec<UserId> {
        let mut ids = self.ids;
        ids.sort_unstable();
        let mut renumber = vec![0u32; ids.len()];
        for (new, id) in ids.iter().enumerate() {
            renumber[self.index[id] as usize] = new as u32;
        }
        for r in reviews {
            r.reviewer = renumber[r.reviewer as usize];
        }
        for (_, reviewer) in assignments {
            *reviewer = renumber[*reviewer as usize];
        }
        ids
    }
}

/// The same track names share one allocation (an event has a handful of tracks).
fn intern(tracks: &mut Vec<Arc<str>>, track: Option<&str>) -> Track {
    let track = track?;
    if let Some(known) = tracks.iter().find(|known| ***known == *track) {
        return Some(known.clone());
    }
    tracks.push(Arc::from(track));
    tracks.last().cloned()
}

/// Loads the slim rows and ranks the event. The caller runs this in one snapshot.
///
/// At 100,000 proposals (500,000 reviews and assignments) every row is folded as it arrives, and
/// nothing is held twice: each proposal becomes its item at once (figures filled in later, then
/// sorted best first), reviews and assignments name proposals and reviewers by `u32` indices in
/// id order (so the calibration's canonical order, and every float sum, are unchanged).
pub async fn compute(
    conn: &mut AsyncPgConnection,
    event: &Event,
    key: RankingKey,
) -> AppResult<RankedEvent> {
    let width = (event.score_max - event.score_min + 1).max(1) as usize;
    let mut decisions: HashMap<(Option<Decision>, Option<Decision>), i64> = HashMap::new();
    let mut undecided: HashMap<(Option<String>, ProposalState), i64> = HashMap::new();
    let mut accepted: HashMap<(Option<String>, String), i64> = HashMap::new();
    let mut tracks: Vec<Arc<str>> = Vec::new();
    // the key counted them in this snapshot
    let mut items: Vec<RankedProposal> =
        Vec::with_capacity(usize::try_from(key.proposals).unwrap_or(0));
    db::each_proposal_of_event(conn, event.id, |p| {
        if p.state != ProposalState::Withdrawn && p.decision.is_some() {
            *decisions
                .entry((p.decision, p.released_decision))
                .or_default() += 1;
        }
        if p.decision.is_none() {
            *undecided.entry((p.track.clone(), p.state)).or_default() += 1;
        }
        if p.decision == Some(Decision::Accept)
            && !matches!(p.state, ProposalState::Withdrawn | ProposalState::Declined)
        {
            *accepted.entry((p.track.clone(), p.format)).or_default() += 1;
        }
        items.push(RankedProposal {
            id: p.id,
            created_at: p.created_at,
            track: intern(&mut tracks, p.track.as_deref()),
            state: p.state,
            decision: p.decision,
            needs_check: p.needs_check,
            ranked: p.state != ProposalState::Withdrawn,
            figures: Figures::NONE,
            assigned: 0,
            distribution: vec![0; width].into_boxed_slice(),
        });
    })
    .await?;
    let mut decision_counts: Vec<_> = decisions.into_iter().map(|((d, r), n)| (d, r, n)).collect();
    decision_counts.sort_by_key(|(d, r, _)| (d.map(|d| d.as_str()), r.map(|r| r.as_str())));
    let mut accepted_by_track_and_format: Vec<_> =
        accepted.into_iter().map(|((t, f), n)| (t, f, n)).collect();
    accepted_by_track_and_format.sort();

    // until the final sort, an item's index is its place in id order
    items.sort_unstable_by_key(|p| p.id);
    let index_of = |items: &[RankedProposal], id: ProposalId| {
        items
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .map(|i| i as u32)
    };
    let mut people = People::default();
    let mut reviews: Vec<ranking::Review<u32, u32>> = Vec::new();
    db::each_review_of_event(conn, event.id, |r| {
        // the same snapshot: every review's proposal was loaded above
        if let Some(proposal) = index_of(&items, r.proposal_id) {
            reviews.push(ranking::Review {
                proposal,
                reviewer: people.index(r.reviewer_id),
                score: r.score,
                confidence: r.confidence,
            });
        }
    })
    .await?;
    let mut assignments: Vec<(u32, u32)> = Vec::new();
    db::each_assignment_of_event(conn, event.id, |reviewer, proposal| {
        if let Some(proposal) = index_of(&items, proposal) {
            assignments.push((proposal, people.index(reviewer)));
        }
    })
    .await?;
    let people = people.into_sorted(&mut reviews, &mut assignments);

    let identities = user_identities(conn, &people).await?;
    // only the speakers who can conflict with one of these reviewers (a few, not 100,000)
    let screen = SpeakerScreen::new(&identities, event.conflict_same_domain);
    let speakers = db::speakers_of_event(conn, event.id, |s| screen.may_conflict(s)).await?;
    let stored = db::stored_conflicts_of_event(conn, event.id).await?;
    // (proposal, reviewer) indices of the pairs that matter here
    let conflicted: HashSet<(u32, u32)> =
        conflicts(&identities, &speakers, &stored, event.conflict_same_domain)
            .into_keys()
            .filter_map(|(reviewer, proposal)| {
                let reviewer = people.binary_search(&reviewer).ok()? as u32;
                Some((index_of(&items, proposal)?, reviewer))
            })
            .collect();

    ranking::sort_canonically(&mut reviews);
    let reviewed = |proposal: u32, reviewer: u32| {
        reviews
            .binary_search_by(|r| (r.proposal, r.reviewer).cmp(&(proposal, reviewer)))
            .is_ok()
    };
    let mut conflicted_assignments = Vec::new();
    // (reviewer, track) → (assigned, reviewed); the String keys are made once per pair below
    let mut counts: HashMap<(u32, Track), (usize, usize)> = HashMap::new();
    for (proposal, reviewer) in assignments {
        let done = reviewed(proposal, reviewer);
        let item = &mut items[proposal as usize];
        if conflicted.contains(&(proposal, reviewer)) {
            conflicted_assignments.push((people[reviewer as usize], item.id, done));
            continue;
        }
        // (assignments to withdrawn proposals are not loaded)
        if item.ranked {
            item.assigned += 1;
            let counts = counts.entry((reviewer, item.track.clone())).or_default();
            counts.0 += 1;
            counts.1 += usize::from(done);
        }
    }
    let mut reviewer_counts: HashMap<UserId, HashMap<Option<String>, (usize, usize)>> =
        HashMap::new();
    for ((reviewer, track), n) in counts {
        reviewer_counts
            .entry(people[reviewer as usize])
            .or_default()
            .insert(track.as_deref().map(str::to_owned), n);
    }

    // a conflicted reviewer's review does not count
    reviews.retain(|r| !conflicted.contains(&(r.proposal, r.reviewer)));
    let ranker = ranking::Ranker::new(&reviews, event.score_scale());
    for (index, item) in (0u32..)
        .zip(items.iter_mut())
        .filter(|(_, item)| item.ranked)
    {
        item.figures = Figures::of(&ranker.aggregate(index));
        for r in ranker.reviews_of(index) {
            if let Some(bar) = item
                .distribution
                .get_mut((r.score - event.score_min) as usize)
            {
                *bar += 1;
            }
        }
    }
    drop(ranker);
    drop(reviews);
    // the ranking best first (ids in index order break ties as in `ranking::rank`), then the
    // withdrawn, oldest first
    items.sort_unstable_by(|a, b| {
        b.ranked.cmp(&a.ranked).then_with(|| {
            if a.ranked {
                ranking::best_first(&a.aggregate(), &b.aggregate()).then(a.id.cmp(&b.id))
            } else {
                (a.created_at, a.id).cmp(&(b.created_at, b.id))
            }
        })
    });
    let ranked_len = items.partition_point(|p| p.ranked);
    let mut by_id: Vec<u32> = (0..items.len() as u32).collect();
    by_id.sort_unstable_by_key(|&p| items[p as usize].id);
    let by_mean = Reorder::new(items.len(), |a, b| {
        match (items[a].figures.value(0), items[b].figures.value(0)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    let by_created = Reorder::new(items.len(), |a, b| {
        (items[a].created_at, items[a].id).cmp(&(items[b].created_at, items[b].id))
    });
    Ok(RankedEvent {
        key,
        items,
        ranked_len,
        by_id,
        by_mean,
        by_created,
        conflicted_assignments,
        reviewer_counts,
        decision_counts,
        undecided,
        accepted_by_track_and_format,
    })
}

/// Ranks the event now, in one read-only snapshot, bypassing any cache.
pub async fn compute_now(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> AppResult<RankedEvent> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async move |conn| {
            let key = db::ranking_key(conn, event_id)
                .await?
                .ok_or(AppError::NotFound)?;
            // the event's scale and conflict rule as of this snapshot
            let event = events::find_by_id(conn, event_id)
                .await?
                .ok_or(AppError::NotFound)?;
            compute(conn, &event, key).await
        })
        .await
}

#[derive(Default)]
struct Slot {
    latest: Mutex<Option<Arc<RankedEvent>>>,
    /// Held while computing: concurrent misses wait for one computation.
    flight: tokio::sync::Mutex<()>,
}

impl Slot {
    fn covering(&self, key: &RankingKey) -> Option<Arc<RankedEvent>> {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.as_ref().filter(|r| r.key.covers(key)).cloned()
    }
}

/// The latest ranking per event, in this process (`web::Data`). Every request reads the event's
/// `RankingKey` (one small query) and recomputes only when the key moved, so every instance on the
/// same database sees every change.
#[derive(Default)]
pub struct RankingCache {
    slots: Mutex<HashMap<EventId, Arc<Slot>>>,
}

impl RankingCache {
    fn slot(&self, event_id: EventId) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(event_id).or_default().clone()
    }

    /// The event's ranking as of now (or newer).
    #[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
    pub async fn ranked(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Event,
    ) -> AppResult<Arc<RankedEvent>> {
        let key = db::ranking_key(conn, event.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let slot = self.slot(event.id);
        if let Some(hit) = slot.covering(&key) {
            return Ok(hit);
        }
        let _flight = slot.flight.lock().await;
        // another request may have computed it while this one waited
        if let Some(hit) = slot.covering(&key) {
            return Ok(hit);
        }
        let started = std::time::Instant::now();
        let ranked = Arc::new(compute_now(conn, event.id).await?);
        tracing::info!(
            event.slug = %event.slug,
            review_version = ranked.key.version,
            proposals = ranked.key.proposals,
            duration_ms = started.elapsed().as_millis() as u64,
            "ranking computed"
        );
        *slot.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(ranked.clone());
        Ok(ranked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_others_are_refused() {
        let cursor = RankCursor {
            index: 41,
            id: ProposalId(uuid::Uuid::now_v7()),
            ranked: true,
            shown: 50,
        };
        let text = cursor.encode();
        let mut errors = FieldErrors::new();
        assert_eq!(RankCursor::parse(Some(&text), &mut errors), Some(cursor));
        assert_eq!(RankCursor::parse(None, &mut errors), None);
        assert!(errors.into_result().is_ok());
        for bad in ["nope".to_owned(), URL_SAFE_NO_PAD.encode("r1|x")] {
            let mut errors = FieldErrors::new();
            assert_eq!(RankCursor::parse(Some(&bad), &mut errors), None);
            assert!(errors.into_result().is_err());
        }
    }
}
