//! The chairs' dashboard: an event's proposals with the tagger's verdicts and their review
//! figures as a full-width working table (searched, filtered, sorted by any column, paged:
//! `review::chair_page`), under the panels of the review phase, the decisions, the track
//! balance, the automatic assignment and the reviewers' progress, folded.

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
use crate::db::paging::DEFAULT_LIMIT;
use crate::db::proposals::NEEDS_CHECK_BELOW;
use crate::domain::{ProposalSort, ProposalState, SearchText, SortKey};
use crate::error::FieldErrors;
use crate::proposals::{self, ProposalView, Viewer};
use crate::review::{ChairList, RankingCache, chair_page};
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
    /// A column (`created_at`, the default, `title`, `calibrated`, `mean`, `reviews`,
    /// `confidence`), `-` in front for descending; `submitted` (of old links) is `created_at`.
    sort: Option<String>,
    /// A full-text search over titles, abstracts and speakers' names.
    q: Option<String>,
    /// `<key>:<option>`: only proposals whose answer to that choice question holds the option.
    answer: Option<String>,
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
    sort: ProposalSort,
    /// The search as typed (empty: none).
    q: String,
    /// The answer filter (`<key>:<option>`; empty: none).
    answer: String,
    /// The answer filter's choices: (question label, [(value, option)]).
    answer_choices: Vec<(String, Vec<(String, String)>)>,
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
    /// Accepted talks whose decision is released (what publishing would show).
    released_accepts: i64,
    /// Freed places with their suggestions, and who was reminded to confirm.
    promotions: crate::decisions::promotion::PromotionsView,
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
    /// This dashboard's query, filtered as now, sorted by `sort`, from `cursor` on.
    fn link(&self, sort: ProposalSort, cursor: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let sort_param = sort.as_param();
        for (key, value, set) in [
            ("q", self.q.as_str(), !self.q.is_empty()),
            ("answer", self.answer.as_str(), !self.answer.is_empty()),
            ("track", self.track.as_str(), !self.track.is_empty()),
            ("state", self.state.as_str(), !self.state.is_empty()),
            ("needs_check", "true", self.needs_check),
            ("disagreements", "true", self.only_disagreements),
            ("missing", "true", self.only_missing),
            ("sort", sort_param.as_str(), sort != ProposalSort::default()),
            ("cursor", cursor.unwrap_or_default(), cursor.is_some()),
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
    /// This dashboard as filtered and sorted (not paged): where its forms come back to.
    fn here(&self) -> String {
        self.link(self.sort, None)
    }
    /// Any filter narrows the list (for the empty state).
    fn filtered(&self) -> bool {
        !self.track.is_empty()
            || !self.answer.is_empty()
            || !self.state.is_empty()
            || !self.q.is_empty()
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
        self.link(self.sort, Some(cursor))
    }
    /// A column header's link: sorted by it (the other way round if it is sorted by it
    /// already), filters kept, from the first page.
    fn sort_link(&self, key: &str) -> String {
        match SortKey::parse(key) {
            Some(key) => self.link(self.sort.toggled(key), None),
            None => self.here(),
        }
    }
    /// `aria-sort` of a column header: only the sorted one has it.
    fn aria_sort(&self, key: &str) -> Option<&'static str> {
        (SortKey::parse(key) == Some(self.sort.key)).then_some(if self.sort.descending {
            "descending"
        } else {
            "ascending"
        })
    }
    /// A column header's tooltip.
    fn header_hint(key: &str) -> Option<&'static str> {
        (key == "reviews").then_some("reviews done / reviewers assigned")
    }
    /// The arrow after a column header's name.
    fn sort_mark(&self, key: &str) -> &'static str {
        match self.aria_sort(key) {
            Some("descending") => "▼",
            Some(_) => "▲",
            None => "",
        }
    }
    /// The orders the sort menu offers: `?sort=` and its label.
    fn sorts(&self) -> Vec<(String, String)> {
        let label = |key: SortKey, descending: bool| {
            let (what, up, down) = match key {
                SortKey::CreatedAt => ("Submitted", "oldest first", "newest first"),
                SortKey::Title => ("Title", "A to Z", "Z to A"),
                SortKey::Calibrated => ("Calibrated score", "lowest first", "best first"),
                SortKey::Mean => ("Mean score", "lowest first", "best first"),
                SortKey::Reviews => ("Reviews", "fewest first", "most first"),
                SortKey::Confidence => ("Tag confidence", "least sure first", "surest first"),
            };
            format!("{what} ({})", if descending { down } else { up })
        };
        SortKey::ALL
            .into_iter()
            .flat_map(|key| {
                [key.first_descending(), !key.first_descending()].map(|descending| {
                    let sort = ProposalSort { key, descending };
                    (sort.as_param(), label(key, descending))
                })
            })
            .collect()
    }
    fn sort_param(&self) -> String {
        self.sort.as_param()
    }
    /// What the caption says of the order.
    fn sort_text(&self) -> String {
        let param = self.sort.as_param();
        self.sorts()
            .into_iter()
            .find(|(p, _)| *p == param)
            .map_or(param, |(_, label)| label.to_lowercase())
    }
    /// The day it was submitted, in the event's time zone.
    fn submitted_day(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        match self.event.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => at.with_timezone(&tz).format("%Y-%m-%d").to_string(),
            Err(_) => at.format("%Y-%m-%d").to_string(),
        }
    }
    /// The decisions panel opens when something waits there: decisions to release, or released
    /// acceptances not published yet.
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::time::in_zone(*at, &self.event.time_zone)
    }

    fn decisions_urgent(&self) -> bool {
        self.decisions.summary.unreleased > 0
            || (self.decisions.published.is_none() && self.released_accepts > 0)
    }
}

