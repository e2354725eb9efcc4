//! Decision pages: the chairs' decisions (one proposal, or many from the dashboard), the
//! release, the decision emails' wording with its preview, the outbox, publishing; the
//! speakers' confirmation; and the public list of accepted talks with its Atom feed. Every rule
//! is the service's (`crate::decisions`, `crate::decisions::publishing`, `auth::policy`): these handlers
//! only turn forms into calls and outcomes into pages, flashes and redirects.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use super::SignedInChair;
use super::{
    CsrfForm, EmptyForm, PageContext, PageError, PageResult, SignedIn, redirect, render, safe_next,
    set_flash,
};
use crate::accounts::CurrentUser;
use crate::db::events::Event;
use crate::db::proposals::{self as proposals_db, ListFilter, ListScope, Proposal};
use crate::decisions::publishing::{self, AcceptedCache, AcceptedItem, AcceptedList};
use crate::decisions::{self, BulkDecision, DecisionView, EmailKind, PreviewEmail};
use crate::domain::{Decision, OutboxId, ProposalId, ProposalState, Transition};
use crate::error::{AppError, FieldErrors};
use crate::http::conditional;
use crate::mail::outbox_view::{OutboxItem, OutboxQuery, outbox_page};
use crate::proposals::visible_proposal;
use crate::state::AppState;

// ---------------------------------------------------------------- shared helpers

