//! The chairs' list of an event's proposals: its filters, a full-text search (title, abstract
//! and speakers' names), and a sort on one of the proposal's own columns, keyset-paged on
//! (that column, id). Sorts by review figures page over the cached ranking instead
//! (`crate::review::chair_page`), asking here only which proposals a search matches.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float4, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{NEEDS_CHECK_BELOW, Proposal};
use crate::domain::{EventId, ProposalId, ProposalState, SearchText};
use crate::schema::proposals;

/// The chairs' filters; all of them narrow the list together.
#[derive(Default)]
pub struct ChairFilter<'a> {
    /// The effective track (a chair's override, else the speaker's choice, else the tag).
    pub track: Option<&'a str>,
    pub state: Option<ProposalState>,
    /// Only tags worth a human look (see `NEEDS_CHECK_BELOW`).
    pub needs_check: bool,
    pub search: Option<&'a SearchText>,
    /// Only these (what the review filters kept); `None` restricts nothing.
    pub only: Option<&'a [ProposalId]>,
    /// Only proposals whose answer to this (choice) question is, or includes, this option.
    pub answer: Option<(&'a str, &'a str)>,
}

/// A sort on a proposal's own column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnSort {
    CreatedAt,
    /// Case-insensitive.
    Title,
    /// The tagger's confidence; proposals without one last.
    Confidence,
}

/// The last row of the previous page: its value of the sorted column, and its id.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue {
    CreatedAt(DateTime<Utc>),
    Title(String),
    Confidence(Option<f32>),
}

impl ColumnValue {
    /// The row's value of the column.
    pub fn of(sort: ColumnSort, p: &Proposal) -> ColumnValue {
        match sort {
            ColumnSort::CreatedAt => ColumnValue::CreatedAt(p.created_at),
            ColumnSort::Title => ColumnValue::Title(p.title.clone()),
            ColumnSort::Confidence => ColumnValue::Confidence(p.auto_confidence),
        }
    }
}

type Boxed<'a, ST> = proposals::BoxedQuery<'a, Pg, ST>;

/// The filters on a query of the event's proposals, whatever it selects.
fn filtered<'a, ST: 'static>(
    mut query: Boxed<'a, ST>,
    event_id: EventId,
    filter: &ChairFilter<'a>,
) -> Boxed<'a, ST> {
    query = query.filter(proposals::event_id.eq(event_id));
    if let Some(track) = filter.track {
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
    if let Some(only) = filter.only {
        query = query.filter(proposals::id.eq_any(only.to_vec()));
    }
    if let Some((key, option)) = filter.answer {
        // a choice's answer is the option; a multiple choice's a list that holds it
        query = query.filter(
            sql::<Bool>("(proposals.answers -> ")
                .bind::<Text, _>(key.to_owned())
                .sql(" = to_jsonb(")
                .bind::<Text, _>(option.to_owned())
                .sql("::text) OR proposals.answers -> ")
                .bind::<Text, _>(key.to_owned())
                .sql(" @> jsonb_build_array(")
                .bind::<Text, _>(option.to_owned())
                .sql("::text))"),
        );
    }
    if let Some(search) = filter.search {
        let words = search.websearch().to_owned();
        let prefixes = search.prefixes().map(str::to_owned);
        // speakers' names by the expression index users_name_search: the submitter, and the
        // co-speakers who accepted (the ones the list shows)
        query = query.filter(
            sql::<Bool>(
                "(proposals.search_text @@ websearch_to_tsquery('english'::regconfig, ",
            )
            .bind::<Text, _>(words.clone())
            .sql(") OR proposals.search_text @@ to_tsquery('simple'::regconfig, ")
            .bind::<Nullable<Text>, _>(prefixes.clone())
            .sql(
                ") OR proposals.submitter_id IN (SELECT u.id FROM users u WHERE \
                 to_tsvector('simple'::regconfig, u.name) @@ websearch_to_tsquery('simple'::regconfig, ",
            )
            .bind::<Text, _>(words.clone())
            .sql(") OR to_tsvector('simple'::regconfig, u.name) @@ to_tsquery('simple'::regconfig, ")
            .bind::<Nullable<Text>, _>(prefixes.clone())
            .sql(
                ")) OR proposals.id IN (SELECT cs.proposal_id FROM co_speakers cs \
                 JOIN users cu ON cu.id = cs.user_id WHERE cs.accepted_at IS NOT NULL AND \
                 (to_tsvector('simple'::regconfig, cu.name) @@ websearch_to_tsquery('simple'::regconfig, ",
            )
            .bind::<Text, _>(words)
            .sql(") OR to_tsvector('simple'::regconfig, cu.name) @@ to_tsquery('simple'::regconfig, ")
            .bind::<Nullable<Text>, _>(prefixes)
            .sql("))))"),
        );
    }
    query
}

