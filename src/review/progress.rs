//! Reviewers' progress (done/assigned) and the reminders emailed to those with pending reviews
//! (database, outbox).

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use utoipa::ToSchema;

use super::active_proposals;
use crate::accounts::CurrentUser;
use crate::accounts::policy::{event_conflicts, track_allows};
use crate::db::events::{self, Event, EventRoleKind};
use crate::db::proposals::Proposal;
use crate::db::reviews as db;
use crate::domain::conflicts::ReviewerIdentity;
use crate::domain::{ProposalId, UserId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewerProgress {
    pub id: uuid::Uuid,
    pub name: String,
    pub email: String,
    pub tracks: Option<Vec<String>>,
    /// Assignments counted: not withdrawn, not conflicted, within the member's tracks.
    pub assigned: usize,
    /// Of those, reviewed.
    pub done: usize,
    /// Titles still waiting for a review.
    #[serde(skip)]
    pub pending_titles: Vec<String>,
}

/// Done/assigned per reviewer of the event (chairs with assignments included).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn reviewer_progress(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> AppResult<Vec<ReviewerProgress>> {
    let members = db::member_identities(conn, event.id).await?;
    let proposals = active_proposals(conn, event).await?;
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let identities: Vec<ReviewerIdentity> = members.iter().map(|m| m.0.clone()).collect();
    let conflicted = event_conflicts(conn, event, &ids, &identities).await?;
    let by_id: HashMap<ProposalId, &Proposal> = proposals.iter().map(|p| (p.id, p)).collect();
    let reviewed: HashSet<(UserId, ProposalId)> = db::reviews_of_event(conn, event.id)
        .await?
        .into_iter()
        .map(|r| (r.reviewer_id, r.proposal_id))
        .collect();
    let assignments = db::assignments_of_event(conn, event.id).await?;
    let emails: HashMap<UserId, String> = events::members_of(conn, event.id)
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.email))
        .collect();
    Ok(members
        .into_iter()
        .filter_map(|(identity, role, tracks, name)| {
            // what the member may review: the queue's rule, so that a reminder never names a
            // proposal they can no longer see (conflicted, withdrawn, or moved out of their tracks)
            let mine: Vec<ProposalId> = assignments
                .iter()
                .filter(|(r, p)| {
                    *r == identity.id
                        && by_id
                            .get(p)
                            .is_some_and(|proposal| track_allows(tracks.as_deref(), proposal))
                        && !conflicted.contains_key(&(*r, *p))
                })
                .map(|(_, p)| *p)
                .collect();
            if role != EventRoleKind::Reviewer.as_str() && mine.is_empty() {
                return None;
            }
            let pending_titles: Vec<String> = mine
                .iter()
                .filter(|p| !reviewed.contains(&(identity.id, **p)))
                .filter_map(|p| by_id.get(p).map(|proposal| proposal.title.clone()))
                .collect();
            Some(ReviewerProgress {
                id: identity.id.0,
                email: emails.get(&identity.id).cloned().unwrap_or_default(),
                name,
                tracks,
                assigned: mine.len(),
                done: mine.len() - pending_titles.len(),
                pending_titles,
            })
        })
        .collect())
}

/// Emails every reviewer with pending reviews (or just `only`), through the outbox in one
/// transaction. A second click within the same minute queues nothing new.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn remind(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    only: Option<UserId>,
) -> AppResult<usize> {
    let mut conn = state.pool.get().await?;
    let progress = reviewer_progress(&mut conn, event).await?;
    if let Some(id) = only
        && !progress.iter().any(|p| p.id == id.0)
    {
        return Err(AppError::Validation(FieldErrors::single(
            "reviewer_id",
            "is not a reviewer of this event",
        )));
    }
    let link = state
        .base_url
        .join(&format!("events/{}/review", event.slug))
        .map_err(AppError::internal)?
        .to_string();
    let closes = event
        .review_closes_at
        .map(|at| crate::time::in_zone(at, &event.time_zone));
    let minute = Utc::now().timestamp() / 60;
    let mut emails = Vec::new();
    for p in progress
        .into_iter()
        .filter(|p| !p.pending_titles.is_empty() && only.is_none_or(|id| id.0 == p.id))
    {
        let content = crate::mail::templates::ReviewReminder {
            name: p.name.clone(),
            chair: chair.name.clone(),
            event_title: event.title.clone(),
            pending: p.pending_titles.clone(),
            closes: closes.clone(),
            link: link.clone(),
        }
        .render()
        .map_err(AppError::internal)?;
        emails.push((p, content));
    }
    let key = state.settings.secret_key.clone();
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let mut queued = 0;
        for (p, content) in emails {
            let fresh = crate::mail::enqueue(
                conn,
                &key,
                crate::mail::OutgoingEmail {
                    dedupe_key: format!("review-reminder:{event_id}:{}:{minute}", p.id),
                    kind: "review_reminder",
                    event_id: Some(event_id),
                    proposal_id: None,
                    to: crate::mail::mailbox_text(&p.name, &p.email),
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
