//! A proposal's revisions: what each edit changed, and by whom.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{ProposalId, UserId};
use crate::schema::{proposal_revisions, users};

pub async fn insert_revision(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    author_id: UserId,
    changes: &serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(proposal_revisions::table)
        .values((
            proposal_revisions::id.eq(uuid::Uuid::now_v7()),
            proposal_revisions::proposal_id.eq(proposal_id),
            proposal_revisions::author_id.eq(author_id),
            proposal_revisions::changes.eq(changes),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable)]
pub struct Revision {
    pub author_name: String,
    pub changes: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub async fn revisions_of(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
) -> QueryResult<Vec<Revision>> {
    proposal_revisions::table
        .inner_join(users::table.on(users::id.eq(proposal_revisions::author_id)))
        .filter(proposal_revisions::proposal_id.eq(proposal_id))
        .order(proposal_revisions::created_at.asc())
        .select((
            users::name,
            proposal_revisions::changes,
            proposal_revisions::created_at,
        ))
        .load(conn)
        .await
}
