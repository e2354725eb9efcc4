//! The chairs' dashboard: an event's proposals with the tagger's verdicts and their review
//! figures, filtered and sorted; the reviewers' progress, the decisions and the track balance.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use super::balance::{TrackBalance, track_balance};
use super::context::PageContext;
use super::decisions::decide::{DashboardDecisions, dashboard_decisions};
use super::distribution::distribution_svg;
use super::errors::PageResult;
use super::extract::SignedInChair;
use super::labels::{one_decimal, phase_text};
use super::respond::render;
use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::db::paging::{DEFAULT_LIMIT, page_params};
use crate::db::proposals::{self as db, ListFilter, ListScope, NEEDS_CHECK_BELOW, Proposal};
use crate::domain::{ProposalState, Transition};
use crate::error::{AppError, FieldErrors};
use crate::proposals::{self, ProposalView, Viewer};
use crate::review::{RankCursor, RankOrder, RankedEvent, RankedProposal, RankingCache};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct DashboardQuery {
    track: Option<String>,
    state: Option<String>,
    needs_check: Option<String>,
    cursor: Option<String>,
    /// `true`: only proposals whose reviews disagree.
    disagreements: Option<String>,
    /// `true`: only proposals with reviews missing (fewer than assigned, or none assigned).
    missing: Option<String>,
    /// `submitted` (default), `calibrated` or `mean`.
    sort: Option<String>,
}

/// A row's review figures, from the cached ranking.
struct Stats {
    n: usize,
    assigned: usize,
    mean: Option<f64>,
    calibrated: Option<f64>,
    disagreement: bool,
}

/// One dashboard row: the proposal and, unless it is withdrawn, its review figures.
struct DashboardRow {
    p: ProposalView,
    stats: Option<Stats>,
    chart: String,
}

impl DashboardRow {
    fn missing_reviews(&self) -> bool {
        self.stats
            .as_ref()
            .is_some_and(|s| s.assigned == 0 || s.n < s.assigned)
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: PageContext,
    event: Event,
    tracks: Vec<TrackWithSubtopics>,
    rows: Vec<DashboardRow>,
    track: String,
    state: String,
    needs_check: bool,
    only_disagreements: bool,
    only_missing: bool,
    sort: &'static str,
    states: &'static [ProposalState],
    next_cursor: Option<String>,
    /// A page after the first one.
    paged: bool,
    threshold_percent: u32,
    review_open: bool,
    phase: String,
    progress: Vec<crate::review::ReviewerProgress>,
    pending_reviewers: usize,
    /// The release summary, publication, undecided proposals per track.
    decisions: DashboardDecisions,
    /// Minutes of the proposals decided "accept" (released or not) per track, against the budget.
    balance: TrackBalance,
}

impl DashboardPage {
    fn track_name(&self, key: &Option<String>) -> String {
        match key {
            Some(key) => self
                .tracks
                .iter()
                .find(|t| &t.key == key)
                .map_or_else(|| key.clone(), |t| t.name.clone()),
            None => "—".into(),
        }
    }
    fn percent(confidence: &Option<f32>) -> String {
        confidence.map_or_else(|| "—".into(), |c| format!("{:.0} %", c * 100.0))
    }
    fn unsure(confidence: &Option<f32>) -> bool {
        confidence.is_some_and(|c| c < NEEDS_CHECK_BELOW)
    }
    fn number(value: &Option<f64>) -> String {
        one_decimal(value)
    }
    fn tracks_text(tracks: &Option<Vec<String>>) -> String {
        tracks
            .as_ref()
            .map_or_else(|| "all tracks".to_owned(), |t| t.join(", "))
    }
    /// This dashboard as filtered and sorted (not paged): where its forms come back to.
    fn here(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value, set) in [
            ("track", self.track.as_str(), !self.track.is_empty()),
            ("state", self.state.as_str(), !self.state.is_empty()),
            ("needs_check", "true", self.needs_check),
            ("disagreements", "true", self.only_disagreements),
            ("missing", "true", self.only_missing),
            ("sort", self.sort, self.sort != "submitted"),
        ] {
            if set {
                query.append_pair(key, value);
            }
        }
        let query = query.finish();
        if query.is_empty() {
            format!("/events/{}/dashboard", self.event.slug)
        } else {
            format!("/events/{}/dashboard?{query}", self.event.slug)
        }
    }
    /// Any filter narrows the list (for the empty state).
    fn filtered(&self) -> bool {
        !self.track.is_empty()
            || !self.state.is_empty()
            || self.needs_check
            || self.only_disagreements
            || self.only_missing
            || self.paged
    }
    fn cfp_open(&self) -> bool {
        self.event.cfp_open_at(chrono::Utc::now())
    }
    /// The first page, filtered the same way.
    fn first_link(&self) -> String {
        self.here()
    }
    fn next_link(&self, cursor: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("track", &self.track)
            .append_pair("state", &self.state)
            .append_pair("cursor", cursor);
        for (key, value, set) in [
            ("needs_check", "true", self.needs_check),
            ("disagreements", "true", self.only_disagreements),
            ("missing", "true", self.only_missing),
            ("sort", self.sort, self.sort != "submitted"),
        ] {
            if set {
                query.append_pair(key, value);
            }
        }
        format!("/events/{}/dashboard?{}", self.event.slug, query.finish())
    }
}

