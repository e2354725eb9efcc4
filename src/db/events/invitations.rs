//! Invitations to become a member of an event, sent by email to people without an account yet.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::EventRoleKind;
use crate::domain::{EventId, UserId};
use crate::schema::member_invitations;

/// Creates the open invitation for this email, or updates its role and tracks (keeping its token,
/// so the link already sent stays valid). Returns the invitation id and whether it is new.
pub struct NewMemberInvitation<'a> {
    pub event_id: EventId,
    pub email: &'a str,
    pub email_normalized: &'a str,
    pub role: EventRoleKind,
    pub tracks: Option<Vec<String>>,
    pub token_hash: &'a [u8],
    pub invited_by: UserId,
}

pub async fn upsert_member_invitation(
    conn: &mut AsyncPgConnection,
    invitation: NewMemberInvitation<'_>,
) -> QueryResult<(uuid::Uuid, bool)> {
    let NewMemberInvitation {
        event_id,
        email,
        email_normalized,
        role,
        tracks: track_keys,
        token_hash,
        invited_by,
    } = invitation;
    let existing: Option<uuid::Uuid> = member_invitations::table
        .filter(member_invitations::event_id.eq(event_id))
        .filter(member_invitations::email_normalized.eq(email_normalized))
        .filter(member_invitations::accepted_at.is_null())
        .select(member_invitations::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    if let Some(id) = existing {
        diesel::update(member_invitations::table.find(id))
            .set((
                member_invitations::role.eq(role.as_str()),
                member_invitations::tracks.eq(&track_keys),
            ))
            .execute(conn)
            .await?;
        return Ok((id, false));
    }
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(member_invitations::table)
        .values((
            member_invitations::id.eq(id),
            member_invitations::event_id.eq(event_id),
            member_invitations::email.eq(email),
            member_invitations::email_normalized.eq(email_normalized),
            member_invitations::role.eq(role.as_str()),
            member_invitations::tracks.eq(&track_keys),
            member_invitations::token_hash.eq(token_hash),
            member_invitations::invited_by.eq(Some(invited_by)),
        ))
        .execute(conn)
        .await?;
    Ok((id, true))
}

#[derive(Debug, Clone, Queryable)]
pub struct MemberInvitation {
    pub id: uuid::Uuid,
    pub event_id: EventId,
    pub role: String,
    pub tracks: Option<Vec<String>>,
    pub accepted_by: Option<UserId>,
}

pub async fn find_member_invitation(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<MemberInvitation>> {
    member_invitations::table
        .filter(member_invitations::token_hash.eq(token_hash))
        .select((
            member_invitations::id,
            member_invitations::event_id,
            member_invitations::role,
            member_invitations::tracks,
            member_invitations::accepted_by,
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn mark_member_invitation_accepted(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    user_id: UserId,
) -> QueryResult<()> {
    diesel::update(
        member_invitations::table
            .find(id)
            .filter(member_invitations::accepted_at.is_null()),
    )
    .set((
        member_invitations::accepted_at.eq(Utc::now()),
        member_invitations::accepted_by.eq(Some(user_id)),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Open invitations: (email, role, tracks).
pub async fn open_member_invitations(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(String, String, Option<Vec<String>>)>> {
    member_invitations::table
        .filter(member_invitations::event_id.eq(event_id))
        .filter(member_invitations::accepted_at.is_null())
        .order(member_invitations::created_at.asc())
        .select((
            member_invitations::email,
            member_invitations::role,
            member_invitations::tracks,
        ))
        .load(conn)
        .await
}
