//! Invitations to become a member of an event, sent by email to people without an account yet.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::EventRoleKind;
use crate::domain::{EventId, UserId};
use crate::schema::member_invitations;

/// What inviting an email writes: its open invitation, with a fresh token's hash.
pub struct NewMemberInvitation<'a> {
    pub event_id: EventId,
    pub email: &'a str,
    pub email_normalized: &'a str,
    pub role: EventRoleKind,
    pub tracks: Option<Vec<String>>,
    pub token_hash: &'a [u8],
    pub invited_by: UserId,
}

/// Creates the open invitation for this email, or renews the open one: its role, tracks and
/// inviter become these, and its token hash this one, so the link emailed before stops working.
/// One statement on the one-open-invitation index (`member_invitations_open`): two chairs
/// inviting the same email at once leave one row, the second renewing the first's. Returns the
/// invitation id and whether it is new.
pub async fn upsert_member_invitation(
    conn: &mut AsyncPgConnection,
    invitation: NewMemberInvitation<'_>,
) -> QueryResult<(uuid::Uuid, bool)> {
    use diesel::upsert::{DecoratableTarget, excluded};
    let NewMemberInvitation {
        event_id,
        email,
        email_normalized,
        role,
        tracks: track_keys,
        token_hash,
        invited_by,
    } = invitation;
    let new_id = uuid::Uuid::now_v7();
    let id: uuid::Uuid = diesel::insert_into(member_invitations::table)
        .values((
            member_invitations::id.eq(new_id),
            member_invitations::event_id.eq(event_id),
            member_invitations::email.eq(email),
            member_invitations::email_normalized.eq(email_normalized),
            member_invitations::role.eq(role.as_str()),
            member_invitations::tracks.eq(&track_keys),
            member_invitations::token_hash.eq(token_hash),
            member_invitations::invited_by.eq(Some(invited_by)),
        ))
        .on_conflict((
            member_invitations::event_id,
            member_invitations::email_normalized,
        ))
        .filter_target(member_invitations::accepted_at.is_null())
        .do_update()
        .set((
            member_invitations::role.eq(excluded(member_invitations::role)),
            member_invitations::tracks.eq(excluded(member_invitations::tracks)),
            member_invitations::token_hash.eq(excluded(member_invitations::token_hash)),
            member_invitations::invited_by.eq(excluded(member_invitations::invited_by)),
        ))
        .returning(member_invitations::id)
        .get_result(conn)
        .await?;
    Ok((id, id == new_id))
}

/// Deletes the event's open invitation `id` (its link stops working); false when the event has
/// no open invitation `id` (see [`member_invitation_accepted`] for why).
pub async fn delete_open_member_invitation(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    id: uuid::Uuid,
) -> QueryResult<bool> {
    let deleted = diesel::delete(
        member_invitations::table
            .find(id)
            .filter(member_invitations::event_id.eq(event_id))
            .filter(member_invitations::accepted_at.is_null()),
    )
    .execute(conn)
    .await?;
    Ok(deleted == 1)
}

/// Whether the event's invitation `id` was accepted; None when the event has none such.
pub async fn member_invitation_accepted(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    id: uuid::Uuid,
) -> QueryResult<Option<bool>> {
    member_invitations::table
        .find(id)
        .filter(member_invitations::event_id.eq(event_id))
        .select(member_invitations::accepted_at.is_not_null())
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Clone, Queryable)]
pub struct MemberInvitation {
    pub id: uuid::Uuid,
    pub event_id: EventId,
    pub role: String,
    pub tracks: Option<Vec<String>>,
    pub accepted_by: Option<UserId>,
}

/// The invitation of a token, locked for the rest of the transaction: an acceptance waits for a
/// renewal or a cancellation running on it, and then sees its outcome.
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
        .for_update()
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

/// An invitation not accepted yet, as the members page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct OpenMemberInvitation {
    pub id: uuid::Uuid,
    pub email: String,
    pub role: String,
    pub tracks: Option<Vec<String>>,
}

/// The event's open invitations, oldest first.
pub async fn open_member_invitations(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<OpenMemberInvitation>> {
    member_invitations::table
        .filter(member_invitations::event_id.eq(event_id))
        .filter(member_invitations::accepted_at.is_null())
        .order(member_invitations::created_at.asc())
        .select((
            member_invitations::id,
            member_invitations::email,
            member_invitations::role,
            member_invitations::tracks,
        ))
        .load(conn)
        .await
}
