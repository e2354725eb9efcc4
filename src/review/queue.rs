//! The reviewer's queue and the reviewer's proposal list: what a member may review in an
//! event, a page at a time (database). SQL chooses and orders the candidates; conflicts are
//! judged by the one rule set (`accounts::policy::event_conflicts`) on each page's candidates.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{event_access, event_conflicts};
use crate::db::events::{self, Event, EventRoleKind};
use crate::db::proposals::{self as proposals_db, ListFilter, ListScope, Proposal};
use crate::db::reviews::{self as db, QueueKey, QueueScope};
use crate::domain::conflicts::ReviewerIdentity;
use crate::domain::{ProposalId, UserId};
use crate::error::{AppError, AppResult};

/// Candidates fetched beyond a page, so that a conflicted one or two do not cost a second round.
const SLACK: i64 = 8;

/// Whose queue: their scope in SQL and their identity for the conflict rules; `None` for a
/// non-member (or an unknown user), who may review nothing.
async fn scope_of(
    conn: &mut AsyncPgConnection,
    event: &Event,
    user_id: UserId,
) -> AppResult<Option<(QueueScope, ReviewerIdentity)>> {
    let Some((role, tracks)) = events::member_role(conn, event.id, user_id).await? else {
        return Ok(None);
    };
    let Some(identity) = db::user_identity(conn, user_id).await? else {
        return Ok(None);
    };
    let scope = QueueScope {
        event_id: event.id,
        reviewer_id: user_id,
        see_all: event.reviewers_see_all && role == EventRoleKind::Reviewer,
        tracks,
    };
    Ok(Some((scope, identity)))
}

/// Those of `ids` the member is conflicted with.
async fn conflicted_among(
    conn: &mut AsyncPgConnection,
    event: &Event,
    identity: &ReviewerIdentity,
    ids: &[ProposalId],
) -> AppResult<HashSet<ProposalId>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let conflicts = event_conflicts(conn, event, ids, std::slice::from_ref(identity)).await?;
    Ok(conflicts
        .into_keys()
        .filter(|(reviewer, _)| *reviewer == identity.id)
        .map(|(_, proposal)| proposal)
        .collect())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueItem {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    pub track: Option<String>,
    pub format: String,
    pub assigned: bool,
    /// The caller's score, once reviewed.
    pub my_score: Option<i16>,
}

/// One page of a queue and the cursor of the next (`None` on the last page).
#[derive(Debug)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next_cursor: Option<String>,
}

/// The opaque cursor naming a queue row: its segment and (created_at, id).
pub fn encode_queue_cursor(key: QueueKey) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "q{}|{}|{}",
        key.segment,
        key.created_at.timestamp_micros(),
        key.id
    ))
}

/// A cursor `encode_queue_cursor` made; `None` for anything else.
pub fn decode_queue_cursor(text: &str) -> Option<QueueKey> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let mut parts = text.strip_prefix('q')?.splitn(3, '|');
    let segment: i32 = parts.next()?.parse().ok()?;
    if !(0..=3).contains(&segment) {
        return None;
    }
    let created_at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
    let id = parts.next()?.parse().ok()?;
    Some(QueueKey {
        segment,
        created_at,
        id,
    })
}

/// What a reviewer has to review in the event, a page of at most `limit` after `after`:
/// pending before done, assigned before merely visible, then oldest first. Never withdrawn,
/// conflicted or outside the member's tracks; for a reviewer the assigned proposals, or every
/// one when the event lets reviewers review anything; for a chair the ones assigned to them.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, user.id = %user.id))]
pub async fn queue(
    conn: &mut AsyncPgConnection,
    event: &Event,
    user: &CurrentUser,
    limit: i64,
    after: Option<QueueKey>,
) -> AppResult<QueuePage> {
    if event_access(conn, event, user).await?.role.is_none() {
        return Err(AppError::Forbidden(
            "only this event's reviewers have a review queue".into(),
        ));
    }
    let Some((scope, identity)) = scope_of(conn, event, user.id).await? else {
        return Ok(QueuePage {
            items: Vec::new(),
            next_cursor: None,
        });
    };
    // one more than asked tells whether there is a next page
    let mut kept: Vec<db::QueueRow> = Vec::new();
    let mut cursor = after;
    loop {
        let fetch = limit + 1 - kept.len() as i64 + SLACK;
        let rows = db::queue_candidates(conn, &scope, cursor, fetch).await?;
        let exhausted = (rows.len() as i64) < fetch;
        cursor = rows.last().map(db::QueueRow::key).or(cursor);
        let ids: Vec<ProposalId> = rows.iter().map(|r| ProposalId(r.id)).collect();
        let conflicted = conflicted_among(conn, event, &identity, &ids).await?;
        kept.extend(
            rows.into_iter()
                .filter(|r| !conflicted.contains(&ProposalId(r.id))),
        );
        if kept.len() as i64 > limit || exhausted {
            break;
        }
    }
    let next_cursor = if kept.len() as i64 > limit {
        kept.truncate(limit as usize);
        kept.last().map(|r| encode_queue_cursor(r.key()))
    } else {
        None
    };
    let items = kept
        .into_iter()
        .map(|r| QueueItem {
            proposal_id: r.id,
            title: r.title,
            track: r.track,
            format: r.format,
            assigned: r.segment % 2 == 0,
            my_score: r.my_score,
        })
        .collect();
    Ok(QueuePage { items, next_cursor })
}

