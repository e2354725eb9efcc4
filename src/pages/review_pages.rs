//! Review pages: the reviewer's queue, the review form and the chairs' review controls on the
//! proposal page, the ranking, and the review actions of the chairs' dashboard. Every decision
//! about who may do what is the service's (`crate::review`, `auth::policy`); these handlers only
//! turn forms into calls and outcomes into pages, flashes and redirects.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use super::SignedInChair;
use super::{
    CsrfForm, EmptyForm, PageContext, PageError, PageResult, SignedIn, redirect, render, set_flash,
};
use crate::accounts::CurrentUser;
use crate::accounts::policy::{ProposalAccess, review_standing, track_allows};
use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::db::reviews as reviews_db;
use crate::domain::{ProposalId, UserId};
use crate::error::{AppError, FieldErrors};
use crate::events::EventPatch;
use crate::review::conflicts::{ConflictReason, ReviewerIdentity};
use crate::review::{self, AssignedReviewer, QueueItem, RankingItem, ReviewRequest, ReviewView};
use crate::review::{confidence_label, score_label};
use crate::state::AppState;

// ---------------------------------------------------------------- shared helpers

/// One decimal, or a dash when there is nothing to show.
pub fn one_decimal(value: &Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

/// "4 — weak accept", or just "4" where the scale has no word for the score.
pub fn score_text(event: &Event, score: i16) -> String {
    match score_label(event.score_min, event.score_max, score) {
        Some(label) => format!("{score} — {label}"),
        None => score.to_string(),
    }
}

/// "3 — high: I know this area well".
pub fn confidence_text(confidence: i16) -> String {
    match confidence_label(confidence) {
        Some(label) => format!("{confidence} — {label}"),
        None => confidence.to_string(),
    }
}

/// Where the event's review phase stands, as one sentence.
pub fn phase_text(event: &Event, now: DateTime<Utc>) -> String {
    let at = |t: DateTime<Utc>| crate::time::in_zone(t, &event.time_zone);
    if event.review_open_at(now) {
        match event.review_closes_at {
            Some(closes) => format!("Reviewing is open until {}.", at(closes)),
            None => "Reviewing is open until a chair closes it.".into(),
        }
    } else {
        match (event.review_opens_at, event.review_closes_at) {
            (None, _) => "Reviewing has not been opened yet.".into(),
            (Some(opens), _) if now < opens => format!("Reviewing opens {}.", at(opens)),
            (_, Some(closes)) => format!("Reviewing closed {}.", at(closes)),
            _ => "Reviewing is closed.".into(),
        }
    }
}

/// The score distribution as a small bar chart: one bar per score of the scale, heights
/// proportional to the counts, and the counts in words for screen readers and tooltips. Only
/// numbers and fixed words go into it, so it is safe to emit unescaped.
pub fn distribution_svg(event: &Event, distribution: &[usize]) -> String {
    const BAR: usize = 8;
    const GAP: usize = 2;
    const HEIGHT: usize = 24;
    let bars = distribution.len().max(1);
    let width = bars * (BAR + GAP) - GAP;
    let highest = distribution.iter().copied().max().unwrap_or(0);
    let words: Vec<String> = distribution
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let score = event.score_min + i as i16;
            let label = score_label(event.score_min, event.score_max, score)
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            format!(
                "{score}{label}: {n} review{}",
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let description = format!("Scores given: {}", words.join(", "));
    let mut svg = format!(
        "<svg class=\"dist\" width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"{description}\"><title>{description}</title>",
        HEIGHT + 1,
        HEIGHT + 1,
    );
    for (i, n) in distribution.iter().enumerate() {
        let height = if highest == 0 {
            0
        } else {
            (n * HEIGHT).div_ceil(highest)
        };
        let x = i * (BAR + GAP);
        // a baseline for every score, so an empty scale still reads as a chart
        svg.push_str(&format!(
            "<rect class=\"base\" x=\"{x}\" y=\"{HEIGHT}\" width=\"{BAR}\" height=\"1\"/>"
        ));
        if height > 0 {
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"{height}\"/>",
                HEIGHT - height
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

async fn event_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> Result<Event, PageError> {
    Ok(events::find_by_slug(conn, slug)
        .await?
        .ok_or(AppError::NotFound)?)
}

fn track_name_of(tracks: &[TrackWithSubtopics], key: &Option<String>) -> String {
    match key {
        Some(key) => tracks
            .iter()
            .find(|t| &t.key == key)
            .map_or_else(|| key.clone(), |t| t.name.clone()),
        None => "—".into(),
    }
}

// ---------------------------------------------------------------- the reviewer's queue

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    page: PageContext,
    event: Event,
    items: Vec<QueueItem>,
    tracks: Vec<TrackWithSubtopics>,
    review_open: bool,
    phase: String,
    done: usize,
    /// All of the reviewer's proposals, of which `items` is one page.
    total: usize,
    page_number: usize,
    pages: usize,
}

/// Proposals per page of the review queue.
const QUEUE_PAGE: usize = 50;

#[derive(Deserialize)]
pub struct QueueQuery {
    page: Option<String>,
}

impl QueuePage {
    fn track_name(&self, key: &Option<String>) -> String {
        track_name_of(&self.tracks, key)
    }
    fn format_name(&self, key: &str) -> String {
        self.event
            .formats()
            .into_iter()
            .find(|f| f.key == key)
            .map_or_else(|| key.to_owned(), |f| f.name)
    }
    fn score(&self, score: &i16) -> String {
        score_text(&self.event, *score)
    }
}

/// `GET /events/{slug}/review`: what the signed-in member has to review, pending first.
pub async fn queue(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    slug: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let event = event_by_slug(&mut conn, &slug).await?;
    let all = review::queue(&mut conn, &event, &user.0).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let now = Utc::now();
    let pages = all.len().div_ceil(QUEUE_PAGE).max(1);
    // an out-of-range or unreadable page number shows the nearest page
    let page_number = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let done = all.iter().filter(|i| i.my_score.is_some()).count();
    let total = all.len();
    let items: Vec<QueueItem> = all
        .into_iter()
        .skip((page_number - 1) * QUEUE_PAGE)
        .take(QUEUE_PAGE)
        .collect();
    render(
        StatusCode::OK,
        &QueuePage {
            page,
            done,
            total,
            page_number,
            pages,
            items,
            tracks,
            review_open: event.review_open_at(now),
            phase: phase_text(&event, now),
            event,
        },
    )
}

// ---------------------------------------------------------------- the review on the proposal page

/// The review form as typed (radio values arrive as text).
#[derive(Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub comment_for_chairs: String,
    #[serde(default)]
    pub comment_for_speakers: String,
}

impl ReviewForm {
    fn from_review(review: &ReviewView) -> ReviewForm {
        ReviewForm {
            score: review.score.to_string(),
            confidence: review.confidence.to_string(),
            comment_for_chairs: review.comment_for_chairs.clone(),
            comment_for_speakers: review.comment_for_speakers.clone(),
        }
    }
}

/// One radio button.
pub struct Choice {
    pub value: i16,
    pub label: String,
    pub checked: bool,
}

/// One review as shown on the proposal page.
pub struct ShownReview {
    pub review: ReviewView,
    pub score: String,
    pub confidence: String,
    pub updated: String,
}

/// The review part of the proposal page, for chairs and reviewers (never speakers).
pub struct ReviewSection {
    /// The viewer may write a review of this proposal (assigned, or reviewers see all).
    pub may_review: bool,
    pub open: bool,
    pub phase: String,
    pub scores: Vec<Choice>,
    pub confidences: Vec<Choice>,
    pub form: ReviewForm,
    pub errors: FieldErrors,
    pub mine: Option<ShownReview>,
    /// The other reviews the viewer may read.
    pub others: Vec<ShownReview>,
    /// Other reviews hidden until the viewer submits theirs.
    pub hidden: usize,
    /// Where the viewer's queue is.
    pub queue_path: String,
}

impl ReviewSection {
    pub fn messages(&self, field: &str) -> Vec<String> {
        self.errors
            .get(field)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }
}

fn shown(event: &Event, review: ReviewView) -> ShownReview {
    ShownReview {
        score: score_text(event, review.score),
        confidence: confidence_text(review.confidence),
        updated: crate::time::in_zone(review.updated_at, &event.time_zone),
        review,
    }
}

/// The review section for this viewer, None for speakers. `typed` is a rejected form to show
/// again with its errors.
pub async fn review_section(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    event: &Event,
    proposal: &Proposal,
    access: ProposalAccess,
    typed: Option<(ReviewForm, FieldErrors)>,
) -> Result<Option<ReviewSection>, PageError> {
    if access == ProposalAccess::Speaker {
        return Ok(None);
    }
    let standing = review_standing(conn, event, proposal, user).await?;
    let may_review = standing.may_review(event, proposal);
    let listed = review::reviews_for(conn, user, proposal, event).await?;
    let (mine, others): (Vec<ReviewView>, Vec<ReviewView>) =
        listed.items.into_iter().partition(|r| r.mine);
    let mine = mine.into_iter().next();
    let (form, errors) = match typed {
        Some(typed) => typed,
        None => (
            mine.as_ref()
                .map(ReviewForm::from_review)
                .unwrap_or_default(),
            FieldErrors::new(),
        ),
    };
    let now = Utc::now();
    let scores = (event.score_min..=event.score_max)
        .map(|value| Choice {
            value,
            label: score_text(event, value),
            checked: form.score == value.to_string(),
        })
        .collect();
    let confidences = (1..=3)
        .map(|value| Choice {
            value,
            label: confidence_text(value),
            checked: form.confidence == value.to_string(),
        })
        .collect();
    Ok(Some(ReviewSection {
        may_review,
        open: event.review_open_at(now),
        phase: phase_text(event, now),
        scores,
        confidences,
        form,
        errors,
        mine: mine.map(|r| shown(event, r)),
        others: others.into_iter().map(|r| shown(event, r)).collect(),
        hidden: listed.hidden,
        queue_path: format!("/events/{}/review", event.slug),
    }))
}

/// One member in the chairs' assignment and conflict lists.
pub struct MemberChoice {
    pub id: uuid::Uuid,
    pub name: String,
    pub role: String,
    pub assigned: bool,
    pub reviewed: bool,
    pub conflict: Option<ConflictReason>,
    /// Why the member cannot be assigned, if they cannot.
    pub blocked: Option<String>,
}

impl MemberChoice {
    pub fn conflict_text(&self) -> &'static str {
        self.conflict.map_or("", ConflictReason::describe)
    }
    /// A speaker's own conflict cannot be cleared by anyone.
    pub fn clearable(&self) -> bool {
        self.conflict.is_some_and(|c| c != ConflictReason::Speaker)
    }
}

/// The chairs' review controls on the proposal page.
pub struct ChairReviewSection {
    pub assigned: Vec<AssignedReviewer>,
    pub members: Vec<MemberChoice>,
    pub withdrawn: bool,
}

pub async fn chair_review_section(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
) -> Result<ChairReviewSection, PageError> {
    let assigned = review::assignments_view(conn, proposal.id).await?.reviewers;
    let members = reviews_db::member_identities(conn, event.id).await?;
    let identities: Vec<ReviewerIdentity> = members.iter().map(|m| m.0.clone()).collect();
    let conflicts = review::event_conflicts(conn, event, &[proposal.id], &identities).await?;
    let members = members
        .into_iter()
        .map(|(identity, role, tracks, name)| {
            let conflict = conflicts.get(&(identity.id, proposal.id)).copied();
            let mine = assigned.iter().find(|a| a.id == identity.id.0);
            let blocked = match conflict {
                Some(reason) => Some(format!("conflicted: {}", reason.describe())),
                None if !track_allows(tracks.as_deref(), proposal) => {
                    Some("reviews only other tracks".to_owned())
                }
                None => None,
            };
            MemberChoice {
                id: identity.id.0,
                name,
                role,
                assigned: mine.is_some(),
                reviewed: mine.is_some_and(|a| a.reviewed),
                conflict,
                blocked,
            }
        })
        .collect();
    Ok(ChairReviewSection {
        assigned,
        members,
        withdrawn: proposal.state.is_withdrawn(),
    })
}

/// `POST /proposals/{id}/review`: saves the viewer's review; a rejected one is shown again with
/// its messages (422).
pub async fn save_review(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<ReviewForm>,
) -> PageResult {
    let form = form.0;
    // unparsable values become out-of-range ones, so that the service checks everything else
    // (who may review, whether reviewing is open) before answering with its field messages
    let request = ReviewRequest {
        score: form.score.trim().parse().unwrap_or(i16::MIN),
        confidence: form.confidence.trim().parse().unwrap_or(0),
        comment_for_chairs: form.comment_for_chairs.clone(),
        comment_for_speakers: form.comment_for_speakers.clone(),
    };
    let mut errors = match review::save_review(&state, &user.0, *id, request).await {
        Ok(_) => {
            set_flash(&req, "success", "Your review is saved.");
            return Ok(redirect(&format!("/proposals/{}#review", *id)));
        }
        Err(AppError::Validation(errors)) => errors,
        Err(AppError::Conflict { errors, .. }) if !errors.is_empty() => errors,
        Err(other) => return Err(other.into()),
    };
    for (field, value, message) in [
        ("score", &form.score, "choose a score"),
        (
            "confidence",
            &form.confidence,
            "choose how confident you are",
        ),
    ] {
        if value.trim().is_empty() && errors.0.contains_key(field) {
            errors.0.insert(field.to_owned(), vec![message.to_owned()]);
        }
    }
    super::proposal_pages::proposal_page(page, &state, &user.0, *id, Some((form, errors))).await
}

/// `POST /proposals/{id}/conflict`: the viewer declares a conflict of interest with the
/// proposal; a reviewer no longer sees it and goes back to their queue.
pub async fn declare_conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let proposal_id = *id;
    review::set_conflict(&state, &user.0, proposal_id, user.0.id, true).await?;
    let mut conn = state.pool.get().await?;
    let proposal = proposals_db::find(&mut conn, proposal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(&mut conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let still_sees =
        crate::accounts::policy::proposal_access(&mut conn, &event, &proposal, &user.0).await?;
    if still_sees.is_some() {
        set_flash(
            &req,
            "info",
            "Your conflict of interest is recorded; you are no longer assigned to this proposal.",
        );
        return Ok(redirect(&format!("/proposals/{}", *id)));
    }
    set_flash(
        &req,
        "info",
        &format!(
            "Your conflict of interest with “{}” is recorded: it is no longer in your queue.",
            proposal.title
        ),
    );
    Ok(redirect(&format!("/events/{}/review", event.slug)))
}

/// `POST /proposals/{id}/assignments`: one checkbox per member, named `reviewer_<id>`.
pub async fn set_assignments(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let mut ids = Vec::new();
    for key in form.0.keys() {
        if let Some(raw) = key.strip_prefix("reviewer_") {
            let id = uuid::Uuid::parse_str(raw)
                .map_err(|_| AppError::BadRequest(format!("malformed form: {key}")))?;
            ids.push(UserId(id));
        }
    }
    if ids.len() > 50 {
        return Err(AppError::BadRequest("at most 50 reviewers".into()).into());
    }
    match review::set_assignments(&state, &user.0, *id, ids).await {
        Ok(view) => {
            let names: Vec<&str> = view.reviewers.iter().map(|r| r.name.as_str()).collect();
            let message = if names.is_empty() {
                "The proposal has no assigned reviewers now.".to_owned()
            } else {
                format!("Assigned: {}.", names.join(", "))
            };
            set_flash(&req, "success", &message);
        }
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    Ok(redirect(&format!("/proposals/{}#assignments", *id)))
}

#[derive(Deserialize)]
pub struct ConflictForm {
    #[serde(default)]
    reviewer_id: String,
    #[serde(default)]
    conflicted: String,
}

/// `POST /proposals/{id}/conflicts`: a chair sets or clears a member's conflict.
pub async fn set_conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<ConflictForm>,
) -> PageResult {
    let reviewer = uuid::Uuid::parse_str(form.0.reviewer_id.trim())
        .map_err(|_| AppError::BadRequest("malformed form: reviewer_id".into()))?;
    let conflicted = match form.0.conflicted.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("malformed form: conflicted".into()).into()),
    };
    match review::set_conflict(&state, &user.0, *id, UserId(reviewer), conflicted).await {
        Ok(view) => {
            let message = match (view.conflicted, view.reason) {
                (true, Some(reason)) => format!(
                    "The member is conflicted ({}) and not assigned.",
                    reason.describe()
                ),
                (true, None) => "The member is conflicted and not assigned.".to_owned(),
                (false, _) => "The conflict is cleared.".to_owned(),
            };
            set_flash(&req, "success", &message);
        }
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    // a reviewer clearing their own declaration may not see the proposal after all: the service
    // decided; the proposal page answers for itself
    Ok(redirect(&format!("/proposals/{}#conflicts", *id)))
}

// ---------------------------------------------------------------- the chairs' event actions

#[derive(Deserialize)]
pub struct AutoAssignForm {
    #[serde(default)]
    reviewers_per_proposal: String,
}

/// `POST /events/{slug}/assignments/auto`.
pub async fn auto_assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<AutoAssignForm>,
) -> PageResult {
    let back = format!("/events/{}/dashboard#assign", event.slug);
    let per_proposal = match form.0.reviewers_per_proposal.trim().parse::<usize>() {
        Ok(k) if (1..=20).contains(&k) => k,
        _ => {
            set_flash(
                &req,
                "error",
                "Reviewers per proposal must be a whole number from 1 to 20.",
            );
            return Ok(redirect(&back));
        }
    };
    match review::auto_assign(&state, &user, &event, per_proposal).await {
        Ok(outcome) => {
            let mut message = format!(
                "{} assignment{} made.",
                outcome.assigned,
                if outcome.assigned == 1 { "" } else { "s" }
            );
            if !outcome.short.is_empty() {
                let short: Vec<String> = outcome
                    .short
                    .iter()
                    .map(|s| format!("“{}” ({})", s.title, s.reviewers))
                    .collect();
                message.push_str(&format!(
                    " Too few eligible reviewers for {} proposal{}: {}.",
                    short.len(),
                    if short.len() == 1 { "" } else { "s" },
                    short.join(", ")
                ));
            }
            let kind = if outcome.short.is_empty() {
                "success"
            } else {
                "info"
            };
            set_flash(&req, kind, &message);
        }
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    Ok(redirect(&back))
}

#[derive(Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    reviewer_id: String,
}

/// `POST /events/{slug}/reviewers/remind`: one reviewer (`reviewer_id`), or everyone with
/// pending reviews.
pub async fn remind(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<RemindForm>,
) -> PageResult {
    let only = match form.0.reviewer_id.trim() {
        "" => None,
        raw => Some(UserId(uuid::Uuid::parse_str(raw).map_err(|_| {
            AppError::BadRequest("malformed form: reviewer_id".into())
        })?)),
    };
    match review::remind(&state, &user, &event, only).await {
        Ok(queued) => {
            let message = match queued {
                0 => "No reminder queued: nobody has pending reviews, or they were reminded a moment ago.".to_owned(),
                1 => "1 reminder queued.".to_owned(),
                n => format!("{n} reminders queued."),
            };
            set_flash(&req, "success", &message);
        }
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    Ok(redirect(&format!(
        "/events/{}/dashboard#reviewers",
        event.slug
    )))
}

#[derive(Deserialize)]
pub struct PhaseForm {
    #[serde(default)]
    action: String,
}

/// `POST /events/{slug}/review-phase`: `action=open` opens reviewing now (until closed),
/// `action=close` closes it now.
pub async fn review_phase(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<PhaseForm>,
) -> PageResult {
    let open = match form.0.action.as_str() {
        "open" => true,
        "close" => false,
        _ => {
            return Err(AppError::BadRequest("action must be open or close".into()).into());
        }
    };
    let slug = event.slug.clone();
    let patch = EventPatch {
        review_open: Some(open),
        ..Default::default()
    };
    match crate::events::apply_patch(&state, event, patch).await {
        Ok(event) => {
            let now = Utc::now();
            let kind = if event.review_open_at(now) == open {
                "success"
            } else {
                "info"
            };
            set_flash(&req, kind, &phase_text(&event, now));
        }
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    Ok(redirect(&format!("/events/{slug}/dashboard#phase")))
}

// ---------------------------------------------------------------- the ranking

#[derive(Deserialize)]
pub struct RankingQuery {
    track: Option<String>,
}

pub struct RankedRow {
    pub item: RankingItem,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "ranking.html")]
struct RankingPage {
    page: PageContext,
    event: Event,
    rows: Vec<RankedRow>,
    tracks: Vec<TrackWithSubtopics>,
    track: String,
    phase: String,
}

impl RankingPage {
    fn track_name(&self, key: &Option<String>) -> String {
        track_name_of(&self.tracks, key)
    }
    fn number(value: &Option<f64>) -> String {
        one_decimal(value)
    }
    fn csv_link(&self) -> String {
        if self.track.is_empty() {
            format!("/api/v1/events/{}/ranking.csv", self.event.slug)
        } else {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("track", &self.track)
                .finish();
            format!("/api/v1/events/{}/ranking.csv?{query}", self.event.slug)
        }
    }
}

/// `GET /events/{slug}/ranking` (chairs): best first by the calibrated score.
pub async fn ranking(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<RankingQuery>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let track = query
        .track
        .clone()
        .filter(|t| tracks.iter().any(|k| &k.key == t))
        .unwrap_or_default();
    let items = review::ranking(
        &mut conn,
        &event,
        Some(track.as_str()).filter(|t| !t.is_empty()),
    )
    .await?;
    let rows = items
        .into_iter()
        .map(|item| RankedRow {
            chart: distribution_svg(&event, &item.distribution),
            item,
        })
        .collect();
    render(
        StatusCode::OK,
        &RankingPage {
            page,
            rows,
            tracks,
            track,
            phase: phase_text(&event, Utc::now()),
            event,
        },
    )
}