fn at(event: &Event, time: chrono::DateTime<chrono::Utc>) -> String {
    crate::time::in_zone(time, &event.time_zone)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "accepted", "rejected", "waitlisted" for a decision value; the value itself otherwise.
fn decided_word(decision: &str) -> &str {
    match Decision::parse(decision) {
        Some(d) => d.state().as_str(),
        None => decision,
    }
}

/// Every proposal of the event (withdrawn ones included), oldest first.
async fn all_proposals(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> Result<Vec<Proposal>, PageError> {
    Ok(proposals_db::list(
        conn,
        event.id,
        ListScope::All,
        ListFilter {
            track: None,
            state: None,
            needs_check: false,
            after: None,
            limit: i64::MAX,
        },
    )
    .await?)
}

// ---------------------------------------------------------------- the dashboard's part

/// What the dashboard shows about decisions: the release summary, publication, and how many
/// undecided proposals each track has (for "reject the rest of the track").
pub struct DashboardDecisions {
    pub summary: decisions::ReleaseSummary,
    /// "3 accepts, 5 rejects"; empty when nothing waits.
    pub summary_text: String,
    /// When the accepted list was published, in the event's time zone.
    pub published: Option<String>,
    /// (track key, track name, undecided active proposals)
    pub undecided: Vec<(String, String, usize)>,
}

pub async fn dashboard_decisions(
    conn: &mut AsyncPgConnection,
    event: &Event,
    tracks: &[crate::db::events::TrackWithSubtopics],
) -> Result<DashboardDecisions, PageError> {
    let summary = decisions::release_summary(conn, event).await?;
    let mut parts = Vec::new();
    for (n, one, many) in [
        (summary.accept, "accept", "accepts"),
        (summary.reject, "reject", "rejects"),
        (summary.waitlist, "waitlist", "waitlists"),
    ] {
        if n > 0 {
            parts.push(plural(n, one, many));
        }
    }
    let all = all_proposals(conn, event).await?;
    let undecided = tracks
        .iter()
        .map(|t| {
            let count = all
                .iter()
                .filter(|p| p.state.allows(Transition::Decide) && p.decision.is_none())
                .filter(|p| p.track() == Some(t.key.as_str()))
                .count();
            (t.key.clone(), t.name.clone(), count)
        })
        .collect();
    Ok(DashboardDecisions {
        summary,
        summary_text: parts.join(", "),
        published: event.published_at.map(|t| at(event, t)),
        undecided,
    })
}

/// Where a dashboard form goes back to: the dashboard as it was filtered, never elsewhere.
fn dashboard_return(event: &Event, return_to: Option<&String>) -> String {
    let base = format!("/events/{}/dashboard", event.slug);
    match return_to.map(|r| safe_next(Some(r))) {
        Some(path) if path == base || path.starts_with(&format!("{base}?")) => path,
        _ => base,
    }
}

/// The second step of a destructive form, for browsers without JavaScript (with it, the
/// button's `data-confirm` question sets `confirmed=yes` and this page is skipped).
#[derive(Template)]
#[template(path = "confirm_action.html")]
struct ConfirmActionPage {
    page: PageContext,
    heading: String,
    message: String,
    items: Vec<String>,
    action: String,
    /// The form's fields, sent again as they came (but the CSRF token, which the page adds).
    fields: Vec<(String, String)>,
    confirm_label: String,
    cancel: String,
}

/// `POST /events/{slug}/decisions`: the dashboard's bulk decisions. Either the ticked rows
/// (checkboxes named `p_<id>`) or, with `track`, every active proposal of that track
/// (`undecided_only=true` keeps the decided ones).
pub async fn bulk_decide(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let form = form.0;
    let back = dashboard_return(&event, form.get("return_to"));
    let mut ids = Vec::new();
    for key in form.keys() {
        if let Some(raw) = key.strip_prefix("p_") {
            ids.push(
                uuid::Uuid::parse_str(raw)
                    .map_err(|_| AppError::BadRequest(format!("malformed form: {key}")))?,
            );
        }
    }
    let track = form
        .get("track")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if ids.is_empty() && track.is_none() {
        set_flash(
            &req,
            "error",
            "Tick at least one proposal in the table first.",
        );
        return Ok(redirect(&back));
    }
    let decision = form.get("decision").cloned().unwrap_or_default();
    // rejecting ticked rows asks once more (the track form has its own second step)
    if Decision::parse(&decision) == Some(Decision::Reject)
        && track.is_none()
        && form.get("confirmed").map(String::as_str) != Some("yes")
    {
        let mut conn = state.pool.get().await?;
        let titles: Vec<String> = all_proposals(&mut conn, &event)
            .await?
            .into_iter()
            .filter(|p| ids.contains(&p.id.0))
            .map(|p| p.title)
            .collect();
        let mut fields: Vec<(String, String)> = form
            .iter()
            .filter(|(key, _)| !["csrf_token", "confirmed"].contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        fields.sort();
        return render(
            StatusCode::OK,
            &ConfirmActionPage {
                page,
                heading: format!("Reject {}?", plural(titles.len(), "proposal", "proposals")),
                message: "These proposals will be marked rejected. Nothing is sent to the \
                    speakers until the decisions are released, and a decision can be changed \
                    until then."
                    .into(),
                items: titles,
                action: format!("/events/{}/decisions", event.slug),
                fields,
                confirm_label: "Yes, reject the selected proposals".into(),
                cancel: back,
            },
        );
    }
    let request = BulkDecision {
        proposal_ids: if track.is_some() { Vec::new() } else { ids },
        track,
        undecided_only: form.get("undecided_only").map(String::as_str) == Some("true"),
        decision: decision.clone(),
        note: form.get("note").cloned().unwrap_or_default(),
    };
    match decisions::decide_many(&state, &user, &event, request).await {
        Ok(0) => set_flash(&req, "info", "No proposal needed that decision."),
        Ok(n) => set_flash(
            &req,
            "success",
            &format!(
                "{} {}. Not released yet: the speakers hear about it when you release the decisions.",
                plural(n, "proposal", "proposals"),
                decided_word(&decision)
            ),
        ),
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    Ok(redirect(&back))
}

/// `POST /events/{slug}/decisions/release`: every pending decision becomes visible, and one
/// email per speaker per proposal is queued.
pub async fn release(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    match decisions::release(&state, &user, &event).await {
        Ok(0) => set_flash(
            &req,
            "info",
            "Nothing to release: every decision is released already; no email queued.",
        ),
        Ok(n) => set_flash(
            &req,
            "success",
            &format!(
                "The decisions are released: {} queued. Follow their sending in the outbox.",
                plural(n, "email", "emails")
            ),
        ),
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    // the top of the dashboard, where the flash is (the decisions card is just below)
    Ok(redirect(&format!("/events/{}/dashboard", event.slug)))
}

async fn set_published(
    req: &HttpRequest,
    state: &AppState,
    event: Event,
    published: bool,
) -> PageResult {
    publishing::set_published(state, &event, published).await?;
    let message = if published {
        "The list of accepted talks is public now."
    } else {
        "The list of accepted talks is no longer public."
    };
    set_flash(req, "success", message);
    Ok(redirect(&format!("/events/{}/dashboard", event.slug)))
}

/// `POST /events/{slug}/publish`.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    set_published(&req, &state, event, true).await
}

/// `POST /events/{slug}/unpublish`.
pub async fn unpublish(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    set_published(&req, &state, event, false).await
}

// ---------------------------------------------------------------- the proposal page's part

/// One radio button of the decision box.
pub struct DecisionChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// One line of the decision history.
pub struct HistoryLine {
    pub at: String,
    pub text: String,
    pub note: String,
}

/// The chairs' decision box on the proposal page.
pub struct DecisionSection {
    pub current: Option<DecisionView>,
    pub decided_on: String,
    pub choices: Vec<DecisionChoice>,
    pub note: String,
    pub withdrawn: bool,
    pub history: Vec<HistoryLine>,
}

pub async fn decision_section(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    event: &Event,
    proposal: &Proposal,
) -> Result<DecisionSection, PageError> {
    let current = decisions::decision_view(proposal);
    let rows = decisions::history(conn, user, proposal, event).await?;
    let history = rows
        .into_iter()
        .map(|row| {
            let who = row.actor.unwrap_or_else(|| "Someone".into());
            let text = match row.action.as_str() {
                "decide" => match row.before.as_deref() {
                    Some(before) if before != row.after => {
                        format!("{who} decided “{}” (was “{before}”)", row.after)
                    }
                    _ => format!("{who} decided “{}”", row.after),
                },
                "release" => format!(
                    "{who} released the decision: {} → {}",
                    row.before.as_deref().unwrap_or("—"),
                    row.after
                ),
                "confirm" => format!("{who} confirmed presenting it"),
                "decline" => format!("{who} declined presenting it"),
                other => format!("{who}: {other} → {}", row.after),
            };
            HistoryLine {
                at: at(event, row.at),
                text,
                note: row.note,
            }
        })
        .collect();
    let chosen = current.as_ref().map(|d| d.decision);
    let choices = [
        (Decision::Accept, "Accept"),
        (Decision::Waitlist, "Waitlist"),
        (Decision::Reject, "Reject"),
    ]
    .into_iter()
    .map(|(decision, label)| DecisionChoice {
        value: decision.as_str(),
        label,
        checked: chosen == Some(decision),
    })
    .collect();
    Ok(DecisionSection {
        decided_on: current
            .as_ref()
            .and_then(|d| d.decided_at)
            .map(|t| at(event, t))
            .unwrap_or_default(),
        note: current.as_ref().map(|d| d.note.clone()).unwrap_or_default(),
        current,
        choices,
        withdrawn: proposal.state.is_withdrawn(),
        history,
    })
}

/// Confirm or decline, for a speaker of an accepted (or already answered) proposal.
pub struct AnswerSection {
    pub state: ProposalState,
    /// The confirmation deadline in the event's time zone.
    pub deadline: Option<String>,
    pub deadline_rfc3339: String,
    pub deadline_passed: bool,
    /// When the speakers answered, in the event's time zone.
    pub answered_on: Option<String>,
}

impl AnswerSection {
    fn of(event: &Event, proposal: &Proposal) -> AnswerSection {
        AnswerSection {
            state: proposal.state,
            deadline: event.confirm_by.map(|t| at(event, t)),
            deadline_rfc3339: event.confirm_by.map(|t| t.to_rfc3339()).unwrap_or_default(),
            deadline_passed: event.confirm_by.is_some_and(|by| by <= chrono::Utc::now()),
            answered_on: proposal.responded_at.map(|t| at(event, t)),
        }
    }
}

/// The answer box for `user`, when they are a speaker of a proposal with something to answer.
pub async fn answer_section(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    event: &Event,
    proposal: &Proposal,
) -> Result<Option<AnswerSection>, PageError> {
    // something to answer: accepted, or answered already (a confirmed talk may still decline)
    let answerable =
        proposal.state.allows(Transition::Confirm) || proposal.state.allows(Transition::Decline);
    if !answerable || !proposals_db::is_speaker(conn, proposal, user.id).await? {
        return Ok(None);
    }
    Ok(Some(AnswerSection::of(event, proposal)))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /proposals/{id}/decision`: a chair decides one proposal (not released yet).
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<DecisionForm>,
) -> PageResult {
    let form = form.0;
    let back = format!("/proposals/{}#decision", *id);
    if form.decision.trim().is_empty() {
        set_flash(&req, "error", "Choose accept, waitlist or reject.");
        return Ok(redirect(&back));
    }
    match decisions::decide(&state, &user.0, *id, form.decision.trim(), &form.note).await {
        Ok(_) => set_flash(
            &req,
            "success",
            &format!(
                "The decision is saved: {}. Not released yet: the speakers hear about it when the decisions are released.",
                decided_word(form.decision.trim())
            ),
        ),
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    Ok(redirect(&back))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    /// `confirm` when the form is on the confirmation page: the answer comes back there.
    #[serde(default)]
    back: String,
}

async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: ProposalId,
    form: AnswerForm,
    confirm: bool,
) -> PageResult {
    let back = if form.back == "confirm" {
        format!("/proposals/{id}/confirm")
    } else {
        format!("/proposals/{id}")
    };
    match decisions::respond(&state, &user.0, id, confirm).await {
        Ok(view) if confirm => set_flash(
            &req,
            "success",
            &format!(
                "Thank you: you confirmed presenting “{}”. See you there!",
                view.title
            ),
        ),
        Ok(view) => set_flash(
            &req,
            "info",
            &format!(
                "You declined presenting “{}”. Thank you for letting the chairs know.",
                view.title
            ),
        ),
        Err(e) => super::flash_or_fail(&req, e)?,
    }
    Ok(redirect(&back))
}

/// `POST /proposals/{id}/confirm`.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<AnswerForm>,
) -> PageResult {
    answer(req, state, user, *id, form.0, true).await
}

/// `POST /proposals/{id}/decline`.
pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<AnswerForm>,
) -> PageResult {
    answer(req, state, user, *id, form.0, false).await
}

// ---------------------------------------------------------------- the confirmation page

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    page: PageContext,
    /// None: the signed-in account cannot see the proposal (the link was sent to another one).
    found: Option<ConfirmFound>,
}

struct ConfirmFound {
    event: Event,
    id: uuid::Uuid,
    title: String,
    is_speaker: bool,
    answer: AnswerSection,
}

/// `GET /proposals/{id}/confirm`: the link in the acceptance email. Signed-out visitors sign in
/// first and come back here.
pub async fn confirm_page(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (proposal, event) = match visible_proposal(&mut conn, &user.0, *id).await {
        Ok((proposal, event, _)) => (proposal, event),
        // say who is signed in rather than only "not found": the email may have gone to
        // another of the person's accounts
        Err(AppError::NotFound) => {
            return render(StatusCode::NOT_FOUND, &ConfirmPage { page, found: None });
        }
        Err(other) => return Err(other.into()),
    };
    let is_speaker = proposals_db::is_speaker(&mut conn, &proposal, user.0.id).await?;
    render(
        StatusCode::OK,
        &ConfirmPage {
            page,
            found: Some(ConfirmFound {
                answer: AnswerSection::of(&event, &proposal),
                id: proposal.id.0,
                title: proposal.title,
                is_speaker,
                event,
            }),
        },
    )
}

// ---------------------------------------------------------------- the email templates page

/// One decision email on the templates page, as saved or as typed.
struct TemplateCard {
    kind: &'static str,
    name: &'static str,
    when: &'static str,
    subject: String,
    body: String,
    customized: bool,
    errors: FieldErrors,
    /// The proposal the preview renders for.
    proposal_id: String,
    preview: Option<Vec<PreviewEmail>>,
}

impl TemplateCard {
    fn messages(&self, field: &str) -> Vec<String> {
        self.errors
            .get(field)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }
}

struct ProposalChoice {
    id: String,
    label: String,
    decision: Option<String>,
}

#[derive(Template)]
#[template(path = "email_templates.html")]
struct EmailsPage {
    page: PageContext,
    event: Event,
    cards: Vec<TemplateCard>,
    proposals: Vec<ProposalChoice>,
    placeholders: &'static [(&'static str, &'static str)],
}

fn kind_texts(kind: EmailKind) -> (&'static str, &'static str) {
    match kind {
        EmailKind::Acceptance => (
            "Acceptance",
            "to every speaker of an accepted proposal, with the link to confirm or decline",
        ),
        EmailKind::Rejection => ("Rejection", "to every speaker of a rejected proposal"),
        EmailKind::Waitlist => ("Waitlist", "to every speaker of a waitlisted proposal"),
    }
}

/// What a form typed for one card: its wording, the chosen proposal, and either its errors or
/// its preview.
struct Typed {
    kind: EmailKind,
    subject: String,
    body: String,
    proposal_id: String,
    errors: FieldErrors,
    preview: Option<Vec<PreviewEmail>>,
}

async fn emails_page(
    page: PageContext,
    state: &AppState,
    event: Event,
    typed: Option<Typed>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let saved = decisions::templates_of(&mut conn, &event).await?;
    let mut proposals: Vec<Proposal> = proposals_db::active_of(&mut conn, event.id, None).await?;
    drop(conn);
    proposals.sort_by_key(|p| p.title.to_lowercase());
    let status = if typed.as_ref().is_some_and(|t| !t.errors.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut typed = typed;
    let cards = EmailKind::ALL
        .into_iter()
        .map(|kind| {
            let (name, when) = kind_texts(kind);
            let view = saved.iter().find(|v| v.kind == kind.as_str());
            // a proposal with this decision reads best; any proposal otherwise
            let default_proposal = proposals
                .iter()
                .find(|p| p.decision == Some(kind.decision()))
                .or(proposals.first())
                .map(|p| p.id.to_string())
                .unwrap_or_default();
            let customized = view.is_some_and(|v| v.customized);
            match typed.take_if(|t| t.kind == kind) {
                Some(t) => TemplateCard {
                    kind: kind.as_str(),
                    name,
                    when,
                    subject: t.subject,
                    body: t.body,
                    customized,
                    errors: t.errors,
                    proposal_id: t.proposal_id,
                    preview: t.preview,
                },
                None => TemplateCard {
                    kind: kind.as_str(),
                    name,
                    when,
                    subject: view.map(|v| v.subject.clone()).unwrap_or_default(),
                    body: view.map(|v| v.body.clone()).unwrap_or_default(),
                    customized,
                    errors: FieldErrors::new(),
                    proposal_id: default_proposal,
                    preview: None,
                },
            }
        })
        .collect();
    let proposals = proposals
        .into_iter()
        .map(|p| {
            let decision = p.decision.map(|d| {
                let word = d.state().as_str();
                if p.released_decision == Some(d) {
                    word.to_owned()
                } else {
                    format!("{word}, not released")
                }
            });
            ProposalChoice {
                id: p.id.to_string(),
                label: p.title,
                decision,
            }
        })
        .collect();
    let mut response = render(
        status,
        &EmailsPage {
            page,
            event,
            cards,
            proposals,
            placeholders: crate::mail::placeholders::PLACEHOLDERS,
        },
    )?;
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static(EMAIL_PREVIEW_CSP),
    );
    Ok(response)
}

/// The site's policy (see `startup`), plus inline `style` attributes: the preview's sandboxed
/// `srcdoc` frame inherits this page's policy, and the emails' HTML is styled with attributes
/// (mail clients ignore style sheets). Still no inline `<style>` element, and no script at all
/// in the frame (sandboxed without `allow-scripts`). The site-wide headers do not replace a
/// header the response already has.
const EMAIL_PREVIEW_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    style-src-attr 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// `GET /events/{slug}/emails` (chairs): the three decision emails' wording.
pub async fn email_templates(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    emails_page(page, &state, event, None).await
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    proposal_id: String,
}

/// `POST /events/{slug}/emails/{kind}`: saves the wording; a template error shows the page
/// again with the message and the typed text (422).
pub async fn save_template(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    path: web::Path<(String, String)>,
    form: CsrfForm<TemplateForm>,
) -> PageResult {
    let (_, kind) = path.into_inner();
    let kind = decisions::parse_kind(&kind)?;
    let form = form.0;
    match decisions::save_template(&state, &user, &event, kind, &form.subject, &form.body).await {
        Ok(_) => {
            set_flash(
                &req,
                "success",
                &format!(
                    "The {} email is saved: the next release uses it.",
                    kind.as_str()
                ),
            );
            Ok(redirect(&format!(
                "/events/{}/emails#tpl-{}",
                event.slug,
                kind.as_str()
            )))
        }
        Err(AppError::Validation(errors)) => {
            let typed = Typed {
                kind,
                subject: form.subject,
                body: form.body,
                proposal_id: form.proposal_id,
                errors,
                preview: None,
            };
            emails_page(page, &state, event, Some(typed)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /events/{slug}/emails/{kind}/reset`: back to the shipped wording.
pub async fn reset_template(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, String)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let (_, kind) = path.into_inner();
    let kind = decisions::parse_kind(&kind)?;
    decisions::reset_template(&state, &event, kind).await?;
    set_flash(
        &req,
        "success",
        &format!(
            "The {} email is back to the default wording.",
            kind.as_str()
        ),
    );
    Ok(redirect(&format!(
        "/events/{}/emails#tpl-{}",
        event.slug,
        kind.as_str()
    )))
}

/// `POST /events/{slug}/emails/{kind}/preview`: the typed (unsaved) wording rendered for a real
/// proposal, exactly as the release would send it.
pub async fn preview_template(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, String)>,
    form: CsrfForm<TemplateForm>,
) -> PageResult {
    let (_, kind) = path.into_inner();
    let kind = decisions::parse_kind(&kind)?;
    let form = form.0;
    let outcome = match uuid::Uuid::parse_str(form.proposal_id.trim()) {
        Ok(id) => {
            decisions::preview(
                &state,
                &event,
                kind,
                Some((&form.subject, &form.body)),
                ProposalId(id),
            )
            .await
        }
        Err(_) => Err(AppError::Validation(FieldErrors::single(
            "proposal_id",
            "choose a proposal to preview with",
        ))),
    };
    let (errors, preview) = match outcome {
        Ok(items) => (FieldErrors::new(), Some(items)),
        Err(AppError::Validation(errors)) => (errors, None),
        Err(other) => return Err(other.into()),
    };
    let typed = Typed {
        kind,
        subject: form.subject,
        body: form.body,
        proposal_id: form.proposal_id,
        errors,
        preview,
    };
    emails_page(page, &state, event, Some(typed)).await
}

// ---------------------------------------------------------------- the outbox

/// A time of the outbox, short: "2026-11-24 01:02" in the event's time zone, and the long
/// form (with UTC) for its tooltip.
struct ShortTime {
    short: String,
    long: String,
    rfc3339: String,
}

impl ShortTime {
    fn of(event: &Event, time: chrono::DateTime<chrono::Utc>) -> ShortTime {
        let short = match event.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => time.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            Err(_) => time.format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        ShortTime {
            short,
            long: at(event, time),
            rfc3339: time.to_rfc3339(),
        }
    }
}

struct OutboxRowView {
    item: OutboxItem,
    kind: String,
    created: ShortTime,
    sent: Option<ShortTime>,
    next_attempt: ShortTime,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    page: PageContext,
    event: Event,
    rows: Vec<OutboxRowView>,
    state: String,
    next_cursor: Option<String>,
    /// A page after the first one.
    paged: bool,
}

impl OutboxPage {
    fn first_link(&self) -> String {
        if self.state.is_empty() {
            format!("/events/{}/outbox", self.event.slug)
        } else {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("state", &self.state)
                .finish();
            format!("/events/{}/outbox?{query}", self.event.slug)
        }
    }
    fn next_link(&self, cursor: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("state", &self.state)
            .append_pair("cursor", cursor)
            .finish();
        format!("/events/{}/outbox?{query}", self.event.slug)
    }
}

/// `GET /events/{slug}/outbox` (chairs): the event's emails, newest first, `?state=` and
/// `?cursor=` as in the API.
pub async fn outbox(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<OutboxQuery>,
) -> PageResult {
    let query = query.into_inner();
    let mut conn = state.pool.get().await?;
    let listed = outbox_page(&mut conn, event.id, &query).await?;
    let rows = listed
        .items
        .into_iter()
        .map(|item| OutboxRowView {
            kind: item.kind.replace('_', " "),
            created: ShortTime::of(&event, item.created_at),
            sent: item.sent_at.map(|t| ShortTime::of(&event, t)),
            next_attempt: ShortTime::of(&event, item.next_attempt_at),
            item,
        })
        .collect();
    render(
        StatusCode::OK,
        &OutboxPage {
            page,
            rows,
            paged: query.cursor.is_some(),
            state: query.state.unwrap_or_default(),
            next_cursor: listed.next_cursor,
            event,
        },
    )
}

/// `POST /events/{slug}/outbox/{id}/retry`: a failed email is queued again, due now.
pub async fn retry_outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, uuid::Uuid)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let (_, id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    match crate::mail::outbox_view::retry(&mut conn, event.id, OutboxId(id)).await {
        Ok(row) => set_flash(
            &req,
            "success",
            &format!("The email to {} is queued again.", row.recipient),
        ),
        Err(AppError::Conflict { .. }) => {
            set_flash(&req, "error", "Only a failed email can be retried.")
        }
        Err(other) => return Err(other.into()),
    }
    Ok(redirect(&format!("/events/{}/outbox", event.slug)))
}

// ---------------------------------------------------------------- the public list

/// One talk of the public list.
struct TalkView {
    id: uuid::Uuid,
    title: String,
    speakers: String,
    subtopics: Vec<String>,
    format: String,
    minutes: i32,
    abstract_html: String,
}

struct TrackGroup {
    name: String,
    minutes: i32,
    talks: Vec<TalkView>,
}

/// The list proper: the page's live part, and the `?fragment=1` representation.
#[derive(Template)]
#[template(path = "accepted_list.html")]
struct AcceptedFragment {
    groups: Vec<TrackGroup>,
    balance: super::balance::TrackBalance,
    total_talks: usize,
}

#[derive(Template)]
#[template(path = "accepted.html")]
struct AcceptedPage {
    page: PageContext,
    slug: String,
    title: String,
    published_on: String,
    etag: String,
    /// The rendered `AcceptedFragment`.
    list_html: String,
}

fn talk_view(list: &AcceptedList, item: &AcceptedItem) -> TalkView {
    TalkView {
        id: item.id,
        title: item.title.clone(),
        speakers: item
            .speakers
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        subtopics: item
            .subtopics
            .iter()
            .map(|key| list.subtopic_name(&item.track, key))
            .collect(),
        format: item.format_name.clone(),
        minutes: item.minutes,
        abstract_html: super::markdown::render(&item.abstract_text),
    }
}

impl AcceptedFragment {
    fn of(list: &AcceptedList) -> AcceptedFragment {
        let groups: Vec<TrackGroup> = list
            .by_track()
            .into_iter()
            .map(|(name, items)| TrackGroup {
                name,
                minutes: items.iter().map(|i| i.minutes).sum(),
                talks: items.iter().map(|i| talk_view(list, i)).collect(),
            })
            .collect();
        let tracks: Vec<String> = list.tracks.iter().map(|t| t.name.clone()).collect();
        let talks: Vec<(String, i32)> = list
            .items
            .iter()
            .map(|i| (list.track_name(&i.track), i.minutes))
            .collect();
        let balance = super::balance::track_balance(&tracks, &talks, list.slot_minutes);
        AcceptedFragment {
            total_talks: list.items.len(),
            groups,
            balance,
        }
    }
}

#[derive(Deserialize)]
pub struct AcceptedQuery {
    fragment: Option<String>,
}

/// `GET /events/{slug}/accepted`: the public list of accepted talks (404 until published),
/// with the API's ETag and Cache-Control. The page is the same for every visitor (no name in
/// the header, no form token), so that a shared cache may keep it; `?fragment=1` is the list
/// alone, which the page's script polls for live updates.
pub async fn accepted(
    req: HttpRequest,
    state: web::Data<AppState>,
    cache: web::Data<AcceptedCache>,
    slug: web::Path<String>,
    query: web::Query<AcceptedQuery>,
) -> PageResult {
    let list = publishing::accepted(&state, &cache, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let html = "text/html; charset=utf-8";
    let failed = |e: askama::Error| AppError::internal(format!("rendering a page: {e}"));
    if query.fragment.as_deref() == Some("1") {
        return Ok(conditional(&req, &list, "fragment", html, || {
            AcceptedFragment::of(&list).render().map_err(failed)
        })?);
    }
    Ok(conditional(&req, &list, "html", html, || {
        AcceptedPage {
            page: PageContext::anonymous(),
            slug: list.event.clone(),
            title: list.title.clone(),
            published_on: crate::time::in_zone(list.published_at, &list.time_zone),
            etag: list.etag("fragment"),
            list_html: AcceptedFragment::of(&list).render().map_err(failed)?,
        }
        .render()
        .map_err(failed)
    })?)
}

/// `GET /events/{slug}/accepted.atom`: the accepted talks as an Atom feed.
pub async fn accepted_atom(
    req: HttpRequest,
    state: web::Data<AppState>,
    cache: web::Data<AcceptedCache>,
    slug: web::Path<String>,
) -> PageResult {
    let list = publishing::accepted(&state, &cache, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let url = |path: String| -> Result<String, AppError> {
        Ok(state
            .base_url
            .join(&path)
            .map_err(AppError::internal)?
            .to_string())
    };
    let page_url = url(format!("events/{}/accepted", list.event))?;
    let feed_url = url(format!("events/{}/accepted.atom", list.event))?;
    Ok(conditional(
        &req,
        &list,
        "atom",
        "application/atom+xml; charset=utf-8",
        || Ok(publishing::atom(&list, &page_url, &feed_url)),
    )?)
}