pub async fn dashboard(
    page: PageContext,
    state: web::Data<AppState>,
    cache: web::Data<RankingCache>,
    similarity: web::Data<crate::review::SimilarityCache>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<DashboardQuery>,
) -> PageResult {
    let track = query.track.clone().unwrap_or_default();
    // an unknown state filters nothing
    let state_filter = query.state.as_deref().and_then(ProposalState::parse);
    let needs_check = query.needs_check.as_deref() == Some("true");
    let only_disagreements = query.disagreements.as_deref() == Some("true");
    let only_missing = query.missing.as_deref() == Some("true");
    let mut errors = FieldErrors::new();
    let search = errors
        .check("q", SearchText::parse(query.q.as_deref()))
        .flatten();
    let sort = match query.sort.as_deref() {
        // the links of before sorting by column
        Some("submitted") => Some(ProposalSort::default()),
        other => errors.check("sort", ProposalSort::parse(other)),
    }
    .unwrap_or_default();
    let questions = event.questions();
    let answer = match query.answer.as_deref() {
        None | Some("") => None,
        Some(text) => errors.check(
            "answer",
            crate::domain::questions::parse_answer_filter(text, &questions),
        ),
    };
    errors.into_result()?;
    let answer_choices = questions
        .iter()
        .filter(|q| q.kind.has_options())
        .map(|q| {
            let options = q
                .options
                .iter()
                .map(|o| (format!("{}:{o}", q.key), o.clone()))
                .collect();
            (q.label.clone(), options)
        })
        .collect();
    let mut conn = state.pool.get().await?;
    // the whole event's ranking (calibration sees every review), cached under an O(1) key
    let ranked = cache.ranked(&mut conn, &event).await?;
    let list = ChairList {
        track: Some(track.as_str()).filter(|t| !t.is_empty()),
        state: state_filter,
        needs_check,
        search: search.as_ref(),
        answer: answer.as_ref().map(|(k, o)| (k.as_str(), o.as_str())),
        only_disagreements,
        only_missing,
        sort,
        cursor: query.cursor.as_deref(),
        limit: DEFAULT_LIMIT,
    };
    let (rows, next_cursor) = chair_page(&mut conn, &event, Some(&ranked), &list).await?;
    let mut proposals = proposals::views(&mut conn, &event, &rows, Viewer::Chair).await?;
    // the same talk twice, or two on one subject: flagged on the row (kept per event)
    let similar = similarity.index(&mut conn, event.id).await?;
    for p in &mut proposals {
        p.similar = Some(
            similar
                .similar_to(crate::domain::ProposalId(p.id))
                .iter()
                .map(crate::review::SimilarProposal::from)
                .collect(),
        );
    }
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
    let released_accepts = ranked
        .decision_counts
        .iter()
        .filter(|(_, released, _)| *released == Some(crate::domain::Decision::Accept))
        .map(|(_, _, n)| n)
        .sum();
    let promotions =
        crate::decisions::promotion::promotions(&mut conn, &event, Some(&ranked)).await?;
    let now = chrono::Utc::now();
    render(
        StatusCode::OK,
        &DashboardPage {
            promotions,
            balance,
            released_accepts,
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
            q: search
                .as_ref()
                .map(|s| s.websearch().to_owned())
                .unwrap_or_default(),
            answer: answer
                .as_ref()
                .map(|(k, o)| format!("{k}:{o}"))
                .unwrap_or_default(),
            answer_choices,
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
