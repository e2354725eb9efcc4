//! Speakers: the submitter and co-speakers of proposals, and co-speaker invitations.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Proposal;
use crate::domain::{ProposalId, UserId};
use crate::schema::{co_speakers, proposals, users};

/// True when the user is the proposal's submitter or an accepted co-speaker.
pub async fn is_speaker(
    conn: &mut AsyncPgConnection,
    proposal: &Proposal,
    user_id: UserId,
) -> QueryResult<bool> {
    if proposal.submitter_id == user_id {
        return Ok(true);
    }
    let found: Option<uuid::Uuid> = co_speakers::table
        .filter(co_speakers::proposal_id.eq(proposal.id))
        .filter(co_speakers::user_id.eq(user_id))
        .filter(co_speakers::accepted_at.is_not_null())
        .select(co_speakers::id)
        .first(conn)
        .await
        .optional()?;
    Ok(found.is_some())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    pub proposal_id: ProposalId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub primary: bool,
    /// The speaker's profile (its display name is `name`).
    pub profile: crate::domain::Profile,
    pub photo: Option<crate::db::profiles::PhotoRef>,
}

#[derive(Debug, Clone, Queryable)]
pub struct CoSpeakerInvite {
    pub id: uuid::Uuid,
    pub proposal_id: ProposalId,
    pub email: String,
    pub accepted: bool,
    /// When it was first sent.
    pub invited_at: chrono::DateTime<Utc>,
    /// How many times it was emailed (1 + the times it was sent again).
    pub invitations_sent: i32,
}

/// Speakers (submitter first, then accepted co-speakers in order) of many proposals, in two queries.
pub async fn speakers_of(
    conn: &mut AsyncPgConnection,
    ids: &[ProposalId],
) -> QueryResult<Vec<Speaker>> {
    let primaries: Vec<(ProposalId, UserId, String, String)> = proposals::table
        .inner_join(users::table.on(users::id.eq(proposals::submitter_id)))
        .filter(proposals::id.eq_any(ids))
        .select((proposals::id, users::id, users::name, users::email))
        .load(conn)
        .await?;
    let co: Vec<(ProposalId, UserId, String, String)> = co_speakers::table
        .inner_join(users::table.on(co_speakers::user_id.eq(users::id.nullable())))
        .filter(co_speakers::proposal_id.eq_any(ids))
        .filter(co_speakers::accepted_at.is_not_null())
        .order((co_speakers::proposal_id, co_speakers::position))
        .select((
            co_speakers::proposal_id,
            users::id,
            users::name,
            users::email,
        ))
        .load(conn)
        .await?;
    let to_speaker = |primary: bool| {
        move |(proposal_id, user_id, name, email)| Speaker {
            proposal_id,
            user_id,
            name,
            email,
            primary,
            profile: crate::domain::Profile::default(),
            photo: None,
        }
    };
    let mut speakers: Vec<Speaker> = primaries
        .into_iter()
        .map(to_speaker(true))
        .chain(co.into_iter().map(to_speaker(false)))
        .collect();
    let mut user_ids: Vec<UserId> = speakers.iter().map(|s| s.user_id).collect();
    user_ids.sort();
    user_ids.dedup();
    let profiles = crate::db::profiles::profiles_of(conn, &user_ids).await?;
    for speaker in &mut speakers {
        if let Some(stored) = profiles.iter().find(|p| p.user_id == speaker.user_id) {
            speaker.profile = stored.profile.clone();
            speaker.photo = stored.photo.clone();
        }
    }
    Ok(speakers)
}

/// Every co-speaker invitation of these proposals, accepted or not.
pub async fn invitations_of(
    conn: &mut AsyncPgConnection,
    ids: &[ProposalId],
) -> QueryResult<Vec<CoSpeakerInvite>> {
    co_speakers::table
        .filter(co_speakers::proposal_id.eq_any(ids))
        .order((co_speakers::proposal_id, co_speakers::position))
        .select((
            co_speakers::id,
            co_speakers::proposal_id,
            co_speakers::email,
            co_speakers::accepted_at.is_not_null(),
            co_speakers::invited_at,
            co_speakers::invitations_sent,
        ))
        .load(conn)
        .await
}

/// The proposal's co-speaker invitation `id`, accepted or not; None when it has none such.
pub async fn co_speaker_invitation(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    id: uuid::Uuid,
) -> QueryResult<Option<CoSpeakerInvite>> {
    co_speakers::table
        .find(id)
        .filter(co_speakers::proposal_id.eq(proposal_id))
        .select((
            co_speakers::id,
            co_speakers::proposal_id,
            co_speakers::email,
            co_speakers::accepted_at.is_not_null(),
            co_speakers::invited_at,
            co_speakers::invitations_sent,
        ))
        .first(conn)
        .await
        .optional()
}

/// Gives an invitation not accepted yet a new token hash (the link sent before stops working)
/// and counts one more email; returns that count, None when it was accepted meanwhile, or is
/// gone.
pub async fn renew_invitation_token(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    token_hash: &[u8],
) -> QueryResult<Option<i32>> {
    diesel::update(
        co_speakers::table
            .find(id)
            .filter(co_speakers::accepted_at.is_null()),
    )
    .set((
        co_speakers::invite_token_hash.eq(token_hash),
        co_speakers::invitations_sent.eq(co_speakers::invitations_sent + 1),
    ))
    .returning(co_speakers::invitations_sent)
    .get_result(conn)
    .await
    .optional()
}

pub async fn insert_co_speaker(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    email: &str,
    email_normalized: &str,
    token_hash: &[u8],
    position: i32,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(co_speakers::table)
        .values((
            co_speakers::id.eq(id),
            co_speakers::proposal_id.eq(proposal_id),
            co_speakers::email.eq(email),
            co_speakers::email_normalized.eq(email_normalized),
            co_speakers::invite_token_hash.eq(token_hash),
            co_speakers::position.eq(position),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn remove_co_speakers(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    emails_normalized: &[String],
) -> QueryResult<usize> {
    diesel::delete(
        co_speakers::table
            .filter(co_speakers::proposal_id.eq(proposal_id))
            .filter(co_speakers::email_normalized.eq_any(emails_normalized)),
    )
    .execute(conn)
    .await
}

/// (co-speaker row id, proposal id, accepting account) for an invitation token, locked for the
/// rest of the transaction: a renewal waits for an acceptance reading it, or comes first.
pub async fn find_invitation(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<(uuid::Uuid, ProposalId, Option<UserId>)>> {
    co_speakers::table
        .filter(co_speakers::invite_token_hash.eq(token_hash))
        .select((
            co_speakers::id,
            co_speakers::proposal_id,
            co_speakers::user_id,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn accept_invitation(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    user_id: UserId,
) -> QueryResult<()> {
    diesel::update(
        co_speakers::table
            .find(id)
            .filter(co_speakers::accepted_at.is_null()),
    )
    .set((
        co_speakers::user_id.eq(user_id),
        co_speakers::accepted_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}
