//! Decisions: chairs decide, release the decisions (one email per speaker per proposal, through
//! the outbox, in the release's transaction), and accepted speakers confirm or decline. Also the
//! chairs' decision-email templates with their preview. Shared by the API and the pages.

pub mod publishing;

pub use crate::proposals::{DecisionView, decision_view};

use std::collections::BTreeMap;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{ProposalAccess, event_access, proposal_access};
use crate::db::decisions as db;
use crate::db::events::{self, Event};
use crate::db::proposals::{self as proposals_db, Proposal};
pub use crate::domain::Decision;
use crate::domain::{ProposalId, Transition, clean_text};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::placeholders::{self, Template};
use crate::mail::templates::{DecisionEmail, RenderedEmail};
use crate::proposals::{ProposalView, Viewer};
use crate::state::AppState;

/// The three decision emails chairs can reword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Acceptance,
    Rejection,
    Waitlist,
}

impl EmailKind {
    pub const ALL: [EmailKind; 3] = [
        EmailKind::Acceptance,
        EmailKind::Rejection,
        EmailKind::Waitlist,
    ];

    pub fn parse(text: &str) -> Option<EmailKind> {
        EmailKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Acceptance => "acceptance",
            EmailKind::Rejection => "rejection",
            EmailKind::Waitlist => "waitlist",
        }
    }
    /// The email telling the speakers of a decision; also the template's name.
    pub fn of(decision: Decision) -> EmailKind {
        match decision {
            Decision::Accept => EmailKind::Acceptance,
            Decision::Reject => EmailKind::Rejection,
            Decision::Waitlist => EmailKind::Waitlist,
        }
    }
    pub fn decision(self) -> Decision {
        match self {
            EmailKind::Acceptance => Decision::Accept,
            EmailKind::Rejection => Decision::Reject,
            EmailKind::Waitlist => Decision::Waitlist,
        }
    }
    /// The shipped wording: `templates/email/<kind>.subject.txt` and `<kind>.txt`.
    pub fn default_template(self) -> (&'static str, &'static str) {
        match self {
            EmailKind::Acceptance => (
                include_str!("../../templates/email/acceptance.subject.txt"),
                include_str!("../../templates/email/acceptance.txt"),
            ),
            EmailKind::Rejection => (
                include_str!("../../templates/email/rejection.subject.txt"),
                include_str!("../../templates/email/rejection.txt"),
            ),
            EmailKind::Waitlist => (
                include_str!("../../templates/email/waitlist.subject.txt"),
                include_str!("../../templates/email/waitlist.txt"),
            ),
        }
    }
}

fn parse_decision(text: &str) -> AppResult<Decision> {
    Decision::parse(text).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "decision",
            "must be \"accept\", \"reject\" or \"waitlist\"",
        ))
    })
}

fn parse_note(note: &str) -> AppResult<String> {
    clean_text(note, 0, 5000, true)
        .map_err(|e| AppError::Validation(FieldErrors::single("note", e.to_string())))
}

/// Records a chair's decision (not yet visible to the speakers), audited before → after.
async fn decide_locked(
    conn: &mut AsyncPgConnection,
    chair: &CurrentUser,
    proposal: &Proposal,
    decision: Decision,
    note: &str,
) -> AppResult<Proposal> {
    proposal
        .state
        .after(Transition::Decide)
        .map_err(|refused| AppError::conflict("decision", &refused.to_string()))?;
    let updated = db::set_decision(conn, proposal.id, decision, note, chair.id).await?;
    db::audit(
        conn,
        db::AuditEntry {
            proposal_id: proposal.id,
            actor: Some(chair.id),
            action: "decide",
            before: proposal.decision.map(Decision::as_str),
            after: decision.as_str(),
            note,
        },
    )
    .await?;
    Ok(updated)
}

/// `PUT /proposals/{id}/decision`: one proposal, one transaction.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, proposal.id = %proposal_id))]
pub async fn decide(
    state: &AppState,
    chair: &CurrentUser,
    proposal_id: ProposalId,
    decision: &str,
    note: &str,
) -> AppResult<ProposalView> {
    let decision = parse_decision(decision)?;
    let note = parse_note(note)?;
    let mut conn = state.pool.get().await?;
    let chair = chair.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = crate::proposals::lock_with_event(conn, proposal_id).await?;
        if proposal_access(conn, &event, &proposal, &chair)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound);
        }
        event_access(conn, &event, &chair).await?.require_manage()?;
        let updated = decide_locked(conn, &chair, &proposal, decision, &note).await?;
        tracing::info!(proposal = %proposal.id, decision = decision.as_str(), "decided");
        crate::proposals::view(conn, &event, &updated, Viewer::Chair).await
    })
    .await
}

