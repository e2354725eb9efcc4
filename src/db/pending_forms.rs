//! Forms posted without a valid session or CSRF token (`pending_forms`): their fields, sealed,
//! kept a few hours under the hash of a random token so that they can be restored into the form
//! after sign-in. Never acted on: only shown again.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::UserId;
use crate::schema::pending_forms;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pending_forms)]
pub struct PendingForm {
    pub token_hash: Vec<u8>,
    pub user_id: Option<UserId>,
    pub target: String,
    pub sealed: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

/// Keeps a posted form; expired ones are cleared on the way.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    user_id: Option<UserId>,
    target: &str,
    sealed: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(pending_forms::table.filter(pending_forms::expires_at.lt(Utc::now())))
        .execute(conn)
        .await?;
    diesel::insert_into(pending_forms::table)
        .values((
            pending_forms::token_hash.eq(token_hash),
            pending_forms::user_id.eq(user_id),
            pending_forms::target.eq(target),
            pending_forms::sealed.eq(sealed),
            pending_forms::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Takes the form (deleting it) if it exists, has not expired, belongs to `target` and was
/// posted anonymously or by `user`.
pub async fn take(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    target: &str,
    user: UserId,
) -> QueryResult<Option<PendingForm>> {
    diesel::delete(
        pending_forms::table
            .filter(pending_forms::token_hash.eq(token_hash))
            .filter(pending_forms::target.eq(target))
            .filter(pending_forms::expires_at.gt(Utc::now()))
            .filter(
                pending_forms::user_id
                    .is_null()
                    .or(pending_forms::user_id.eq(user)),
            ),
    )
    .returning(PendingForm::as_returning())
    .get_result(conn)
    .await
    .optional()
}