/// One page of the event's proposals the filter keeps, sorted by a column of theirs (`-` for
/// descending: ties by id in the same direction, no value last either way), strictly after
/// `after`. Fetch one more than the page to know whether another follows.
pub async fn chair_list(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    filter: &ChairFilter<'_>,
    sort: ColumnSort,
    descending: bool,
    after: Option<(ColumnValue, ProposalId)>,
    limit: i64,
) -> QueryResult<Vec<Proposal>> {
    let mut query = filtered(
        proposals::table.select(Proposal::as_select()).into_boxed(),
        event_id,
        filter,
    );
    let (cmp, dir) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some((value, id)) = after {
        let id = id.0;
        query = match value {
            ColumnValue::CreatedAt(at) => query.filter(
                sql::<Bool>("(proposals.created_at, proposals.id) ")
                    .sql(cmp)
                    .sql(" (")
                    .bind::<Timestamptz, _>(at)
                    .sql(", ")
                    .bind::<diesel::sql_types::Uuid, _>(id)
                    .sql(")"),
            ),
            ColumnValue::Title(title) => query.filter(
                sql::<Bool>("(lower(proposals.title), proposals.id) ")
                    .sql(cmp)
                    .sql(" (lower(")
                    .bind::<Text, _>(title)
                    .sql("), ")
                    .bind::<diesel::sql_types::Uuid, _>(id)
                    .sql(")"),
            ),
            ColumnValue::Confidence(Some(confidence)) => query.filter(
                sql::<Bool>("((proposals.auto_confidence, proposals.id) ")
                    .sql(cmp)
                    .sql(" (")
                    .bind::<Float4, _>(confidence)
                    .sql(", ")
                    .bind::<diesel::sql_types::Uuid, _>(id)
                    .sql(") OR proposals.auto_confidence IS NULL)"),
            ),
            ColumnValue::Confidence(None) => query.filter(
                sql::<Bool>("(proposals.auto_confidence IS NULL AND proposals.id ")
                    .sql(cmp)
                    .sql(" ")
                    .bind::<diesel::sql_types::Uuid, _>(id)
                    .sql(")"),
            ),
        };
    }
    let order = match sort {
        ColumnSort::CreatedAt => format!("proposals.created_at {dir}, proposals.id {dir}"),
        ColumnSort::Title => format!("lower(proposals.title) {dir}, proposals.id {dir}"),
        ColumnSort::Confidence => {
            format!("proposals.auto_confidence {dir} NULLS LAST, proposals.id {dir}")
        }
    };
    query
        .order_by(sql::<Bool>(&order))
        .limit(limit)
        .load(conn)
        .await
}

/// The ids of the event's proposals a search matches (for sorts over the cached ranking).
pub async fn search_matches(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    search: Option<&SearchText>,
    answer: Option<(&str, &str)>,
) -> QueryResult<Vec<ProposalId>> {
    let filter = ChairFilter {
        search,
        answer,
        ..ChairFilter::default()
    };
    filtered(
        proposals::table.select(proposals::id).into_boxed(),
        event_id,
        &filter,
    )
    .load(conn)
    .await
}