pub async fn dashboard(
    page: PageContext,
    state: web::Data<AppState>,
    cache: web::Data<RankingCache>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<DashboardQuery>,
) -> PageResult {
    let track = query.track.clone().unwrap_or_default();
    // an unknown state filters nothing
    let state_filter = query.state.as_deref().and_then(ProposalState::parse);
    let needs_check = query.needs_check.as_deref() == Some("true");
    let only_disagreements = query.disagreements.as_deref() == Some("true");
    let only_missing = query.missing.as_deref() == Some("true");
    let sort = match query.sort.as_deref() {
        Some("calibrated") => "calibrated",
        Some("mean") => "mean",
        _ => "submitted",
    };
    let filter = Filter {
        track: Some(track.as_str()).filter(|t| !t.is_empty()),
        state: state_filter,
        needs_check,
        only_disagreements,
        only_missing,
    };
    let mut conn = state.pool.get().await?;
    // the whole event's ranking (calibration sees every review), cached under an O(1) key
    let ranked = cache.ranked(&mut conn, &event).await?;
    // review filters and orders page over the cached order; the rest is a keyset page in SQL
    let (rows, next_cursor) = if sort != "submitted" || only_disagreements || only_missing {
        let order = match sort {
            "calibrated" => RankOrder::Calibrated,
            "mean" => RankOrder::Mean,
            _ => RankOrder::Submitted,
        };
        ranked_page(
            &mut conn,
            &event,
            &ranked,
            order,
            &filter,
            query.cursor.as_deref(),
        )
        .await?
    } else {
        submitted_page(&mut conn, &event, &filter, query.cursor.as_deref()).await?
    };
    let proposals = proposals::views(&mut conn, &event, &rows, Viewer::Chair).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let rows: Vec<DashboardRow> = proposals
        .into_iter()
        .map(|p| {
            let figures = ranked
                .get(crate::domain::ProposalId(p.id))
                .filter(|r| r.ranked);
            let chart = figures.map_or_else(String::new, |r| {
                let bars: Vec<usize> = r.distribution.iter().map(|&n| n as usize).collect();
                distribution_svg(&event, &bars)
            });
            let stats = figures.map(|r| {
                let a = r.aggregate();
                Stats {
                    n: a.n,
                    assigned: r.assigned,
                    mean: a.mean,
                    calibrated: a.calibrated,
                    disagreement: a.disagreement,
                }
            });
            DashboardRow { p, stats, chart }
        })
        .collect();
    let progress = crate::review::reviewer_progress(&mut conn, &event, &ranked).await?;
    let decisions = dashboard_decisions(&ranked, &event, &tracks);
    let balance = accepted_balance(&ranked, &event, &tracks);
    let now = chrono::Utc::now();
    render(
        StatusCode::OK,
        &DashboardPage {
            balance,
            page,
            tracks,
            rows,
            track,
            state: state_filter
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            needs_check,
            only_disagreements,
            only_missing,
            sort,
            states: &ProposalState::ALL,
            next_cursor,
            paged: query.cursor.is_some(),
            threshold_percent: (NEEDS_CHECK_BELOW * 100.0).round() as u32,
            review_open: event.review_open_at(now),
            phase: phase_text(&event, now),
            pending_reviewers: progress.iter().filter(|p| p.done < p.assigned).count(),
            progress,
            decisions,
            event,
        },
    )
}

