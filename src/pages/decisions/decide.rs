//! The chairs' decisions: one proposal's (the proposal page's decision box), many at once from
//! the dashboard (rejecting ticked rows asks once more), the release that tells the speakers,
//! and publishing the list of accepted talks; and what the dashboard shows of them.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::policy::ProposalAccess;
use crate::db::events::Event;
use crate::db::proposals as proposals_db;
use crate::db::reviews as reviews_db;
use crate::decisions::publishing;
use crate::decisions::{self, BulkDecision};
use crate::domain::{Decision, ProposalId, ProposalState, Transition};
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::{SignedIn, SignedInChair};
use crate::pages::flash::{flash_or_fail, flash_or_fail_in, set_flash, set_flash_in};
use crate::pages::respond::{redirect, render, safe_next};
use crate::state::AppState;
use crate::time::in_zone;

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

/// From the ranked event's counts (kept with the ranking cache): no query per page.
pub fn dashboard_decisions(
    ranked: &crate::review::RankedEvent,
    event: &Event,
    tracks: &[crate::db::events::TrackWithSubtopics],
) -> DashboardDecisions {
    let summary = decisions::summarize(&ranked.decision_counts);
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
    let decidable: Vec<ProposalState> = ProposalState::ALL
        .into_iter()
        .filter(|s| s.allows(Transition::Decide))
        .collect();
    let mut counts: HashMap<Option<String>, i64> = HashMap::new();
    for ((track, state), n) in &ranked.undecided {
        if decidable.contains(state) {
            *counts.entry(track.clone()).or_default() += n;
        }
    }
    let undecided = tracks
        .iter()
        .map(|t| {
            let count = counts.get(&Some(t.key.clone())).copied().unwrap_or(0);
            (t.key.clone(), t.name.clone(), count as usize)
        })
        .collect();
    DashboardDecisions {
        summary,
        summary_text: parts.join(", "),
        published: event.published_at.map(|t| in_zone(t, &event.time_zone)),
        undecided,
    }
}

