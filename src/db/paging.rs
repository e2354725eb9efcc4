//! The one paging scheme: keyset pages ordered by (instant, id), with an opaque cursor naming
//! the last row of the page. Lists pass `?limit=&cursor=`; every list answers `Page<T>`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{AppResult, FieldErrors};

/// The page size when a request names none, and the largest it may name.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A row's place in a keyset order.
pub type Keyset = (DateTime<Utc>, Uuid);

pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", at.timestamp_micros(), id))
}

fn decode_cursor(text: &str) -> Option<Keyset> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let (micros, id) = text.split_once('|')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id.parse().ok()?,
    ))
}

/// `?limit=&cursor=` parsed; each bad parameter is named in `errors`.
pub fn parse_params(
    limit: Option<&str>,
    cursor: Option<&str>,
    errors: &mut FieldErrors,
) -> (i64, Option<Keyset>) {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.add("limit", "must be a whole number from 1 to 500");
                DEFAULT_LIMIT
            }
        },
    };
    let after = match cursor {
        None | Some("") => None,
        Some(text) => {
            let decoded = decode_cursor(text);
            if decoded.is_none() {
                errors.add("cursor", "is not a cursor this API returned");
            }
            decoded
        }
    };
    (limit, after)
}

/// `parse_params`, 422 naming the parameter otherwise.
pub fn page_params(limit: Option<&str>, cursor: Option<&str>) -> AppResult<(i64, Option<Keyset>)> {
    let mut errors = FieldErrors::new();
    let params = parse_params(limit, cursor, &mut errors);
    errors.into_result()?;
    Ok(params)
}

/// Cuts the one extra row a query fetched (`limit + 1`) and names the page's last row.
pub fn finish<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    keyset: impl Fn(&R) -> Keyset,
    item: impl FnMut(R) -> T,
) -> Page<T> {
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|row| {
            let (at, id) = keyset(row);
            encode_cursor(at, id)
        })
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(item).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_named() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        let id = Uuid::now_v7();
        let cursor = encode_cursor(at, id);
        assert_eq!(
            page_params(Some("10"), Some(&cursor)).ok(),
            Some((10, Some((at, id))))
        );
        assert!(page_params(Some("0"), None).is_err());
        assert!(page_params(Some("501"), None).is_err());
        assert!(page_params(None, Some("nope")).is_err());
        assert_eq!(
            page_params(None, Some("")).ok(),
            Some((DEFAULT_LIMIT, None))
        );
    }
}
