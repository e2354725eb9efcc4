//! The chairs' list of an event's proposals, for the dashboard and the JSON API alike: filters,
//! a text search and a sort, one keyset page at a time.
//!
//! A sort on a proposal's own column (submitted, title, confidence) is a keyset page in SQL
//! (`db::proposals::chair_list`). A sort on review figures (calibrated, mean, reviews), or a
//! review filter (disagreements, missing reviews), reads the cached ranking (`RankedEvent`,
//! already in memory): the kept proposals' figures are sorted per request (about 5,000 pairs
//! of a number and a position: well under a millisecond), then only the page's proposals are
//! loaded. A search there asks SQL for the ids it matches.

use std::cmp::Ordering;
use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use diesel_async::AsyncPgConnection;

use super::{RankedEvent, RankedProposal};
use crate::db::events::Event;
use crate::db::paging::{encode_cursor, parse_params};
use crate::db::proposals::{
    self as db, ChairFilter, ColumnSort, ColumnValue, ListFilter, ListScope, Proposal,
};
use crate::domain::{ProposalId, ProposalSort, ProposalState, SearchText, SortKey};
use crate::error::{AppError, AppResult, FieldErrors};

/// What a chair asked the list for.
pub struct ChairList<'a> {
    pub track: Option<&'a str>,
    pub state: Option<ProposalState>,
    pub needs_check: bool,
    pub search: Option<&'a SearchText>,
    /// Only proposals whose answer to this choice question is (or includes) this option.
    pub answer: Option<(&'a str, &'a str)>,
    /// Only proposals whose reviews disagree.
    pub only_disagreements: bool,
    /// Only proposals with reviews missing (fewer than assigned, or nobody assigned).
    pub only_missing: bool,
    pub sort: ProposalSort,
    /// The previous page's `next_cursor`.
    pub cursor: Option<&'a str>,
    pub limit: i64,
}

impl ChairList<'_> {
    /// The list reads the cached ranking (pass it to `chair_page`).
    pub fn needs_ranking(&self) -> bool {
        self.sort.key.from_reviews() || self.only_disagreements || self.only_missing
    }
}

/// One page of the list, and the cursor of the next one if there is one. `ranked` is the
/// event's cached ranking, needed when `list.needs_ranking()`.
pub async fn chair_page(
    conn: &mut AsyncPgConnection,
    event: &Event,
    ranked: Option<&RankedEvent>,
    list: &ChairList<'_>,
) -> AppResult<(Vec<Proposal>, Option<String>)> {
    let cursor = Cursor::parse(list.sort, list.cursor)?;
    let ranked = match ranked {
        Some(ranked) => Some(ranked),
        None if list.needs_ranking() => {
            return Err(AppError::internal("the chairs' list needs the ranking"));
        }
        None => None,
    };
    let column = match list.sort.key {
        SortKey::CreatedAt => Some(ColumnSort::CreatedAt),
        SortKey::Title => Some(ColumnSort::Title),
        SortKey::Confidence => Some(ColumnSort::Confidence),
        SortKey::Calibrated | SortKey::Mean | SortKey::Reviews => None,
    };
    match (column, ranked) {
        (Some(column), ranked) => column_page(conn, event, ranked, list, column, cursor).await,
        (None, Some(ranked)) => figures_page(conn, event, ranked, list, cursor).await,
        (None, None) => Err(AppError::internal("the chairs' list needs the ranking")),
    }
}

/// Whether a ranked proposal passes the review filters.
fn review_filters_keep(list: &ChairList<'_>, p: &RankedProposal) -> bool {
    (!list.only_disagreements || (p.ranked && p.aggregate().disagreement))
        && (!list.only_missing || p.missing_reviews())
}

/// A sort on a column of the proposal: a keyset page in SQL; the review filters, if any,
/// restrict it to the ids the ranking keeps.
async fn column_page(
    conn: &mut AsyncPgConnection,
    event: &Event,
    ranked: Option<&RankedEvent>,
    list: &ChairList<'_>,
    column: ColumnSort,
    cursor: Option<Cursor>,
) -> AppResult<(Vec<Proposal>, Option<String>)> {
    let only: Option<Vec<ProposalId>> = ranked
        .filter(|_| list.only_disagreements || list.only_missing)
        .map(|ranked| {
            ranked
                .items
                .iter()
                .filter(|p| review_filters_keep(list, p))
                .map(|p| p.id)
                .collect()
        });
    let after = match cursor {
        None => None,
        Some(Cursor::Column(value, id)) => Some((value, id)),
        Some(Cursor::Figure { .. }) => return Err(bad_cursor()),
    };
    let filter = ChairFilter {
        track: list.track,
        state: list.state,
        needs_check: list.needs_check,
        search: list.search,
        only: only.as_deref(),
        answer: list.answer,
    };
    let mut rows = db::chair_list(
        conn,
        event.id,
        &filter,
        column,
        list.sort.descending,
        after,
        list.limit + 1,
    )
    .await?;
    let next = if rows.len() as i64 > list.limit {
        rows.truncate(list.limit as usize);
        rows.last()
            .map(|p| Cursor::Column(ColumnValue::of(column, p), p.id).encode(list.sort))
    } else {
        None
    };
    Ok((rows, next))
}

