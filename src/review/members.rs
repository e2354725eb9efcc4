//! Removing a member from an event, with their assignments (database).

use diesel_async::AsyncConnection;

use crate::db::events::{self, Event};
use crate::db::reviews as db;
use crate::domain::UserId;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Removes a member; their assignments in the event go, their reviews stay (shown as a former
/// reviewer's). One transaction.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn remove_member(state: &AppState, event: &Event, member: UserId) -> AppResult<bool> {
    let mut conn = state.pool.get().await?;
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        if !events::remove_member(conn, event_id, member).await? {
            return Ok(false);
        }
        db::remove_assignments_in_event(conn, event_id, member).await?;
        Ok(true)
    })
    .await
}