/// Which proposals a bulk decision covers.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkDecision {
    /// These proposals…
    #[serde(default)]
    pub proposal_ids: Vec<uuid::Uuid>,
    /// …or every active proposal of this track (e.g. "reject the rest of the track").
    pub track: Option<String>,
    /// Only proposals without a decision yet.
    #[serde(default)]
    pub undecided_only: bool,
    /// `accept`, `reject` or `waitlist`
    #[schema(value_type = Decision)]
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// Decides many proposals at once, in one transaction; returns how many were decided.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn decide_many(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    request: BulkDecision,
) -> AppResult<usize> {
    let decision = parse_decision(&request.decision)?;
    let note = parse_note(&request.note)?;
    if request.proposal_ids.is_empty() == request.track.is_none() {
        return Err(AppError::Validation(FieldErrors::single(
            "proposal_ids",
            "name the proposals, or a track (not both)",
        )));
    }
    if request.proposal_ids.len() > 1000 {
        return Err(AppError::Validation(FieldErrors::single(
            "proposal_ids",
            "at most 1000 at once",
        )));
    }
    let mut conn = state.pool.get().await?;
    let (chair, event_id) = (chair.clone(), event.id);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let all = proposals_db::list(
            conn,
            event_id,
            proposals_db::ListScope::All,
            proposals_db::ListFilter {
                track: request.track.as_deref(),
                state: None,
                needs_check: false,
                after: None,
                limit: i64::MAX,
            },
        )
        .await?;
        let mut chosen: Vec<&Proposal> = Vec::new();
        if request.track.is_some() {
            chosen.extend(all.iter().filter(|p| p.state.allows(Transition::Decide)));
        } else {
            for id in &request.proposal_ids {
                match all.iter().find(|p| p.id.0 == *id) {
                    Some(p) => chosen.push(p),
                    None => {
                        return Err(AppError::Validation(FieldErrors::single(
                            "proposal_ids",
                            format!("{id} is not a proposal of this event"),
                        )));
                    }
                }
            }
        }
        let mut decided = 0;
        for proposal in chosen {
            if request.undecided_only && proposal.decision.is_some() {
                continue;
            }
            let locked = proposals_db::find_for_update(conn, proposal.id)
                .await?
                .ok_or(AppError::NotFound)?;
            // judged on the locked row: a decision taken meanwhile is not overwritten
            if !locked.state.allows(Transition::Decide)
                || (request.undecided_only && locked.decision.is_some())
            {
                continue;
            }
            decide_locked(conn, &chair, &locked, decision, &note).await?;
            decided += 1;
        }
        tracing::info!(decided, decision = decision.as_str(), "bulk decision");
        Ok(decided)
    })
    .await
}

// ---- the emails ----

/// The event's wording of one decision email: its own, or the default.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn template_text(
    conn: &mut AsyncPgConnection,
    event: &Event,
    kind: EmailKind,
) -> AppResult<(String, String, bool)> {
    Ok(
        match db::template_of(conn, event.id, kind.as_str()).await? {
            Some((subject, body)) => (subject, body, true),
            None => {
                let (subject, body) = kind.default_template();
                (subject.trim().to_owned(), body.to_owned(), false)
            }
        },
    )
}

