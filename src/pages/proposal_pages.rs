//! Speaker pages: submit, my proposals, a proposal, edit, withdraw, co-speaker invitations.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{CsrfForm, PageContext, PageError, PageResult, SignedIn, redirect, render, set_flash};
use crate::accounts::policy::ProposalAccess;
use crate::crypto::random_token;
use crate::db::events::{self, Event, Format, TrackWithSubtopics};
use crate::db::proposals::{self as db, Revision};
use crate::domain::{ProposalId, ProposalState, Transition};
use crate::error::{AppError, FieldErrors};
use crate::proposals::visible_proposal;
use crate::proposals::{self, ProposalFields, ProposalView, Viewer};
use crate::state::AppState;

/// The form as typed: lists are one item per line.
#[derive(Deserialize, Default, Clone)]
pub struct ProposalForm {
    #[serde(default)]
    title: String,
    #[serde(default, rename = "abstract")]
    abstract_text: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    co_speakers: String,
    #[serde(default)]
    links: String,
    /// One-time token: a double-clicked submit creates one proposal.
    #[serde(default)]
    form_token: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ProposalForm {
    fn fields(&self) -> ProposalFields {
        ProposalFields {
            title: Some(self.title.clone()),
            abstract_text: Some(self.abstract_text.clone()),
            notes: Some(self.notes.clone()),
            format: Some(self.format.clone()),
            track: Some(Some(self.track.clone()).filter(|t| !t.is_empty())),
            co_speakers: Some(lines(&self.co_speakers)),
            links: Some(lines(&self.links)),
        }
    }

    fn from_view(view: &ProposalView) -> ProposalForm {
        ProposalForm {
            title: view.title.clone(),
            abstract_text: view.abstract_text.clone(),
            notes: view.notes.clone(),
            format: view.format.clone(),
            track: view.tags.speaker_track.clone().unwrap_or_default(),
            co_speakers: view
                .speakers
                .iter()
                .skip(1)
                .map(|s| s.email.clone())
                .chain(view.invited.iter().cloned())
                .collect::<Vec<_>>()
                .join("\n"),
            links: view.links.join("\n"),
            form_token: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "proposal_form.html")]
struct ProposalFormPage {
    page: PageContext,
    event: Event,
    formats: Vec<Format>,
    tracks: Vec<TrackWithSubtopics>,
    form: ProposalForm,
    errors: FieldErrors,
    /// None: a new proposal; Some(id): editing it.
    editing: Option<uuid::Uuid>,
}

impl ProposalFormPage {
    /// Every message for a field, including its indexed items (`links[2]` → "line 3: …").
    fn messages(&self, field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (key, messages) in &self.errors.0 {
            if key == field {
                out.extend(messages.iter().cloned());
            } else if let Some(index) = key
                .strip_prefix(field)
                .and_then(|r| r.strip_prefix('['))
                .and_then(|r| r.strip_suffix(']'))
            {
                let line = index.parse::<usize>().map_or(0, |i| i + 1);
                out.extend(messages.iter().map(|m| format!("line {line}: {m}")));
            }
        }
        out
    }
}

async fn form_page(
    page: PageContext,
    state: &AppState,
    event: Event,
    form: ProposalForm,
    errors: FieldErrors,
    editing: Option<ProposalId>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &ProposalFormPage {
            page,
            formats: event.formats(),
            event,
            tracks,
            form,
            errors,
            editing: editing.map(|id| id.0),
        },
    )
}

async fn event_or_404(state: &AppState, slug: &str) -> Result<Event, PageError> {
    let mut conn = state.pool.get().await?;
    Ok(events::find_by_slug(&mut conn, slug)
        .await?
        .ok_or(AppError::NotFound)?)
}

pub async fn submit_form(
    page: PageContext,
    state: web::Data<AppState>,
    _user: SignedIn,
    slug: web::Path<String>,
) -> PageResult {
    let event = event_or_404(&state, &slug).await?;
    if !event.cfp_open_at(chrono::Utc::now()) {
        return Err(AppError::Forbidden("the call for proposals is closed".into()).into());
    }
    let form = ProposalForm {
        format: event
            .formats()
            .first()
            .map(|f| f.key.clone())
            .unwrap_or_default(),
        form_token: random_token("form-"),
        ..Default::default()
    };
    form_page(page, &state, event, form, FieldErrors::new(), None).await
}

pub async fn submit(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    slug: web::Path<String>,
    form: CsrfForm<ProposalForm>,
) -> PageResult {
    let event = event_or_404(&state, &slug).await?;
    let form = form.0;
    state
        .submit_limiter
        .check_key(&user.0.id.to_string(), "submit")?;
    let key = (!form.form_token.is_empty()).then(|| format!("form:{}", form.form_token));
    match proposals::create(&state, &user.0, &event, form.fields(), key.as_deref()).await {
        Ok(outcome) => {
            let id = outcome.body["id"].as_str().unwrap_or_default().to_owned();
            // a replayed double-click is the same success
            set_flash(
                &req,
                "success",
                "Your proposal is submitted. We emailed you a receipt.",
            );
            Ok(redirect(&format!("/proposals/{id}")))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            form_page(page, &state, event, form, errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "my_proposals.html")]
struct MyProposalsPage {
    page: PageContext,
    rows: Vec<(db::Proposal, String, String)>,
}

pub async fn my_proposals(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let rows = db::list_for_speaker(&mut conn, user.0.id).await?;
    render(StatusCode::OK, &MyProposalsPage { page, rows })
}

/// One step of a proposal's status timeline.
pub struct TimelineStep {
    pub name: String,
    /// `done`, `current` (the last step reached) or `todo`.
    pub status: &'static str,
    /// When the step was reached, in the event's time zone.
    pub when: Option<String>,
    pub when_rfc3339: String,
    /// A word on a step to come (when reviewing opens, the confirmation deadline).
    pub note: String,
}

impl TimelineStep {
    fn new(event: &Event, name: &str, reached: bool, at: Option<DateTime<Utc>>) -> TimelineStep {
        TimelineStep {
            name: name.to_owned(),
            status: if reached { "done" } else { "todo" },
            when: at.map(|t| crate::time::in_zone(t, &event.time_zone)),
            when_rfc3339: at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            note: String::new(),
        }
    }
}

/// Submitted → in review → decided → confirmed (or declined), with dates; or submitted →
/// withdrawn. Only what the speakers may know: the decision as released (the proposal's state
/// changes at the release, never at the chairs' decision), never a pending one.
pub fn timeline(event: &Event, proposal: &db::Proposal, now: DateTime<Utc>) -> Vec<TimelineStep> {
    let state = proposal.state;
    let mut steps = vec![TimelineStep::new(
        event,
        "Submitted",
        true,
        Some(proposal.created_at),
    )];
    if state.is_withdrawn() {
        steps.push(TimelineStep::new(
            event,
            "Withdrawn",
            true,
            proposal.withdrawn_at,
        ));
    } else {
        // "accepted", "rejected" or "waitlisted" once released
        let released = state.released().map(|d| d.state().as_str());
        let review_opened = event.review_opens_at.filter(|opens| *opens <= now);
        let mut in_review = TimelineStep::new(
            event,
            "In review",
            review_opened.is_some() || released.is_some(),
            // a proposal submitted during the review phase is in review from its submission
            review_opened.map(|opens| opens.max(proposal.created_at)),
        );
        if let Some(opens) = event.review_opens_at.filter(|opens| *opens > now) {
            in_review.note = format!(
                "Reviewing opens {}",
                crate::time::in_zone(opens, &event.time_zone)
            );
        }
        steps.push(in_review);
        let decided = match released {
            Some(word) => format!("Decided: {word}"),
            None => "Decided".to_owned(),
        };
        steps.push(TimelineStep::new(
            event,
            &decided,
            released.is_some(),
            released.and(proposal.released_at),
        ));
        match state {
            ProposalState::Confirmed => steps.push(TimelineStep::new(
                event,
                "Confirmed",
                true,
                proposal.responded_at,
            )),
            ProposalState::Declined => steps.push(TimelineStep::new(
                event,
                "Declined",
                true,
                proposal.responded_at,
            )),
            // a rejection is the end of the road
            ProposalState::Rejected => {}
            _ => {
                let mut confirmed = TimelineStep::new(event, "Confirmed", false, None);
                if let (Some(by), ProposalState::Accepted) = (event.confirm_by, state) {
                    confirmed.note = format!(
                        "Please answer by {}",
                        crate::time::in_zone(by, &event.time_zone)
                    );
                }
                steps.push(confirmed);
            }
        }
    }
    if let Some(last) = steps.iter_mut().rev().find(|s| s.status == "done") {
        last.status = "current";
    }
    steps
}

#[derive(Template)]
#[template(path = "proposal.html")]
struct ProposalPage {
    page: PageContext,
    event: Event,
    proposal: ProposalView,
    abstract_html: String,
    is_chair: bool,
    /// The viewer is one of its speakers (withdraw, edit, "my proposals").
    is_speaker: bool,
    /// Blind review hides who the speakers are from this viewer.
    blind: bool,
    revisions: Vec<Revision>,
    track_names: Vec<(String, String)>,
    /// Where the proposal stands, step by step, with dates.
    timeline: Vec<TimelineStep>,
    /// The review form and the reviews the viewer may read (chairs and reviewers).
    review: Option<super::review_pages::ReviewSection>,
    /// Assignments and conflicts (chairs).
    chair_review: Option<super::review_pages::ChairReviewSection>,
    /// The decision box and the decision history (chairs).
    decision: Option<super::decision_pages::DecisionSection>,
    /// Confirm or decline (the speakers, once accepted).
    answer: Option<super::decision_pages::AnswerSection>,
}

impl ProposalPage {
    fn track_name(&self, key: &Option<String>) -> String {
        match key {
            Some(key) => self
                .track_names
                .iter()
                .find(|(k, _)| k == key)
                .map_or_else(|| key.clone(), |(_, n)| n.clone()),
            None => "—".into(),
        }
    }
    fn confidence_percent(&self) -> String {
        self.proposal
            .tags
            .confidence
            .map_or_else(|| "—".into(), |c| format!("{:.0} %", c * 100.0))
    }
    fn change_summary(changes: &serde_json::Value) -> String {
        changes
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    }
}

pub async fn show(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
) -> PageResult {
    proposal_page(page, &state, &user.0, *id, None).await
}

/// The proposal page as `user` may see it; `typed_review` is a rejected review form to show
/// again with its messages (then the answer is a 422).
pub(super) async fn proposal_page(
    page: PageContext,
    state: &AppState,
    user: &crate::accounts::CurrentUser,
    id: ProposalId,
    typed_review: Option<(super::review_pages::ReviewForm, FieldErrors)>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (proposal, event, access) = visible_proposal(&mut conn, user, id).await?;
    let is_chair = access == ProposalAccess::Chair;
    let viewer = Viewer::of(access, &event);
    let view = proposals::view(&mut conn, &event, &proposal, viewer).await?;
    let revisions = if is_chair {
        db::revisions_of(&mut conn, proposal.id).await?
    } else {
        Vec::new()
    };
    let track_names = events::tracks_of(&mut conn, event.id)
        .await?
        .into_iter()
        .map(|t| (t.key, t.name))
        .collect();
    let status = if typed_review.as_ref().is_some_and(|t| !t.1.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let review = super::review_pages::review_section(
        &mut conn,
        user,
        &event,
        &proposal,
        access,
        typed_review,
    )
    .await?;
    let chair_review = if is_chair {
        Some(super::review_pages::chair_review_section(&mut conn, &event, &proposal).await?)
    } else {
        None
    };
    let decision = if is_chair {
        Some(super::decision_pages::decision_section(&mut conn, user, &event, &proposal).await?)
    } else {
        None
    };
    let answer = super::decision_pages::answer_section(&mut conn, user, &event, &proposal).await?;
    render(
        status,
        &ProposalPage {
            page,
            abstract_html: super::markdown::render(&view.abstract_text),
            timeline: timeline(&event, &proposal, chrono::Utc::now()),
            event,
            proposal: view,
            is_chair,
            is_speaker: access == ProposalAccess::Speaker,
            blind: viewer.hides_identities(),
            revisions,
            track_names,
            review,
            chair_review,
            decision,
            answer,
        },
    )
}

pub async fn edit_form(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (proposal, event, _) = visible_proposal(&mut conn, &user.0, *id).await?;
    if !db::is_speaker(&mut conn, &proposal, user.0.id).await? {
        return Err(AppError::NotFound.into());
    }
    let view = proposals::view(&mut conn, &event, &proposal, Viewer::Speaker).await?;
    if !view.editable {
        return Err(AppError::Forbidden("this proposal cannot be edited any more".into()).into());
    }
    drop(conn);
    form_page(
        page,
        &state,
        event,
        ProposalForm::from_view(&view),
        FieldErrors::new(),
        Some(*id),
    )
    .await
}

pub async fn edit(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<ProposalForm>,
) -> PageResult {
    let form = form.0;
    match proposals::update(&state, &user.0, *id, form.fields()).await {
        Ok(_) => {
            set_flash(&req, "success", "Your changes are saved.");
            Ok(redirect(&format!("/proposals/{}", *id)))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            let event = {
                let mut conn = state.pool.get().await?;
                visible_proposal(&mut conn, &user.0, *id).await?.1
            };
            form_page(page, &state, event, form, errors, Some(*id)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    _form: CsrfForm<super::EmptyForm>,
) -> PageResult {
    proposals::withdraw(&state, &user.0, *id).await?;
    set_flash(&req, "info", "The proposal is withdrawn.");
    Ok(redirect(&format!("/proposals/{}", *id)))
}

/// The accept page; signed-out visitors are offered sign-in or registration that come back here.
pub async fn invitation(
    page: PageContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (_, proposal_id, _) = db::find_invitation(&mut conn, &crate::crypto::hash_token(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let proposal = db::find(&mut conn, proposal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(&mut conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let inviter = crate::db::users::find_by_id(&mut conn, proposal.submitter_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &super::InvitationPage {
            page,
            offer: format!(
                "{inviter} invites you to co-present “{}” at {}.",
                proposal.title, event.title
            ),
            path: format!("/invitations/{}", token.into_inner()),
        },
    )
}

pub async fn accept_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    token: web::Path<String>,
    _form: CsrfForm<super::EmptyForm>,
) -> PageResult {
    let proposal_id = proposals::accept_invitation(&state, user.0.id, &token).await?;
    set_flash(
        &req,
        "success",
        "You are now a co-speaker of this proposal.",
    );
    Ok(redirect(&format!("/proposals/{proposal_id}")))
}