/// A proposal's place in a sort by review figures: its figure (none last), then its place in
/// the ranking (so `-calibrated` is the ranking's own order, ties included).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Place {
    value: Option<f64>,
    position: usize,
}

fn compare(a: &Place, b: &Place, descending: bool) -> Ordering {
    let by_value = match (a.value, b.value) {
        (Some(x), Some(y)) if descending => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_value.then_with(|| {
        if descending || a.value.is_none() {
            a.position.cmp(&b.position)
        } else {
            b.position.cmp(&a.position)
        }
    })
}

/// The figure a sort by review figures reads; none for a withdrawn proposal.
fn figure(key: SortKey, p: &RankedProposal) -> Option<f64> {
    if !p.ranked {
        return None;
    }
    let a = p.aggregate();
    match key {
        SortKey::Calibrated => a.calibrated,
        SortKey::Mean => a.mean,
        SortKey::Reviews => Some(a.n as f64),
        SortKey::CreatedAt | SortKey::Title | SortKey::Confidence => None,
    }
}

/// A sort by review figures, over the cached ranking; a search asks SQL for its matches first.
async fn figures_page(
    conn: &mut AsyncPgConnection,
    event: &Event,
    ranked: &RankedEvent,
    list: &ChairList<'_>,
    cursor: Option<Cursor>,
) -> AppResult<(Vec<Proposal>, Option<String>)> {
    let after = match cursor {
        None => None,
        Some(Cursor::Figure { value, position }) => Some(Place { value, position }),
        Some(Cursor::Column(..)) => return Err(bad_cursor()),
    };
    let matches: Option<HashSet<ProposalId>> = if list.search.is_some() || list.answer.is_some() {
        Some(
            db::search_matches(conn, event.id, list.search, list.answer)
                .await?
                .into_iter()
                .collect(),
        )
    } else {
        None
    };
    let key = list.sort.key;
    let descending = list.sort.descending;
    let mut places: Vec<(Place, ProposalId)> = ranked
        .items
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            list.track.is_none_or(|t| p.track.as_deref() == Some(t))
                && list.state.is_none_or(|s| p.state == s)
                && (!list.needs_check || p.needs_check)
                && review_filters_keep(list, p)
                && matches.as_ref().is_none_or(|m| m.contains(&p.id))
        })
        .map(|(position, p)| {
            let place = Place {
                value: figure(key, p),
                position,
            };
            (place, p.id)
        })
        .collect();
    places.sort_unstable_by(|a, b| compare(&a.0, &b.0, descending));
    let start = after.map_or(0, |after| {
        places.partition_point(|(place, _)| compare(place, &after, descending).is_le())
    });
    let limit = list.limit as usize;
    let window = &places[start.min(places.len())..];
    let page = &window[..window.len().min(limit)];
    let next = (window.len() > limit)
        .then(|| page.last())
        .flatten()
        .map(|(place, _)| {
            Cursor::Figure {
                value: place.value,
                position: place.position,
            }
            .encode(list.sort)
        });
    let ids: Vec<ProposalId> = page.iter().map(|(_, id)| *id).collect();
    let mut rows = db::list(
        conn,
        event.id,
        ListScope::Only(ids.clone()),
        ListFilter {
            track: None,
            state: None,
            needs_check: false,
            after: None,
            limit: ids.len() as i64,
        },
    )
    .await?;
    let order: std::collections::HashMap<ProposalId, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|p| order.get(&p.id).copied().unwrap_or(usize::MAX));
    Ok((rows, next))
}

fn bad_cursor() -> AppError {
    AppError::Validation(FieldErrors::single(
        "cursor",
        "is not a cursor this list returned for this sort",
    ))
}

/// Where a page ended. The default order (oldest first) keeps the API's original cursor, so
/// cursors handed out before sorting existed still work.
#[derive(Debug, Clone, PartialEq)]
enum Cursor {
    Column(ColumnValue, ProposalId),
    Figure { value: Option<f64>, position: usize },
}