/// A rendered email for one recipient.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders the decision emails of one proposal, one per speaker (submitter and accepted
/// co-speakers): what the release queues and what the preview shows, from the same code.
async fn decision_emails(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    event: &Event,
    proposal: &Proposal,
    tracks: &[events::TrackWithSubtopics],
    subject: &Template,
    body: &Template,
) -> AppResult<Vec<(String, String, RenderedEmail)>> {
    let speakers = proposals_db::speakers_of(conn, &[proposal.id]).await?;
    let track = match proposal.track() {
        Some(key) => tracks
            .iter()
            .find(|t| t.key == key)
            .map_or_else(|| key.to_owned(), |t| t.name.clone()),
        None => String::new(),
    };
    let comments = if event.share_review_comments {
        crate::db::reviews::reviews_of_proposal(conn, proposal.id)
            .await?
            .into_iter()
            .map(|(review, _)| review.comment_for_speakers.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n---\n\n")
    } else {
        String::new()
    };
    let link = |path: String| -> AppResult<String> {
        Ok(state
            .base_url
            .join(&path)
            .map_err(AppError::internal)?
            .to_string())
    };
    let confirm_link = link(format!("proposals/{}/confirm", proposal.id))?;
    let proposal_link = link(format!("proposals/{}", proposal.id))?;
    let deadline = event
        .confirm_by
        .map(|at| crate::time::in_zone(at, &event.time_zone))
        .unwrap_or_default();
    let mut emails = Vec::new();
    for speaker in speakers {
        let values = BTreeMap::from([
            ("speaker_name", speaker.name.clone()),
            ("proposal_title", proposal.title.clone()),
            ("event_title", event.title.clone()),
            ("track", track.clone()),
            ("reviewer_comments", comments.clone()),
            ("confirm_link", confirm_link.clone()),
            ("confirm_deadline", deadline.clone()),
            ("proposal_link", proposal_link.clone()),
        ]);
        let body_text = body.render(&values);
        let rendered = DecisionEmail {
            subject: subject.render(&values),
            body_html: placeholders::text_to_html(&body_text),
            body_text,
        }
        .render()
        .map_err(AppError::internal)?;
        emails.push((
            crate::mail::mailbox_text(&speaker.name, &speaker.email),
            speaker.email.to_lowercase(),
            rendered,
        ));
    }
    Ok(emails)
}

fn parse_template(subject: &str, body: &str) -> AppResult<(Template, Template)> {
    let mut errors = FieldErrors::new();
    let subject_text = errors.check("subject", clean_text(subject, 1, 300, false));
    let body_text = errors.check("body", clean_text(body, 1, 20_000, true));
    let subject = subject_text.and_then(|s| errors.check("subject", Template::parse(&s)));
    let body = body_text.and_then(|b| errors.check("body", Template::parse(&b)));
    errors.into_result()?;
    match (subject, body) {
        (Some(subject), Some(body)) => Ok((subject, body)),
        _ => Err(AppError::internal("a checked template")),
    }
}

/// Makes every released-pending decision of the event visible and queues one email per speaker
/// per proposal, all in one transaction. A second release (or a concurrent one: they serialize
/// on the event row) finds nothing left to release, and the outbox's unique key per (event,
/// proposal, recipient, kind, release round) stops any second copy anyway. The round (when the
/// proposal's previous decision was released) is part of the key so that a decision changed back
/// after a release (accept → waitlist → accept) tells the speakers again: without it the second
/// acceptance collided with the first one's key and nobody was told. Returns how many emails
/// were queued.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn release(state: &AppState, chair: &CurrentUser, event: &Event) -> AppResult<usize> {
    let mut conn = state.pool.get().await?;
    let (chair, event_id) = (chair.clone(), event.id);
    conn.transaction::<_, AppError, _>(async move |conn| {
        crate::db::reviews::lock_event(conn, event_id).await?;
        let event = events::find_by_id(conn, event_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut templates = BTreeMap::new();
        for kind in EmailKind::ALL {
            let (subject, body, _) = template_text(conn, &event, kind).await?;
            templates.insert(kind.as_str(), parse_template(&subject, &body)?);
        }
        // loaded once for every email of the release
        let tracks = events::tracks_of(conn, event.id).await?;
        let mut queued = 0;
        for proposal in db::unreleased_for_update(conn, event.id).await? {
            let Some(decision) = proposal.decision else {
                continue;
            };
            // withdrawn proposals are never released (the query leaves them out already)
            let Ok(released) = proposal.state.after(Transition::Release(decision)) else {
                continue;
            };
            let kind = EmailKind::of(decision);
            let (subject, body) = &templates[kind.as_str()];
            // the first release keeps the original key; later ones name the release they follow
            let round = proposal
                .released_at
                .map(|at| format!(":after:{}", at.timestamp_micros()))
                .unwrap_or_default();
            for (to, address, content) in
                decision_emails(conn, state, &event, &proposal, &tracks, subject, body).await?
            {
                let fresh = crate::mail::enqueue(
                    conn,
                    &state.settings.secret_key,
                    crate::mail::OutgoingEmail {
                        dedupe_key: format!(
                            "decision:{}:{}:{}:{}{round}",
                            event.id,
                            proposal.id,
                            address,
                            kind.as_str()
                        ),
                        kind: kind.as_str(),
                        event_id: Some(event.id),
                        proposal_id: Some(proposal.id.0),
                        to,
                        content,
                        secret: None,
                    },
                )
                .await?;
                queued += usize::from(fresh);
            }
            db::mark_released(conn, proposal.id, decision, released).await?;
            db::audit(
                conn,
                db::AuditEntry {
                    proposal_id: proposal.id,
                    actor: Some(chair.id),
                    action: "release",
                    before: Some(proposal.state.as_str()),
                    after: released.as_str(),
                    note: "",
                },
            )
            .await?;
        }
        tracing::info!(event.slug = %event.slug, queued, "decisions released");
        Ok(queued)
    })
    .await
}

/// Counts for the chairs before they release: decided, waiting to be released.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ReleaseSummary {
    pub unreleased: usize,
    pub accept: usize,
    pub reject: usize,
    pub waitlist: usize,
}

