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
use crate::db::paging::page_params;
use crate::db::proposals::{self as db, ListFilter, ListScope, NEEDS_CHECK_BELOW};
use crate::domain::{Decision, ProposalState, Transition};
use crate::error::AppError;
use crate::proposals::{self, ProposalView, Viewer};
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

/// One dashboard row: the proposal and, unless it is withdrawn, its review figures.
struct DashboardRow {
    p: ProposalView,
    stats: Option<crate::review::RankingItem>,
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
        if self.needs_check {
            query.append_pair("needs_check", "true");
        }
        format!("/events/{}/dashboard?{}", self.event.slug, query.finish())
    }
}

pub async fn dashboard(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<DashboardQuery>,
) -> PageResult {
    let (limit, after) = page_params(Some("50"), query.cursor.as_deref())?;
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
    // review filters and orders need every proposal at once: no pages then
    let whole_list = sort != "submitted" || only_disagreements || only_missing;
    let (fetch, after) = if whole_list {
        (i64::MAX, None)
    } else {
        (limit + 1, after)
    };
    let mut conn = state.pool.get().await?;
    let mut rows = db::list(
        &mut conn,
        event.id,
        ListScope::All,
        ListFilter {
            track: Some(track.as_str()).filter(|t| !t.is_empty()),
            state: state_filter,
            needs_check,
            after: after.map(|(at, id)| (at, crate::domain::ProposalId(id))),
            limit: fetch,
        },
    )
    .await?;
    let next_cursor = if !whole_list && rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|p| crate::db::paging::encode_cursor(p.created_at, p.id.0))
    } else {
        None
    };
    let proposals = proposals::views(&mut conn, &event, &rows, Viewer::Chair).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    // the whole event's ranking (calibration sees every review), joined by proposal id
    let mut ranked: std::collections::HashMap<uuid::Uuid, (usize, crate::review::RankingItem)> =
        crate::review::ranking(&mut conn, &event, None)
            .await?
            .into_iter()
            .enumerate()
            .map(|(position, item)| (item.proposal_id, (position, item)))
            .collect();
    let mut rows: Vec<(usize, DashboardRow)> = proposals
        .into_iter()
        .map(|p| {
            let (position, stats) = match ranked.remove(&p.id) {
                Some((position, item)) => (position, Some(item)),
                None => (usize::MAX, None),
            };
            let chart = stats
                .as_ref()
                .map_or_else(String::new, |s| distribution_svg(&event, &s.distribution));
            (position, DashboardRow { p, stats, chart })
        })
        .filter(|(_, row)| {
            (!only_disagreements || row.stats.as_ref().is_some_and(|s| s.disagreement))
                && (!only_missing || row.missing_reviews())
        })
        .collect();
    match sort {
        "calibrated" => rows.sort_by_key(|(position, _)| *position),
        "mean" => rows.sort_by(|(pa, a), (pb, b)| {
            let mean = |r: &DashboardRow| r.stats.as_ref().and_then(|s| s.mean);
            match (mean(a), mean(b)) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then(pa.cmp(pb))
        }),
        _ => {}
    }
    let progress = crate::review::reviewer_progress(&mut conn, &event).await?;
    let decisions = dashboard_decisions(&mut conn, &event, &tracks).await?;
    let balance = accepted_balance(&mut conn, &event, &tracks).await?;
    let now = chrono::Utc::now();
    render(
        StatusCode::OK,
        &DashboardPage {
            balance,
            page,
            tracks,
            rows: rows.into_iter().map(|(_, row)| row).collect(),
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

/// The track balance of what the chairs have accepted so far (released or not; declined and
/// withdrawn talks left out), against the programme's minutes.
async fn accepted_balance(
    conn: &mut diesel_async::AsyncPgConnection,
    event: &Event,
    tracks: &[TrackWithSubtopics],
) -> Result<TrackBalance, AppError> {
    let all = db::active_of(conn, event.id, None).await?;
    let formats = event.formats();
    let name_of = |key: Option<&str>| {
        key.and_then(|k| tracks.iter().find(|t| t.key == k))
            .map_or_else(|| key.unwrap_or("Other").to_owned(), |t| t.name.clone())
    };
    let talks: Vec<(String, i32)> = all
        .iter()
        .filter(|p| p.decision == Some(Decision::Accept))
        .filter(|p| !matches!(p.state, ProposalState::Withdrawn | ProposalState::Declined))
        .map(|p| {
            let minutes = formats
                .iter()
                .find(|f| f.key == p.format)
                .map_or(0, |f| f.minutes);
            (name_of(p.track()), minutes)
        })
        .collect();
    let names: Vec<String> = tracks.iter().map(|t| t.name.clone()).collect();
    Ok(track_balance(&names, &talks, event.slot_minutes))
}

/// `/events/{slug}/dashboard`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/dashboard", web::get().to(dashboard));
}
