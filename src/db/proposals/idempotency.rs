//! Idempotency keys of proposal submissions: claimed in the submission's transaction, with the
//! first response stored for replay.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::UserId;
use crate::schema::idempotency_keys;

pub enum IdempotencyClaim {
    /// First use of the key: go ahead, then `store_idempotent_response`.
    Fresh,
    /// Seen before with the same request: replay this.
    Replay {
        status: u16,
        body: serde_json::Value,
    },
    /// Seen before with a different request.
    Mismatch,
}

/// Claims the key inside the caller's transaction. A concurrent request with the same key waits
/// on the primary key until this transaction ends, then replays what it stored.
pub async fn claim_idempotency_key(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    key: &str,
    request_hash: &[u8],
) -> QueryResult<IdempotencyClaim> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::key.eq(key))
            .filter(idempotency_keys::created_at.lt(Utc::now() - chrono::Duration::hours(24))),
    )
    .execute(conn)
    .await?;
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(IdempotencyClaim::Fresh);
    }
    let (hash, status, body): (Vec<u8>, Option<i16>, Option<serde_json::Value>) =
        idempotency_keys::table
            .find((user_id, key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::response_status,
                idempotency_keys::response_body,
            ))
            .first(conn)
            .await?;
    Ok(match (hash == request_hash, status, body) {
        (true, Some(status), Some(body)) => IdempotencyClaim::Replay {
            status: status as u16,
            body,
        },
        _ => IdempotencyClaim::Mismatch,
    })
}

pub async fn store_idempotent_response(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((user_id, key)))
        .set((
            idempotency_keys::response_status.eq(status as i16),
            idempotency_keys::response_body.eq(body),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
