//! Finding a proposal for an action (below `proposals` and `review`, which both need it): locked with its event, as one of its speakers, or as whoever
//! may see it (404 for everyone else: no existence leak).

use diesel_async::AsyncPgConnection;

use crate::accounts::CurrentUser;
use crate::db::events::{self, Event};
use crate::db::proposals::{self as db, Proposal};
use crate::domain::ProposalId;
use crate::error::{AppError, AppResult};

/// The proposal, locked for the rest of the transaction, and its event; 404 when there is none.
/// The event's row is locked first (`db::reviews::lock_event` says why).
#[tracing::instrument(skip_all)]
pub async fn lock_with_event(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
) -> Result<(Proposal, Event), AppError> {
    let event_id = db::event_of(conn, id).await?.ok_or(AppError::NotFound)?;
    crate::db::reviews::lock_event(conn, event_id).await?;
    let proposal = db::find_for_update(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((proposal, event))
}

/// The proposal, locked, if the user is one of its speakers; 404 otherwise (no existence leak).
pub(crate) async fn speaker_proposal_for_update(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<(Proposal, Event), AppError> {
    let (proposal, event) = lock_with_event(conn, id).await?;
    if !db::is_speaker(conn, &proposal, user.id).await? {
        return Err(AppError::NotFound);
    }
    Ok((proposal, event))
}

/// The proposal and its event if the caller may see it; 404 for everyone else.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn visible_proposal(
    conn: &mut diesel_async::AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> AppResult<(Proposal, Event, crate::accounts::policy::ProposalAccess)> {
    let proposal = crate::db::proposals::find(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = crate::db::events::find_by_id(conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = crate::accounts::policy::proposal_access(conn, &event, &proposal, user)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((proposal, event, access))
}