#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn release_summary(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> AppResult<ReleaseSummary> {
    let active = proposals_db::active_of(conn, event.id, None).await?;
    let mut summary = ReleaseSummary::default();
    for p in &active {
        let Some(decision) = p.decision else {
            continue;
        };
        if p.released_decision != Some(decision) {
            summary.unreleased += 1;
            match decision {
                Decision::Accept => summary.accept += 1,
                Decision::Reject => summary.reject += 1,
                Decision::Waitlist => summary.waitlist += 1,
            }
        }
    }
    Ok(summary)
}

// ---- templates ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplateView {
    /// `acceptance`, `rejection` or `waitlist`
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// False while the event uses the shipped wording.
    pub customized: bool,
}

#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn templates_of(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> AppResult<Vec<TemplateView>> {
    let mut views = Vec::new();
    for kind in EmailKind::ALL {
        let (subject, body, customized) = template_text(conn, event, kind).await?;
        views.push(TemplateView {
            kind: kind.as_str().to_owned(),
            subject,
            body,
            customized,
        });
    }
    Ok(views)
}

pub fn parse_kind(kind: &str) -> AppResult<EmailKind> {
    EmailKind::parse(kind).ok_or(AppError::NotFound)
}

/// Saves the event's wording of one email; a template error is a 422 now, never a failed send.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn save_template(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    kind: EmailKind,
    subject: &str,
    body: &str,
) -> AppResult<TemplateView> {
    parse_template(subject, body)?;
    let mut conn = state.pool.get().await?;
    let subject = subject.trim();
    db::upsert_template(&mut conn, event.id, kind.as_str(), subject, body, chair.id).await?;
    Ok(TemplateView {
        kind: kind.as_str().to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
        customized: true,
    })
}

#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn reset_template(
    state: &AppState,
    event: &Event,
    kind: EmailKind,
) -> AppResult<TemplateView> {
    let mut conn = state.pool.get().await?;
    db::delete_template(&mut conn, event.id, kind.as_str()).await?;
    let (subject, body, customized) = template_text(&mut conn, event, kind).await?;
    Ok(TemplateView {
        kind: kind.as_str().to_owned(),
        subject,
        body,
        customized,
    })
}

/// Renders an email of `kind` for a real proposal of the event, exactly as the release would,
/// from the given wording (or the saved one): one email per speaker.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, proposal.id = %proposal_id))]
pub async fn preview(
    state: &AppState,
    event: &Event,
    kind: EmailKind,
    wording: Option<(&str, &str)>,
    proposal_id: ProposalId,
) -> AppResult<Vec<PreviewEmail>> {
    let mut conn = state.pool.get().await?;
    let (subject, body) = match wording {
        Some((subject, body)) => (subject.to_owned(), body.to_owned()),
        None => {
            let (subject, body, _) = template_text(&mut conn, event, kind).await?;
            (subject, body)
        }
    };
    let (subject, body) = parse_template(&subject, &body)?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let proposal = proposals_db::find(&mut conn, proposal_id)
        .await?
        .filter(|p| p.event_id == event.id)
        .ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "proposal_id",
                "is not a proposal of this event",
            ))
        })?;
    Ok(
        decision_emails(&mut conn, state, event, &proposal, &tracks, &subject, &body)
            .await?
            .into_iter()
            .map(|(to, _, content)| PreviewEmail {
                to,
                subject: content.subject,
                text: content.text,
                html: content.html,
            })
            .collect(),
    )
}

