//! Per-event roles: the members (chairs and reviewers) of an event, with their track
//! restrictions.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{EventId, UserId};
use crate::schema::event_members;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRoleKind {
    Chair,
    Reviewer,
}

impl EventRoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventRoleKind::Chair => "chair",
            EventRoleKind::Reviewer => "reviewer",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "chair" => Some(EventRoleKind::Chair),
            "reviewer" => Some(EventRoleKind::Reviewer),
            _ => None,
        }
    }
}

/// Adds the member or changes their role and track restriction.
pub async fn upsert_member(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    user_id: UserId,
    role: EventRoleKind,
    track_keys: Option<Vec<String>>,
) -> QueryResult<()> {
    diesel::insert_into(event_members::table)
        .values((
            event_members::event_id.eq(event_id),
            event_members::user_id.eq(user_id),
            event_members::role.eq(role.as_str()),
            event_members::tracks.eq(&track_keys),
        ))
        .on_conflict((event_members::event_id, event_members::user_id))
        .do_update()
        .set((
            event_members::role.eq(role.as_str()),
            event_members::tracks.eq(&track_keys),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn member_role(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    user_id: UserId,
) -> QueryResult<Option<(EventRoleKind, Option<Vec<String>>)>> {
    let row: Option<(String, Option<Vec<String>>)> = event_members::table
        .filter(event_members::event_id.eq(event_id))
        .filter(event_members::user_id.eq(user_id))
        .select((event_members::role, event_members::tracks))
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(role, tracks)| EventRoleKind::parse(&role).map(|r| (r, tracks))))
}

/// Removes the member; false when the user was not one.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    user_id: UserId,
) -> QueryResult<bool> {
    let removed = diesel::delete(
        event_members::table
            .filter(event_members::event_id.eq(event_id))
            .filter(event_members::user_id.eq(user_id)),
    )
    .execute(conn)
    .await?;
    Ok(removed == 1)
}

#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: String,
    pub tracks: Option<Vec<String>>,
}

pub async fn members_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<MemberRow>> {
    use crate::schema::users;
    event_members::table
        .inner_join(users::table)
        .filter(event_members::event_id.eq(event_id))
        .order((event_members::role.asc(), users::name.asc()))
        .select((
            users::id,
            users::name,
            users::email,
            event_members::role,
            event_members::tracks,
        ))
        .load(conn)
        .await
}

/// The user's roles across events, as (event slug, role), by slug: where signing in lands them.
pub async fn roles_of_user(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<(String, EventRoleKind)>> {
    use crate::schema::events;
    let rows: Vec<(String, String)> = event_members::table
        .inner_join(events::table)
        .filter(event_members::user_id.eq(user_id))
        .order(events::slug.asc())
        .select((events::slug, event_members::role))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(slug, role)| EventRoleKind::parse(&role).map(|r| (slug, r)))
        .collect())
}
