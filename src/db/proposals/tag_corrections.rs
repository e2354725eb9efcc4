//! A chair's track override, kept as a labelled example (tag correction) for retraining.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Proposal;
use crate::domain::{EventId, UserId};
use crate::schema::{proposals, tag_corrections, users};

pub async fn set_chair_track(
    conn: &mut AsyncPgConnection,
    proposal: &Proposal,
    chair_id: UserId,
    track: Option<&str>,
    subtopics: &[String],
) -> QueryResult<Proposal> {
    let now = Utc::now();
    let updated = diesel::update(proposals::table.find(proposal.id))
        .set((
            proposals::chair_track.eq(track),
            proposals::chair_subtopics.eq(track.map(|_| subtopics)),
            proposals::chair_set_by.eq(Some(chair_id)),
            proposals::chair_set_at.eq(Some(now)),
        ))
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(tag_corrections::table)
        .values((
            tag_corrections::id.eq(uuid::Uuid::now_v7()),
            tag_corrections::proposal_id.eq(proposal.id),
            tag_corrections::event_id.eq(proposal.event_id),
            tag_corrections::chair_id.eq(chair_id),
            tag_corrections::title.eq(&proposal.title),
            tag_corrections::abstract_text.eq(&proposal.abstract_text),
            tag_corrections::auto_track.eq(&proposal.auto_track),
            tag_corrections::auto_confidence.eq(proposal.auto_confidence),
            tag_corrections::corrected_track.eq(track),
            tag_corrections::subtopics.eq(subtopics),
        ))
        .execute(conn)
        .await?;
    Ok(updated)
}

#[derive(Debug, Clone, Queryable)]
pub struct TagCorrection {
    pub title: String,
    pub abstract_text: String,
    pub auto_track: Option<String>,
    pub auto_confidence: Option<f32>,
    pub corrected_track: Option<String>,
    pub chair_name: String,
    pub created_at: DateTime<Utc>,
}

pub async fn tag_corrections_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<TagCorrection>> {
    tag_corrections::table
        .inner_join(users::table.on(users::id.eq(tag_corrections::chair_id)))
        .filter(tag_corrections::event_id.eq(event_id))
        .order(tag_corrections::created_at.asc())
        .select((
            tag_corrections::title,
            tag_corrections::abstract_text,
            tag_corrections::auto_track,
            tag_corrections::auto_confidence,
            tag_corrections::corrected_track,
            users::name,
            tag_corrections::created_at,
        ))
        .load(conn)
        .await
}