// ---- the speakers' answer ----

/// An accepted speaker confirms (`true`) or declines (`false`) presenting the proposal.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %proposal_id))]
pub async fn respond(
    state: &AppState,
    user: &CurrentUser,
    proposal_id: ProposalId,
    confirm: bool,
) -> AppResult<ProposalView> {
    let mut conn = state.pool.get().await?;
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = crate::proposals::lock_with_event(conn, proposal_id).await?;
        match proposal_access(conn, &event, &proposal, &user).await? {
            None => return Err(AppError::NotFound),
            Some(_) if !proposals_db::is_speaker(conn, &proposal, user.id).await? => {
                return Err(AppError::Forbidden(
                    "only the proposal's speakers confirm or decline it".into(),
                ));
            }
            Some(_) => {}
        }
        let transition = if confirm {
            Transition::Confirm
        } else {
            Transition::Decline
        };
        let target = proposal
            .state
            .after(transition)
            .map_err(|refused| AppError::conflict("state", &refused.to_string()))?;
        if target == proposal.state {
            // answering the same again changes nothing
            return crate::proposals::view(conn, &event, &proposal, Viewer::Speaker).await;
        }
        if confirm && event.confirm_by.is_some_and(|by| by <= Utc::now()) {
            return Err(AppError::conflict(
                "state",
                "the confirmation deadline has passed; please write to the chairs",
            ));
        }
        let updated = db::set_response(conn, proposal.id, target).await?;
        db::audit(
            conn,
            db::AuditEntry {
                proposal_id: proposal.id,
                actor: Some(user.id),
                action: if confirm { "confirm" } else { "decline" },
                before: Some(proposal.state.as_str()),
                after: target.as_str(),
                note: "",
            },
        )
        .await?;
        tracing::info!(proposal = %proposal.id, state = target.as_str(), "speaker answered");
        crate::proposals::view(conn, &event, &updated, Viewer::Speaker).await
    })
    .await
}

/// Emails the speakers of accepted proposals who have not confirmed or declined yet. A second
/// click within the same minute queues nothing new.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn remind_unconfirmed(state: &AppState, event: &Event) -> AppResult<usize> {
    let mut conn = state.pool.get().await?;
    let minute = Utc::now().timestamp() / 60;
    let deadline = event
        .confirm_by
        .map(|at| crate::time::in_zone(at, &event.time_zone));
    let mut emails = Vec::new();
    for proposal in db::unconfirmed(&mut conn, event.id).await? {
        let link = state
            .base_url
            .join(&format!("proposals/{}/confirm", proposal.id))
            .map_err(AppError::internal)?
            .to_string();
        for speaker in proposals_db::speakers_of(&mut conn, &[proposal.id]).await? {
            let content = crate::mail::templates::ConfirmationReminder {
                name: speaker.name.clone(),
                title: proposal.title.clone(),
                event_title: event.title.clone(),
                link: link.clone(),
                deadline: deadline.clone(),
            }
            .render()
            .map_err(AppError::internal)?;
            emails.push((proposal.id, speaker, content));
        }
    }
    let key = state.settings.secret_key.clone();
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let mut queued = 0;
        for (proposal_id, speaker, content) in emails {
            let fresh = crate::mail::enqueue(
                conn,
                &key,
                crate::mail::OutgoingEmail {
                    dedupe_key: format!(
                        "confirmation-reminder:{proposal_id}:{}:{minute}",
                        speaker.email.to_lowercase()
                    ),
                    kind: "confirmation_reminder",
                    event_id: Some(event_id),
                    proposal_id: Some(proposal_id.0),
                    to: crate::mail::mailbox_text(&speaker.name, &speaker.email),
                    content,
                    secret: None,
                },
            )
            .await?;
            queued += usize::from(fresh);
        }
        Ok(queued)
    })
    .await
}

/// The decision trail of a proposal, for its chairs.
#[tracing::instrument(skip_all, fields(user.id = %user.id, event.slug = %event.slug))]
pub async fn history(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    proposal: &Proposal,
    event: &Event,
) -> AppResult<Vec<db::AuditRow>> {
    match proposal_access(conn, event, proposal, user).await? {
        Some(ProposalAccess::Chair) => Ok(db::audit_of(conn, proposal.id).await?),
        Some(_) => Err(AppError::forbidden()),
        None => Err(AppError::NotFound),
    }
}
