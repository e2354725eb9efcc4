//! An event's tracks and their subtopics.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{EventId, TrackId};
use crate::schema::{subtopics, tracks};

#[derive(Debug, Clone)]
pub struct TrackWithSubtopics {
    pub key: String,
    pub name: String,
    pub description: String,
    pub subtopics: Vec<(String, String)>,
}

/// Tracks in display order, each with its subtopics (two queries, not one per track).
pub async fn tracks_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<TrackWithSubtopics>> {
    let track_rows: Vec<(TrackId, String, String, String)> = tracks::table
        .filter(tracks::event_id.eq(event_id))
        .order((tracks::position.asc(), tracks::key.asc()))
        .select((tracks::id, tracks::key, tracks::name, tracks::description))
        .load(conn)
        .await?;
    let ids: Vec<TrackId> = track_rows.iter().map(|t| t.0).collect();
    let subtopic_rows: Vec<(TrackId, String, String)> = subtopics::table
        .filter(subtopics::track_id.eq_any(ids))
        .order((subtopics::position.asc(), subtopics::key.asc()))
        .select((subtopics::track_id, subtopics::key, subtopics::name))
        .load(conn)
        .await?;
    Ok(track_rows
        .into_iter()
        .map(|(id, key, name, description)| TrackWithSubtopics {
            key,
            name,
            description,
            subtopics: subtopic_rows
                .iter()
                .filter(|s| s.0 == id)
                .map(|s| (s.1.clone(), s.2.clone()))
                .collect(),
        })
        .collect())
}

/// Replaces the event's tracks and subtopics with this list, in this order.
pub async fn replace_tracks(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    replacement: &[TrackWithSubtopics],
) -> QueryResult<()> {
    diesel::delete(tracks::table.filter(tracks::event_id.eq(event_id)))
        .execute(conn)
        .await?;
    for (position, track) in replacement.iter().enumerate() {
        let track_id = TrackId::new();
        diesel::insert_into(tracks::table)
            .values((
                tracks::id.eq(track_id),
                tracks::event_id.eq(event_id),
                tracks::key.eq(&track.key),
                tracks::name.eq(&track.name),
                tracks::description.eq(&track.description),
                tracks::position.eq(position as i32),
            ))
            .execute(conn)
            .await?;
        let rows: Vec<_> = track
            .subtopics
            .iter()
            .enumerate()
            .map(|(i, (key, name))| {
                (
                    subtopics::id.eq(uuid::Uuid::now_v7()),
                    subtopics::track_id.eq(track_id),
                    subtopics::key.eq(key),
                    subtopics::name.eq(name),
                    subtopics::position.eq(i as i32),
                )
            })
            .collect();
        diesel::insert_into(subtopics::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}
