//! The chairs' emails to a selection of speakers (`speaker_mailings`): which proposals a
//! selection names, and the history of what was sent.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{EventId, ProposalId, UserId};
use crate::schema::{proposals, speaker_mailings, users};

/// What a selection asks for, as the database reads it: proposal states (empty: no state
/// filter), tracks (empty: any) and proposal ids added on top.
#[derive(Debug, Default, Clone)]
pub struct SelectionQuery<'a> {
    /// `proposals.state` values; `None`: every state but `withdrawn` (the `submitted` choice).
    pub states: Option<Vec<&'a str>>,
    pub tracks: &'a [String],
    pub ids: &'a [ProposalId],
    /// False when neither states nor tracks were given: only `ids` count.
    pub filtered: bool,
}

/// The selected proposals of the event (id, title), oldest first.
pub async fn selected_proposals(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    selection: &SelectionQuery<'_>,
) -> QueryResult<Vec<(ProposalId, String)>> {
    let mut by_filter: Vec<(ProposalId, String, Option<String>, DateTime<Utc>)> = Vec::new();
    if selection.filtered {
        let mut query = proposals::table
            .filter(proposals::event_id.eq(event_id))
            .filter(proposals::state.ne("withdrawn"))
            .into_boxed();
        if let Some(states) = &selection.states {
            query = query.filter(proposals::state.eq_any(states.clone()));
        }
        if !selection.tracks.is_empty() {
            let tracks = selection.tracks;
            // the proposal's track: the chair's, else the speaker's, else the tagger's
            query = query.filter(
                proposals::chair_track
                    .eq_any(tracks)
                    .or(proposals::chair_track.is_null().and(
                        proposals::speaker_track
                            .eq_any(tracks)
                            .or(proposals::speaker_track
                                .is_null()
                                .and(proposals::auto_track.eq_any(tracks))),
                    )),
            );
        }
        by_filter = query
            .select((
                proposals::id,
                proposals::title,
                proposals::chair_track,
                proposals::created_at,
            ))
            .load(conn)
            .await?;
    }
    if !selection.ids.is_empty() {
        let picked: Vec<(ProposalId, String, Option<String>, DateTime<Utc>)> = proposals::table
            .filter(proposals::event_id.eq(event_id))
            .filter(proposals::id.eq_any(selection.ids))
            .select((
                proposals::id,
                proposals::title,
                proposals::chair_track,
                proposals::created_at,
            ))
            .load(conn)
            .await?;
        for row in picked {
            if !by_filter.iter().any(|r| r.0 == row.0) {
                by_filter.push(row);
            }
        }
    }
    by_filter.sort_by_key(|r| (r.3, r.0.0));
    Ok(by_filter
        .into_iter()
        .map(|(id, title, _, _)| (id, title))
        .collect())
}

/// The ids among `ids` that are not proposals of the event.
pub async fn foreign_proposal_ids(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    ids: &[ProposalId],
) -> QueryResult<Vec<ProposalId>> {
    let ours: Vec<ProposalId> = proposals::table
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::id.eq_any(ids))
        .select(proposals::id)
        .load(conn)
        .await?;
    Ok(ids
        .iter()
        .filter(|id| !ours.contains(id))
        .copied()
        .collect())
}

#[derive(Insertable)]
#[diesel(table_name = speaker_mailings)]
pub struct NewMailing<'a> {
    pub id: uuid::Uuid,
    pub event_id: EventId,
    pub sent_by: Option<UserId>,
    pub selection: &'a serde_json::Value,
    pub subject: &'a str,
    pub body: &'a str,
    pub recipients: i32,
}

pub async fn insert_mailing(conn: &mut AsyncPgConnection, row: NewMailing<'_>) -> QueryResult<()> {
    diesel::insert_into(speaker_mailings::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(())
}

/// A past mailing, with the name of the chair who sent it (None once their account is gone).
#[derive(Debug, Clone, Queryable, serde::Serialize, serde::Deserialize)]
pub struct MailingRow {
    pub id: uuid::Uuid,
    pub sent_by: Option<UserId>,
    pub sent_by_name: Option<String>,
    pub selection: serde_json::Value,
    pub subject: String,
    pub body: String,
    pub recipients: i32,
    pub created_at: DateTime<Utc>,
}

/// The event's mailings, newest first.
pub async fn mailings_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<MailingRow>> {
    speaker_mailings::table
        .left_join(users::table.on(speaker_mailings::sent_by.eq(users::id.nullable())))
        .filter(speaker_mailings::event_id.eq(event_id))
        .order((
            speaker_mailings::created_at.desc(),
            speaker_mailings::id.desc(),
        ))
        .select((
            speaker_mailings::id,
            speaker_mailings::sent_by,
            users::name.nullable(),
            speaker_mailings::selection,
            speaker_mailings::subject,
            speaker_mailings::body,
            speaker_mailings::recipients,
            speaker_mailings::created_at,
        ))
        .load(conn)
        .await
}
