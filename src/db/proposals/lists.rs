//! Lists of proposals: an event's, filtered and keyset-paged (see `db::paging`), its active
//! ones, and a speaker's across events.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Proposal;
use crate::domain::{EventId, ProposalId, ProposalState, UserId};
use crate::schema::{co_speakers, proposals};

/// A tag with less confidence than this is worth a chair's look.
pub const NEEDS_CHECK_BELOW: f32 = 0.7;

/// Who may see which proposals in a list.
pub enum ListScope {
    All,
    /// Submitted by the user or co-presented (accepted invitation).
    SpeakerOf(UserId),
    /// Exactly these (what a reviewer may see, worked out by `crate::review`).
    Only(Vec<ProposalId>),
    /// Every one not withdrawn.
    Active,
}

pub struct ListFilter<'a> {
    pub track: Option<&'a str>,
    pub state: Option<ProposalState>,
    /// Only proposals whose tag deserves a human look (see `NEEDS_CHECK_BELOW`).
    pub needs_check: bool,
    /// Strictly after this (created_at, id).
    pub after: Option<(DateTime<Utc>, ProposalId)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    scope: ListScope,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<Proposal>> {
    let mut query = proposals::table
        .filter(proposals::event_id.eq(event_id))
        .select(Proposal::as_select())
        .order((proposals::created_at.asc(), proposals::id.asc()))
        .limit(filter.limit)
        .into_boxed();
    if let ListScope::SpeakerOf(user_id) = scope {
        let co_presented = co_speakers::table
            .filter(co_speakers::user_id.eq(user_id))
            .filter(co_speakers::accepted_at.is_not_null())
            .select(co_speakers::proposal_id);
        query = query.filter(
            proposals::submitter_id
                .eq(user_id)
                .or(proposals::id.eq_any(co_presented)),
        );
    }
    if matches!(scope, ListScope::Active) {
        query = query.filter(proposals::state.ne(ProposalState::Withdrawn));
    }
    if let ListScope::Only(ids) = scope {
        query = query.filter(proposals::id.eq_any(ids));
    }
    if let Some(track) = filter.track {
        // the effective track: a chair's override, else the speaker's choice, else the tagger's
        query = query.filter(
            proposals::chair_track
                .eq(track)
                .or(proposals::chair_track.is_null().and(
                    proposals::speaker_track
                        .eq(track)
                        .or(proposals::speaker_track
                            .is_null()
                            .and(proposals::auto_track.eq(track))),
                )),
        );
    }
    if let Some(state) = filter.state {
        query = query.filter(proposals::state.eq(state));
    }
    if filter.needs_check {
        // no chair has decided, and the tagger is unsure or the speaker disagrees with it
        query = query.filter(proposals::chair_track.is_null()).filter(
            proposals::auto_confidence
                .lt(NEEDS_CHECK_BELOW)
                .or(proposals::speaker_track.is_not_null().and(
                    proposals::speaker_track
                        .nullable()
                        .ne(proposals::auto_track),
                )),
        );
    }
    if let Some((at, id)) = filter.after {
        query = query.filter(
            proposals::created_at
                .gt(at)
                .or(proposals::created_at.eq(at).and(proposals::id.gt(id))),
        );
    }
    query.load(conn).await
}

/// The event's proposals that are not withdrawn, oldest first; of one track when named.
pub async fn active_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    track: Option<&str>,
) -> QueryResult<Vec<Proposal>> {
    list(
        conn,
        event_id,
        ListScope::Active,
        ListFilter {
            track,
            state: None,
            needs_check: false,
            after: None,
            limit: i64::MAX,
        },
    )
    .await
}

/// Proposals where the user speaks, across all events (newest first), with their event's slug and title.
pub async fn list_for_speaker(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<(Proposal, String, String)>> {
    use crate::schema::events;
    let co_presented = co_speakers::table
        .filter(co_speakers::user_id.eq(user_id))
        .filter(co_speakers::accepted_at.is_not_null())
        .select(co_speakers::proposal_id);
    proposals::table
        .inner_join(events::table)
        .filter(
            proposals::submitter_id
                .eq(user_id)
                .or(proposals::id.eq_any(co_presented)),
        )
        .order(proposals::created_at.desc())
        .select((Proposal::as_select(), events::slug, events::title))
        .load(conn)
        .await
}