/// The member's progress on their assigned proposals (not withdrawn, within their tracks, not
/// conflicted): (reviewed, assigned). O(the member's assignments).
pub async fn assigned_progress(
    conn: &mut AsyncPgConnection,
    event: &Event,
    user_id: UserId,
) -> AppResult<(usize, usize)> {
    let Some((scope, identity)) = scope_of(conn, event, user_id).await? else {
        return Ok((0, 0));
    };
    let assigned = db::assigned_in_event(conn, &scope).await?;
    let ids: Vec<ProposalId> = assigned.iter().map(|(id, _)| *id).collect();
    let conflicted = conflicted_among(conn, event, &identity, &ids).await?;
    let counted = assigned.iter().filter(|(id, _)| !conflicted.contains(id));
    let (done, total) = counted.fold((0, 0), |(done, total), (_, reviewed)| {
        (done + usize::from(*reviewed), total + 1)
    });
    Ok((done, total))
}

/// A page of the event's proposals as a reviewer lists them (`GET /events/{slug}/proposals`),
/// in the list's keyset order (created_at, id): those they may review (as in the queue, not
/// conflicted) and their own as a speaker (`own`, which conflicts do not hide). At most
/// `filter.limit` rows; the caller asks one more than it shows to learn of a next page.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, user.id = %user_id))]
pub async fn reviewer_list(
    conn: &mut AsyncPgConnection,
    event: &Event,
    user_id: UserId,
    own: &[ProposalId],
    filter: ListFilter<'_>,
) -> AppResult<Vec<Proposal>> {
    let (scope, identity) = match scope_of(conn, event, user_id).await? {
        Some((scope, identity)) => (
            ListScope::Reviewer {
                user_id,
                see_all: scope.see_all,
                tracks: scope.tracks,
            },
            Some(identity),
        ),
        None => (ListScope::SpeakerOf(user_id), None),
    };
    let mut kept: Vec<Proposal> = Vec::new();
    let mut after = filter.after;
    loop {
        let fetch = filter.limit - kept.len() as i64 + SLACK;
        let rows = proposals_db::list(
            conn,
            event.id,
            scope.clone(),
            ListFilter {
                track: filter.track,
                state: filter.state,
                needs_check: filter.needs_check,
                after,
                limit: fetch,
            },
        )
        .await?;
        let exhausted = (rows.len() as i64) < fetch;
        after = rows.last().map(|p| (p.created_at, p.id)).or(after);
        let candidates: Vec<ProposalId> = rows
            .iter()
            .map(|p| p.id)
            .filter(|id| !own.contains(id))
            .collect();
        let conflicted = match &identity {
            Some(identity) => conflicted_among(conn, event, identity, &candidates).await?,
            None => HashSet::new(),
        };
        kept.extend(rows.into_iter().filter(|p| !conflicted.contains(&p.id)));
        if kept.len() as i64 >= filter.limit || exhausted {
            break;
        }
    }
    kept.truncate(filter.limit as usize);
    Ok(kept)
}

/// After saving a review of `after`: the event's slug and the first proposal still waiting
/// for the user's review in their queue (assigned first, then oldest), if any.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %after))]
pub async fn next_to_review(
    state: &crate::state::AppState,
    user: &CurrentUser,
    after: ProposalId,
) -> AppResult<(String, Option<ProposalId>)> {
    let mut conn = state.pool.get().await?;
    let (_, event, _) =
        crate::accounts::proposal_access::visible_proposal(&mut conn, user, after).await?;
    let page = queue(&mut conn, &event, user, 2, None).await?;
    let next = page
        .items
        .iter()
        .find(|item| item.my_score.is_none() && item.proposal_id != after.0)
        .map(|item| ProposalId(item.proposal_id));
    Ok((event.slug, next))
}