/// The dashboard's filters.
struct Filter<'a> {
    track: Option<&'a str>,
    state: Option<ProposalState>,
    needs_check: bool,
    only_disagreements: bool,
    only_missing: bool,
}

impl Filter<'_> {
    fn keeps(&self, p: &RankedProposal) -> bool {
        self.track.is_none_or(|t| p.track.as_deref() == Some(t))
            && self.state.is_none_or(|s| p.state == s)
            && (!self.needs_check || p.needs_check)
            && (!self.only_disagreements || (p.ranked && p.aggregate().disagreement))
            && (!self.only_missing || p.missing_reviews())
    }
}

/// Oldest first, a keyset page in SQL.
async fn submitted_page(
    conn: &mut diesel_async::AsyncPgConnection,
    event: &Event,
    filter: &Filter<'_>,
    cursor: Option<&str>,
) -> Result<(Vec<Proposal>, Option<String>), AppError> {
    let (limit, after) = page_params(None, cursor)?;
    let rows = db::list(
        conn,
        event.id,
        ListScope::All,
        ListFilter {
            track: filter.track,
            state: filter.state,
            needs_check: filter.needs_check,
            after: after.map(|(at, id)| (at, crate::domain::ProposalId(id))),
            limit: limit + 1,
        },
    )
    .await?;
    let page = crate::db::paging::finish(rows, limit, |p| (p.created_at, p.id.0), |p| p);
    Ok((page.items, page.next_cursor))
}

/// A page of the cached order, filtered in memory; only the page's proposals are loaded.
async fn ranked_page(
    conn: &mut diesel_async::AsyncPgConnection,
    event: &Event,
    ranked: &RankedEvent,
    order: RankOrder,
    filter: &Filter<'_>,
    cursor: Option<&str>,
) -> Result<(Vec<Proposal>, Option<String>), AppError> {
    let mut errors = FieldErrors::new();
    let cursor = RankCursor::parse(cursor, &mut errors);
    errors.into_result()?;
    let (page, next_cursor) = ranked.page(order, cursor.as_ref(), DEFAULT_LIMIT as usize, |p| {
        filter.keeps(p)
    });
    let ids: Vec<crate::domain::ProposalId> = page.iter().map(|p| p.id).collect();
    let mut rows = db::list(
        conn,
        event.id,
        ListScope::Only(ids.clone()),
        ListFilter {
            track: None,
            state: None,
            needs_check: false,
            after: None,
            limit: ids.len() as i64,
        },
    )
    .await?;
    let place: std::collections::HashMap<_, _> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|p| place.get(&p.id).copied().unwrap_or(usize::MAX));
    Ok((rows, next_cursor))
}

/// The track balance of what the chairs have accepted so far (released or not; declined and
/// withdrawn talks left out), against the programme's minutes: counted per track and format in SQL.
fn accepted_balance(
    ranked: &crate::review::RankedEvent,
    event: &Event,
    tracks: &[TrackWithSubtopics],
) -> TrackBalance {
    let counts = &ranked.accepted_by_track_and_format;
    let formats = event.formats();
    let name_of = |key: Option<&str>| {
        key.and_then(|k| tracks.iter().find(|t| t.key == k))
            .map_or_else(|| key.unwrap_or("Other").to_owned(), |t| t.name.clone())
    };
    let mut talks: Vec<(String, i32)> = Vec::new();
    for (track, format, count) in counts {
        let minutes = formats
            .iter()
            .find(|f| &f.key == format)
            .map_or(0, |f| f.minutes);
        let name = name_of(track.as_deref());
        talks.extend(std::iter::repeat_n((name, minutes), *count as usize));
    }
    let names: Vec<String> = tracks.iter().map(|t| t.name.clone()).collect();
    track_balance(&names, &talks, event.slot_minutes)
}

/// `/events/{slug}/dashboard`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/dashboard", web::get().to(dashboard));
}
