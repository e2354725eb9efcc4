//! Reviewers' progress (done/assigned) and the reminders emailed to those with pending reviews
//! (database, outbox).

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use utoipa::ToSchema;

use super::ranking_cache::{RankedEvent, compute_now};
use crate::accounts::CurrentUser;
use crate::accounts::policy::track_allows_track;
use crate::db::events::{Event, EventRoleKind};
use crate::db::ranking as db;
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
    /// Titles still waiting for a review (filled for reminders only).
    #[serde(skip)]
    pub pending_titles: Vec<String>,
}

/// Done/assigned per reviewer of the event (chairs with assignments included), from the ranked
/// event's per-reviewer, per-track counts (conflicted assignments never counted there), summed
/// over the tracks each member may review: the queue's rule, so that a reminder never names a
/// proposal they can no longer see (conflicted, withdrawn, or moved out of their tracks).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn reviewer_progress(
    conn: &mut AsyncPgConnection,
    event: &Event,
    ranked: &RankedEvent,
) -> AppResult<Vec<ReviewerProgress>> {
    let members = db::members_of_event(conn, event.id).await?;
    Ok(members
        .into_iter()
        .filter_map(|m| {
            let (mut assigned, mut done) = (0, 0);
            for (track, (a, d)) in ranked.reviewer_counts.get(&m.user_id).into_iter().flatten() {
                if track_allows_track(m.tracks.as_deref(), track.as_deref()) {
                    assigned += a;
                    done += d;
                }
            }
            if m.role != EventRoleKind::Reviewer.as_str() && assigned == 0 {
                return None;
            }
            Some(ReviewerProgress {
                id: m.user_id.0,
                email: m.email,
                name: m.name,
                tracks: m.tracks,
                assigned,
                done,
                pending_titles: Vec::new(),
            })
        })
        .collect())
}

/// `reviewer_progress` with the titles each reviewer still has to review (for reminders).
async fn progress_with_pending(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> AppResult<Vec<ReviewerProgress>> {
    let ranked = compute_now(conn, event.id).await?;
    let mut progress = reviewer_progress(conn, event, &ranked).await?;
    let conflicted: HashSet<(UserId, ProposalId)> = ranked
        .conflicted_assignments
        .iter()
        .map(|(r, p, _)| (*r, *p))
        .collect();
    let mut pending: HashMap<UserId, Vec<String>> = HashMap::new();
    for (reviewer, proposal, title) in db::pending_reviews(conn, event.id).await? {
        if !conflicted.contains(&(reviewer, proposal)) {
            pending.entry(reviewer).or_default().push(title);
        }
    }
    for p in &mut progress {
        p.pending_titles = pending.remove(&UserId(p.id)).unwrap_or_default();
    }
    Ok(progress)
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
    let progress = progress_with_pending(&mut conn, event).await?;
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
