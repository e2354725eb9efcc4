//! Users, sessions, personal API tokens and password resets.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{ApiTokenId, SessionId, UserId};
use crate::schema::{
    api_tokens, email_changes, event_members, events, password_resets, sessions, users,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub email_normalized: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
}

pub enum InsertOutcome<T> {
    Inserted(T),
    Duplicate,
}

pub async fn insert_user(
    conn: &mut AsyncPgConnection,
    new: NewUser<'_>,
) -> QueryResult<InsertOutcome<User>> {
    let inserted = diesel::insert_into(users::table)
        .values(&new)
        .on_conflict(users::email_normalized)
        .do_nothing()
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    Ok(match inserted {
        Some(user) => InsertOutcome::Inserted(user),
        None => InsertOutcome::Duplicate,
    })
}

pub async fn find_by_email(
    conn: &mut AsyncPgConnection,
    email_normalized: &str,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email_normalized.eq(email_normalized))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn set_password(
    conn: &mut AsyncPgConnection,
    id: UserId,
    password_hash: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_admin(
    conn: &mut AsyncPgConnection,
    id: UserId,
    is_admin: bool,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::is_admin.eq(is_admin))
        .execute(conn)
        .await
        .map(|_| ())
}

// ---- sessions (web cookie and API login tokens) ----

pub async fn insert_session(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    user_agent: Option<&str>,
) -> QueryResult<SessionId> {
    let id = SessionId::new();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::token_hash.eq(token_hash),
            sessions::expires_at.eq(expires_at),
            sessions::user_agent.eq(user_agent),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Activity is recorded at most this often: most requests then read their session or token
/// without writing to it.
const TOUCH_EVERY_MINUTES: i64 = 5;

/// The live (unrevoked, unexpired) session with this token hash, and its user; records activity
/// on it when the last record is older than five minutes (one statement on most requests).
pub async fn find_live_session(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<(SessionId, User)>> {
    let found: Option<(SessionId, DateTime<Utc>, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select((sessions::id, sessions::last_seen_at, User::as_select()))
        .first(conn)
        .await
        .optional()?;
    let Some((id, last_seen_at, user)) = found else {
        return Ok(None);
    };
    let stale_before = now - chrono::Duration::minutes(TOUCH_EVERY_MINUTES);
    if last_seen_at < stale_before {
        diesel::update(
            sessions::table
                .find(id)
                .filter(sessions::last_seen_at.lt(stale_before)),
        )
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .await?;
    }
    Ok(Some((id, user)))
}

pub async fn revoke_session(conn: &mut AsyncPgConnection, id: SessionId) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Revokes the live session with this token hash, if any (the one a browser held before a new
/// sign-in).
pub async fn revoke_session_by_token_hash(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
}

pub async fn revoke_all_sessions(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
}

pub async fn revoke_all_api_tokens(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
}

// ---- personal API tokens ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_api_token(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    name: &str,
    token_hash: &[u8],
    expires_at: Option<DateTime<Utc>>,
) -> QueryResult<ApiToken> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(ApiTokenId::new()),
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::expires_at.eq(expires_at),
        ))
        .returning(ApiToken::as_returning())
        .get_result(conn)
        .await
}

pub async fn list_api_tokens(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at.desc())
        .select(ApiToken::as_select())
        .load(conn)
        .await
}

pub async fn find_live_api_token(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<(ApiTokenId, User)>> {
    let found = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .select((api_tokens::id, api_tokens::last_used_at, User::as_select()))
        .first::<(ApiTokenId, Option<DateTime<Utc>>, User)>(conn)
        .await
        .optional()?;
    let Some((id, last_used_at, user)) = found else {
        return Ok(None);
    };
    // a write per request would cost a WAL flush on every API call: record use every 5 minutes
    let stale_before = now - chrono::Duration::minutes(TOUCH_EVERY_MINUTES);
    if last_used_at.is_none_or(|at| at < stale_before) {
        diesel::update(
            api_tokens::table.find(id).filter(
                api_tokens::last_used_at
                    .is_null()
                    .or(api_tokens::last_used_at.lt(stale_before)),
            ),
        )
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)
        .await?;
    }
    Ok(Some((id, user)))
}

