//! Chair pages: the proposals dashboard with the tagger's verdicts, and the track override form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use super::SignedInChair;
use super::{CsrfForm, PageContext, PageResult, SignedIn, redirect, render, set_flash};
use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::db::paging::page_params;
use crate::db::proposals::{self as db, ListFilter, ListScope, NEEDS_CHECK_BELOW};
use crate::domain::{Decision, ProposalId, ProposalState, Transition};
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
    decisions: super::decision_pages::DashboardDecisions,
    /// Minutes of the proposals decided "accept" (released or not) per track, against the budget.
    balance: super::balance::TrackBalance,
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
        super::review_pages::one_decimal(value)
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
            let chart = stats.as_ref().map_or_else(String::new, |s| {
                super::review_pages::distribution_svg(&event, &s.distribution)
            });
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
    let decisions = super::decision_pages::dashboard_decisions(&mut conn, &event, &tracks).await?;
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
            phase: super::review_pages::phase_text(&event, now),
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
) -> Result<super::balance::TrackBalance, AppError> {
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
    Ok(super::balance::track_balance(
        &names,
        &talks,
        event.slot_minutes,
    ))
}

#[derive(Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    track: String,
    /// Comma-separated subtopic keys (the form sends one field per checked box, joined by the page).
    #[serde(default)]
    subtopics: String,
}

pub async fn set_track(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<TrackForm>,
) -> PageResult {
    let form = form.0;
    let track = Some(form.track).filter(|t| !t.is_empty());
    let subtopics: Vec<String> = form
        .subtopics
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    match proposals::override_track(&state, &user.0, *id, track.clone(), subtopics).await {
        Ok(_) => {
            let message = if track.is_some() {
                "The track is set."
            } else {
                "The chairs' track is removed."
            };
            set_flash(&req, "success", message);
        }
        Err(AppError::Validation(errors)) => {
            let detail: Vec<String> = errors
                .0
                .iter()
                .map(|(f, m)| format!("{f}: {}", m.join("; ")))
                .collect();
            set_flash(&req, "error", &detail.join(" · "));
        }
        Err(other) => return Err(other.into()),
    }
    Ok(redirect(&format!("/proposals/{}", *id)))
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    page: PageContext,
    event: Event,
    members: Vec<events::MemberRow>,
    invitations: Vec<(String, String, Option<Vec<String>>)>,
    tracks: Vec<TrackWithSubtopics>,
    /// The add form as typed (kept when it comes back with errors).
    typed: MemberForm,
    errors: crate::error::FieldErrors,
}

impl MembersPage {
    fn tracks_text(tracks: &Option<Vec<String>>) -> String {
        tracks
            .as_ref()
            .map_or_else(|| "all tracks".to_owned(), |t| t.join(", "))
    }
}

async fn members_page(
    page: PageContext,
    state: &AppState,
    event: Event,
    typed: MemberForm,
    errors: crate::error::FieldErrors,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let members = events::members_of(&mut conn, event.id).await?;
    let invitations = events::open_member_invitations(&mut conn, event.id).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &MembersPage {
            page,
            event,
            members,
            invitations,
            tracks,
            typed,
            errors,
        },
    )
}

pub async fn members(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    members_page(
        page,
        &state,
        event,
        MemberForm::default(),
        crate::error::FieldErrors::new(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    /// Comma-separated track keys; empty for every track.
    #[serde(default)]
    tracks: String,
}

pub async fn add_member(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<MemberForm>,
) -> PageResult {
    let form = form.0;
    let mut errors = crate::error::FieldErrors::new();
    let email = errors.check("email", crate::domain::EmailAddress::parse(&form.email));
    let role = events::EventRoleKind::parse(&form.role);
    if role.is_none() {
        errors.add("role", "choose chair or reviewer");
    }
    let keys: Vec<String> = form
        .tracks
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let known: Vec<String> = {
        let mut conn = state.pool.get().await?;
        events::tracks_of(&mut conn, event.id)
            .await?
            .into_iter()
            .map(|t| t.key)
            .collect()
    };
    for key in keys.iter().filter(|k| !known.contains(k)) {
        errors.add("tracks", format!("`{key}` is not a track of this event"));
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return members_page(page, &state, event, form, errors).await;
    };
    let tracks = (role == events::EventRoleKind::Reviewer && !keys.is_empty()).then_some(keys);
    let member = crate::events::set_member(&state, &user, &event, &email, role, tracks).await?;
    let message = match member {
        Some(user) => format!("{} is now a {} of this event.", user.name, role.as_str()),
        None => {
            format!("No account has {email} yet: we emailed an invitation with a sign-up link.")
        }
    };
    set_flash(&req, "success", &message);
    Ok(redirect(&format!("/events/{}/members", event.slug)))
}

pub async fn remove_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, uuid::Uuid)>,
    _form: CsrfForm<super::EmptyForm>,
) -> PageResult {
    let (_, member) = path.into_inner();
    if !crate::review::remove_member(&state, &event, crate::domain::UserId(member)).await? {
        return Err(AppError::NotFound.into());
    }
    set_flash(&req, "success", "The member is removed.");
    Ok(redirect(&format!("/events/{}/members", event.slug)))
}