impl Cursor {
    fn encode(&self, sort: ProposalSort) -> String {
        if sort == ProposalSort::default()
            && let Cursor::Column(ColumnValue::CreatedAt(at), id) = self
        {
            return encode_cursor(*at, id.0);
        }
        let value = match self {
            Cursor::Column(ColumnValue::CreatedAt(at), id) => {
                format!("{id}|@{}", at.timestamp_micros())
            }
            Cursor::Column(ColumnValue::Confidence(c), id) => match c {
                Some(c) => format!("{id}|c{:08x}", c.to_bits()),
                None => format!("{id}|-"),
            },
            Cursor::Column(ColumnValue::Title(title), id) => format!("{id}|t{title}"),
            Cursor::Figure { value, position } => match value {
                Some(v) => format!("{position}|f{:016x}", v.to_bits()),
                None => format!("{position}|-"),
            },
        };
        URL_SAFE_NO_PAD.encode(format!("s|{}|{value}", sort.as_param()))
    }

    /// `?cursor=` for this sort; one this list did not hand out for it is a 422 naming `cursor`.
    fn parse(sort: ProposalSort, text: Option<&str>) -> AppResult<Option<Cursor>> {
        let text = match text {
            None | Some("") => return Ok(None),
            Some(text) => text,
        };
        if sort == ProposalSort::default() {
            let mut errors = FieldErrors::new();
            let (_, after) = parse_params(None, Some(text), &mut errors);
            errors.into_result()?;
            return Ok(
                after.map(|(at, id)| Cursor::Column(ColumnValue::CreatedAt(at), ProposalId(id)))
            );
        }
        Cursor::decode(sort, text).map(Some).ok_or_else(bad_cursor)
    }

    fn decode(sort: ProposalSort, text: &str) -> Option<Cursor> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let rest = text.strip_prefix("s|")?;
        let (param, rest) = rest.split_once('|')?;
        if param != sort.as_param() {
            return None;
        }
        let (first, value) = rest.split_once('|')?;
        if sort.key.from_reviews() {
            let position = first.parse().ok()?;
            let value = match value {
                "-" => None,
                v => Some(f64::from_bits(
                    u64::from_str_radix(v.strip_prefix('f')?, 16).ok()?,
                )),
            };
            return Some(Cursor::Figure { value, position });
        }
        let id = ProposalId(first.parse().ok()?);
        let value = match sort.key {
            SortKey::CreatedAt => ColumnValue::CreatedAt(DateTime::from_timestamp_micros(
                value.strip_prefix('@')?.parse().ok()?,
            )?),
            SortKey::Title => ColumnValue::Title(value.strip_prefix('t')?.to_owned()),
            SortKey::Confidence => ColumnValue::Confidence(match value {
                "-" => None,
                v => Some(f32::from_bits(
                    u32::from_str_radix(v.strip_prefix('c')?, 16).ok()?,
                )),
            }),
            SortKey::Calibrated | SortKey::Mean | SortKey::Reviews => return None,
        };
        Some(Cursor::Column(value, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_per_sort_and_belong_to_their_sort() {
        let id = ProposalId(uuid::Uuid::now_v7());
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        let cases = [
            ("created_at", Cursor::Column(ColumnValue::CreatedAt(at), id)),
            (
                "-created_at",
                Cursor::Column(ColumnValue::CreatedAt(at), id),
            ),
            (
                "title",
                Cursor::Column(ColumnValue::Title("A | b".into()), id),
            ),
            (
                "confidence",
                Cursor::Column(ColumnValue::Confidence(Some(0.25)), id),
            ),
            (
                "-confidence",
                Cursor::Column(ColumnValue::Confidence(None), id),
            ),
            (
                "-calibrated",
                Cursor::Figure {
                    value: Some(-0.125),
                    position: 7,
                },
            ),
            (
                "reviews",
                Cursor::Figure {
                    value: None,
                    position: 0,
                },
            ),
        ];
        for (param, cursor) in cases {
            let sort = ProposalSort::parse(Some(param)).expect("sort");
            let text = cursor.encode(sort);
            assert_eq!(
                Cursor::parse(sort, Some(&text)).ok(),
                Some(Some(cursor)),
                "{param}"
            );
            let other = ProposalSort::parse(Some("-mean")).expect("sort");
            assert!(Cursor::parse(other, Some(&text)).is_err(), "{param}");
        }
        // the default order keeps the API's original cursors
        let old = encode_cursor(at, id.0);
        assert!(Cursor::parse(ProposalSort::default(), Some(&old)).is_ok());
        assert!(Cursor::parse(ProposalSort::default(), Some("nope")).is_err());
    }

    #[test]
    fn figures_sort_with_the_missing_last_both_ways() {
        let place = |value, position| Place { value, position };
        let mut places = [
            place(None, 0),
            place(Some(2.0), 1),
            place(Some(3.0), 2),
            place(Some(2.0), 3),
        ];
        places.sort_by(|a, b| compare(a, b, true));
        assert_eq!(places.map(|p| p.position), [2, 1, 3, 0]);
        places.sort_by(|a, b| compare(a, b, false));
        assert_eq!(places.map(|p| p.position), [3, 1, 2, 0]);
    }
}
