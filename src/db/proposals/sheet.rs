//! What the chairs' proposals CSV reads: every submitted proposal of an event (drafts live in
//! their own table) and the affiliations of their speakers.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Proposal;
use crate::domain::{EventId, UserId};
use crate::schema::{proposals, users};

/// Every proposal of the event, withdrawn ones included, oldest first.
pub async fn all_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<Proposal>> {
    proposals::table
        .filter(proposals::event_id.eq(event_id))
        .order((proposals::created_at, proposals::id))
        .select(Proposal::as_select())
        .load(conn)
        .await
}

/// The affiliation of each of these users (empty when they gave none).
pub async fn affiliations_of(
    conn: &mut AsyncPgConnection,
    ids: &[UserId],
) -> QueryResult<HashMap<UserId, String>> {
    let rows: Vec<(UserId, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::affiliation))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}
