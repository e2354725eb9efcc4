//! Releasing the decisions: they become visible and one email per speaker per proposal is
//! queued, in one transaction; and the counts chairs see before they release.

use std::collections::BTreeMap;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use utoipa::ToSchema;

use super::emails::decision_emails;
use super::templates::{EmailKind, parse_template, template_text};
use crate::accounts::CurrentUser;
use crate::crypto::SecretKey;
use crate::db::decisions as db;
use crate::db::events::{self, Event};
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::domain::{Decision, Transition, UserId};
use crate::error::{AppError, AppResult};
use crate::mail::placeholders::Template;
use crate::state::AppState;
use url::Url;

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
        let wording = Wording::load(conn, &event).await?;
        let mail = (&state.settings.secret_key, &state.base_url);
        let mut queued = 0;
        for proposal in db::unreleased_for_update(conn, event.id).await? {
            queued += release_one(conn, mail, &event, &wording, &proposal, Some(chair.id)).await?;
        }
        tracing::info!(event.slug = %event.slug, queued, "decisions released");
        Ok(queued)
    })
    .await
}

/// The event's decision emails and tracks, loaded once for every email of a release.
pub(super) struct Wording {
    templates: BTreeMap<&'static str, (Template, Template)>,
    tracks: Vec<events::TrackWithSubtopics>,
}

impl Wording {
    pub(super) async fn load(conn: &mut AsyncPgConnection, event: &Event) -> AppResult<Wording> {
        let mut templates = BTreeMap::new();
        for kind in EmailKind::ALL {
            let (subject, body, _) = template_text(conn, event, kind).await?;
            templates.insert(kind.as_str(), parse_template(&subject, &body)?);
        }
        let tracks = events::tracks_of(conn, event.id).await?;
        Ok(Wording { templates, tracks })
    }
}

/// Releases one locked proposal's current decision: its emails (one per speaker, deduplicated
/// per release round) and the audit row, in the caller's transaction. The release above and the
/// waitlist promotion both come through here. Returns how many emails were queued.
pub(super) async fn release_one(
    conn: &mut AsyncPgConnection,
    (key, base_url): (&SecretKey, &Url),
    event: &Event,
    wording: &Wording,
    proposal: &Proposal,
    actor: Option<UserId>,
) -> AppResult<usize> {
    let Some(decision) = proposal.decision else {
        return Ok(0);
    };
    // withdrawn proposals are never released (the query leaves them out already)
    let Ok(released) = proposal.state.after(Transition::Release(decision)) else {
        return Ok(0);
    };
    let kind = EmailKind::of(decision);
    let (subject, body) = &wording.templates[kind.as_str()];
    // the first release keeps the original key; later ones name the release they follow
    let round = proposal
        .released_at
        .map(|at| format!(":after:{}", at.timestamp_micros()))
        .unwrap_or_default();
    let mut queued = 0;
    for (to, address, content) in decision_emails(
        conn,
        base_url,
        event,
        proposal,
        &wording.tracks,
        subject,
        body,
    )
    .await?
    {
        let fresh = crate::mail::enqueue(
            conn,
            key,
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
            actor,
            action: "release",
            before: Some(proposal.state.as_str()),
            after: released.as_str(),
            note: "",
        },
    )
    .await?;
    Ok(queued)
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
    Ok(summarize(
        &proposals_db::decision_counts(conn, event.id).await?,
    ))
}

/// The summary from (decision, released decision, how many) counts of proposals not withdrawn.
pub fn summarize(counts: &[(Option<Decision>, Option<Decision>, i64)]) -> ReleaseSummary {
    let mut summary = ReleaseSummary::default();
    for &(decision, released, n) in counts {
        let Some(decision) = decision else {
            continue;
        };
        if released != Some(decision) {
            let n = n as usize;
            summary.unreleased += n;
            match decision {
                Decision::Accept => summary.accept += n,
                Decision::Reject => summary.reject += n,
                Decision::Waitlist => summary.waitlist += n,
            }
        }
    }
    summary
}