/// Revokes the user's own token; false when there is no such live token of theirs.
pub async fn revoke_api_token(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    id: ApiTokenId,
) -> QueryResult<bool> {
    let changed = diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

// ---- password resets ----

pub async fn insert_password_reset(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(id),
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq(token_hash),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Marks the reset used and returns its user, if the token is live. Single use: the UPDATE
/// only matches an unused row, so two concurrent uses cannot both succeed.
pub async fn consume_password_reset(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<UserId>> {
    diesel::update(
        password_resets::table
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    )
    .set(password_resets::used_at.eq(now))
    .returning(password_resets::user_id)
    .get_result(conn)
    .await
    .optional()
}

/// Uses up every outstanding reset link of the user (after a successful reset).
pub async fn expire_password_resets(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(Utc::now()))
    .execute(conn)
    .await
}

/// When the user's newest reset link was made, if any.
pub async fn latest_password_reset(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Option<DateTime<Utc>>> {
    password_resets::table
        .filter(password_resets::user_id.eq(user_id))
        .select(diesel::dsl::max(password_resets::created_at))
        .first(conn)
        .await
}

pub async fn password_reset_is_live(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let found: Option<uuid::Uuid> = password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select(password_resets::id)
        .first(conn)
        .await
        .optional()?;
    Ok(found.is_some())
}

// ---- roles ----

#[derive(Debug, Clone, Queryable)]
pub struct EventRole {
    pub event_slug: String,
    pub role: String,
    pub tracks: Option<Vec<String>>,
}

pub async fn event_roles(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<EventRole>> {
    event_members::table
        .inner_join(events::table)
        .filter(event_members::user_id.eq(user_id))
        .order(events::slug.asc())
        .select((events::slug, event_members::role, event_members::tracks))
        .load(conn)
        .await
}

// ---- account changes: name, email ----

pub async fn set_name(conn: &mut AsyncPgConnection, id: UserId, name: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::name.eq(name), users::updated_at.eq(Utc::now())))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Sets the address; false when another account has it (the unique normalized address).
pub async fn set_email(
    conn: &mut AsyncPgConnection,
    id: UserId,
    email: &str,
    email_normalized: &str,
) -> QueryResult<bool> {
    let taken: Option<UserId> = users::table
        .filter(users::email_normalized.eq(email_normalized))
        .filter(users::id.ne(id))
        .select(users::id)
        .first(conn)
        .await
        .optional()?;
    if taken.is_some() {
        return Ok(false);
    }
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(email),
            users::email_normalized.eq(email_normalized),
            users::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    Ok(true)
}

/// Signs out every session of the user but `keep` (after a password change).
pub async fn revoke_other_sessions(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    keep: Option<SessionId>,
) -> QueryResult<usize> {
    let Some(keep) = keep else {
        return revoke_all_sessions(conn, user_id).await;
    };
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set(sessions::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
}

pub async fn insert_email_change(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    new_email: &str,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(email_changes::table)
        .values((
            email_changes::id.eq(id),
            email_changes::user_id.eq(user_id),
            email_changes::new_email.eq(new_email),
            email_changes::token_hash.eq(token_hash),
            email_changes::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Marks the user's live change with this token used and returns its new address. Single use:
/// the UPDATE only matches an unused, unexpired row of this very user.
pub async fn consume_email_change(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<String>> {
    diesel::update(
        email_changes::table
            .filter(email_changes::token_hash.eq(token_hash))
            .filter(email_changes::user_id.eq(user_id))
            .filter(email_changes::used_at.is_null())
            .filter(email_changes::expires_at.gt(now)),
    )
    .set(email_changes::used_at.eq(now))
    .returning(email_changes::new_email)
    .get_result(conn)
    .await
    .optional()
}

/// Uses up the user's other outstanding email change links (a newer request or a change done).
pub async fn expire_email_changes(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<usize> {
    diesel::update(
        email_changes::table
            .filter(email_changes::user_id.eq(user_id))
            .filter(email_changes::used_at.is_null()),
    )
    .set(email_changes::used_at.eq(Utc::now()))
    .execute(conn)
    .await
}
