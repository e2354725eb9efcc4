//! What the similar-proposals index reads: the compared proposals, and a key that changes when
//! any of them does.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{EventId, ProposalId};

/// Which proposals are compared: the ones in the running or decided, not drafts or withdrawn.
const COMPARED: &str = "p.event_id = $1 AND p.state <> ALL ('{withdrawn,draft}')";

/// Changes whenever a compared proposal is added, edited, withdrawn or deleted: how many there
/// are, the latest change time and the sum of their edit versions (each edit bumps `version`).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct SimilarityKey {
    #[diesel(sql_type = BigInt)]
    pub proposals: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub changed: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub versions: i64,
}

/// One index-assisted aggregate over the event's proposals.
pub async fn similarity_key(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<SimilarityKey> {
    diesel::sql_query(format!(
        "SELECT count(*) AS proposals, max(p.updated_at) AS changed, \
         coalesce(sum(p.version), 0)::bigint AS versions FROM proposals p WHERE {COMPARED}"
    ))
    .bind::<Uuid, _>(event_id)
    .get_result(conn)
    .await
}

/// A compared proposal's words.
#[derive(Debug, Clone, QueryableByName)]
pub struct ComparedProposal {
    #[diesel(sql_type = Uuid)]
    pub id: ProposalId,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub abstract_text: String,
}

pub async fn compared_proposals(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<ComparedProposal>> {
    diesel::sql_query(format!(
        "SELECT p.id, p.title, p.abstract AS abstract_text FROM proposals p WHERE {COMPARED} \
         ORDER BY p.created_at, p.id"
    ))
    .bind::<Uuid, _>(event_id)
    .load(conn)
    .await
}