/// Where a decision form goes back to: the dashboard or the ranking as it was filtered, never
/// elsewhere.
fn dashboard_return(event: &Event, return_to: Option<&String>) -> String {
    let base = format!("/events/{}/dashboard", event.slug);
    let ranking = format!("/events/{}/ranking", event.slug);
    match return_to.map(|r| safe_next(Some(r))) {
        Some(path)
            if [&base, &ranking]
                .iter()
                .any(|b| path == **b || path.starts_with(&format!("{b}?"))) =>
        {
            path
        }
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

/// `POST /events/{slug}/decisions`: the dashboard's and the ranking's decisions. Either the
/// ticked rows (checkboxes named `p_<id>`), or one row's button (`decide_one=<decision>:<id>`,
/// which ignores the ticks), or, with `track`, every active proposal of that track
/// (`undecided_only=true` keeps the decided ones). Rejecting ticked rows, and accepting any
/// proposal nobody has reviewed, ask once more.
pub async fn bulk_decide(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let mut form = form.0;
    let back = dashboard_return(&event, form.get("return_to"));
    let mut ids = Vec::new();
    if let Some(one) = form.remove("decide_one") {
        // one row's button: that row alone, whatever is ticked (the confirmation step sends it
        // back as a ticked row)
        let (decision, raw) = one
            .split_once(':')
            .ok_or_else(|| AppError::BadRequest("malformed form: decide_one".into()))?;
        ids.push(
            uuid::Uuid::parse_str(raw)
                .map_err(|_| AppError::BadRequest("malformed form: decide_one".into()))?,
        );
        form.retain(|key, _| !key.starts_with("p_"));
        form.insert(format!("p_{raw}"), "on".into());
        form.insert("decision".into(), decision.to_owned());
    } else {
        for key in form.keys() {
            if let Some(raw) = key.strip_prefix("p_") {
                ids.push(
                    uuid::Uuid::parse_str(raw)
                        .map_err(|_| AppError::BadRequest(format!("malformed form: {key}")))?,
                );
            }
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
        let chosen: Vec<ProposalId> = ids.iter().copied().map(ProposalId).collect();
        let titles: Vec<String> = proposals_db::of_event_by_ids(&mut conn, event.id, &chosen)
            .await?
            .into_iter()
            .map(|p| p.title)
            .collect();
        return confirm_step(
            ConfirmActionPage {
                page,
                heading: format!("Reject {}?", plural(titles.len(), "proposal", "proposals")),
                message: "These proposals will be marked rejected. Nothing is sent to the \
                    speakers until the decisions are released, and a decision can be changed \
                    until then."
                    .into(),
                items: titles,
                action: format!("/events/{}/decisions", event.slug),
                fields: Vec::new(),
                confirm_label: "Yes, reject the selected proposals".into(),
                cancel: back,
            },
            &form,
        );
    }
    // accepting a proposal nobody has reviewed asks once more, as on the proposal page
    if Decision::parse(&decision) == Some(Decision::Accept)
        && track.is_none()
        && form.get("confirmed").map(String::as_str) != Some("yes")
    {
        let mut conn = state.pool.get().await?;
        let chosen: Vec<ProposalId> = ids.iter().copied().map(ProposalId).collect();
        let unreviewed = reviews_db::unreviewed_among(&mut conn, &chosen).await?;
        if !unreviewed.is_empty() {
            let titles: Vec<String> =
                proposals_db::of_event_by_ids(&mut conn, event.id, &unreviewed)
                    .await?
                    .into_iter()
                    .map(|p| p.title)
                    .collect();
            return confirm_step(
                ConfirmActionPage {
                    page,
                    heading: format!(
                        "Accept {} nobody has reviewed?",
                        plural(titles.len(), "proposal", "proposals")
                    ),
                    message: "No reviewer has scored these yet. Accepting them now decides \
                        without the committee's opinion. The other selected proposals are \
                        accepted with them."
                        .into(),
                    items: titles,
                    action: format!("/events/{}/decisions", event.slug),
                    fields: Vec::new(),
                    confirm_label: "Yes, accept them".into(),
                    cancel: back,
                },
                &form,
            );
        }
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
        Err(e) => flash_or_fail_in(&req, "decision", e)?,
    }
    Ok(redirect(&back))
}

/// The second step of a bulk decision: the same form again, every field kept but the token
/// (the page brings its own) and the answer to this very question.
fn confirm_step(mut confirm: ConfirmActionPage, form: &HashMap<String, String>) -> PageResult {
    confirm.fields = form
        .iter()
        .filter(|(key, _)| !["csrf_token", "confirmed"].contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    confirm.fields.sort();
    render(StatusCode::OK, &confirm)
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
        Err(e) => flash_or_fail(&req, e)?,
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

/// A button's form that may come back from its confirmation step.
#[derive(Deserialize)]
pub struct ConfirmableForm {
    #[serde(default)]
    confirmed: String,
}

/// `POST /events/{slug}/publish`. While the CfP is still open, asks once more: proposals may
/// still come in and the list would be public before they are decided.
pub async fn publish(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<ConfirmableForm>,
) -> PageResult {
    if form.0.confirmed != "yes" && event.cfp_open_at(chrono::Utc::now()) {
        return render(
            StatusCode::OK,
            &ConfirmActionPage {
                page,
                heading: "Publish the accepted talks while the CfP is open?".into(),
                message: format!(
                    "The call for proposals is open until {}: proposals still coming in are not \
                     decided yet, and the public list would show only the talks accepted so far.",
                    in_zone(event.cfp_closes_at, &event.time_zone)
                ),
                items: Vec::new(),
                action: format!("/events/{}/publish", event.slug),
                fields: Vec::new(),
                confirm_label: "Yes, publish the list now".into(),
                cancel: format!("/events/{}/dashboard", event.slug),
            },
        );
    }
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

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    /// `yes` from the confirmation step.
    #[serde(default)]
    confirmed: String,
}

/// `POST /proposals/{id}/decision`: a chair decides one proposal (not released yet).
/// Accepting one that nobody reviewed asks once more.
pub async fn decide(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<DecisionForm>,
) -> PageResult {
    let form = form.0;
    let back = format!("/proposals/{}#decision", *id);
    if form.decision.trim().is_empty() {
        set_flash_in(
            &req,
            "decision",
            "error",
            "Choose accept, waitlist or reject.",
        );
        return Ok(redirect(&back));
    }
    if Decision::parse(form.decision.trim()) == Some(Decision::Accept) && form.confirmed != "yes" {
        let mut conn = state.pool.get().await?;
        // only a chair gets the second step; anyone else gets the service's refusal below
        let chair_view = match crate::proposals::visible_proposal(&mut conn, &user.0, *id).await {
            Ok((proposal, _, ProposalAccess::Chair)) => Some(proposal),
            _ => None,
        };
        if let Some(proposal) = chair_view
            && reviews_db::reviews_of_proposal(&mut conn, proposal.id)
                .await?
                .is_empty()
        {
            return render(
                StatusCode::OK,
                &ConfirmActionPage {
                    page,
                    heading: "Accept a proposal nobody has reviewed?".into(),
                    message: "No reviewer has scored this proposal yet. Accepting it now \
                        decides without the committee's opinion."
                        .into(),
                    items: vec![proposal.title],
                    action: format!("/proposals/{}/decision", proposal.id),
                    fields: vec![
                        ("decision".into(), form.decision.trim().to_owned()),
                        ("note".into(), form.note.clone()),
                    ],
                    confirm_label: "Yes, accept it unreviewed".into(),
                    cancel: back,
                },
            );
        }
    }
    match decisions::decide(&state, &user.0, *id, form.decision.trim(), &form.note).await {
        Ok(_) => set_flash_in(
            &req,
            "decision",
            "success",
            &format!(
                "The decision is saved: {}. Not released yet: the speakers hear about it when the decisions are released.",
                decided_word(form.decision.trim())
            ),
        ),
        Err(e) => flash_or_fail_in(&req, "decision", e)?,
    }
    Ok(redirect(&back))
}
