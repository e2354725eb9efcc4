//! Review criteria (pretalx's score categories, HotCRP's review fields): chairs define an event's
//! criteria, each scored on the event's scale with a weight; a review scores each one and its
//! score is their weighted mean. An event without criteria keeps the single score.
//!
//! The weighted mean is stored in the review's `score`, rounded to the nearest whole number
//! (halves up), so the ranking, its calibration, the score histogram and the CSV use it
//! unchanged; the per-criterion scores are kept beside it (`reviews.criteria`).
//!
//! Changing the criteria after reviews exist is allowed: a review keeps the score and the
//! per-criterion answers it was saved with (a criterion it did not have shows as blank), and
//! its next save must answer the criteria of the moment.

use std::collections::{BTreeMap, HashSet};

use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::events::{self as events_db, Event};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;

/// At most this many criteria per event.
pub const MAX_CRITERIA: usize = 10;

/// One criterion of an event's reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Criterion {
    /// Names the criterion in `criteria: {key: score}`: lowercase letters, digits and `-` or
    /// `_`, starting with a letter or digit.
    #[schema(
        pattern = "^[a-z0-9][a-z0-9_-]{0,39}$",
        min_length = 1,
        max_length = 40
    )]
    pub key: String,
    #[schema(min_length = 1, max_length = 100)]
    pub label: String,
    /// How much it counts in the review's weighted mean (greater than 0).
    #[schema(minimum = 0.01, maximum = 100)]
    pub weight: f64,
    /// Order on the review form, smallest first.
    #[serde(deserialize_with = "crate::domain::whole_number::required")]
    #[schema(minimum = 0, maximum = 1000)]
    pub position: i32,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CriteriaRequest {
    /// The event's criteria, replacing the current list; empty: a single score.
    #[schema(max_items = 10)]
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CriteriaView {
    /// Ordered by position.
    pub criteria: Vec<Criterion>,
    pub score_min: i16,
    pub score_max: i16,
}

fn key_ok(key: &str) -> bool {
    let bytes = key.as_bytes();
    (1..=40).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
}

/// The event's criteria, by position.
pub fn criteria_of(event: &Event) -> Vec<Criterion> {
    let mut list: Vec<Criterion> =
        serde_json::from_value(event.review_criteria.clone()).unwrap_or_default();
    list.sort_by(|a, b| a.position.cmp(&b.position).then(a.key.cmp(&b.key)));
    list
}

/// Checks a list of criteria: unique slug-like keys, labels, weights greater than 0, at most
/// ten. Errors name `criteria[i].field`.
pub fn parse_criteria(mut list: Vec<Criterion>) -> AppResult<Vec<Criterion>> {
    let mut errors = FieldErrors::new();
    if list.len() > MAX_CRITERIA {
        errors.add("criteria", format!("at most {MAX_CRITERIA} criteria"));
    }
    let mut seen = HashSet::new();
    let mut duplicates = FieldErrors::new();
    for (i, c) in list.iter_mut().enumerate() {
        c.key = c.key.trim().to_owned();
        c.label = c.label.trim().to_owned();
        if !key_ok(&c.key) {
            errors.add(
                &format!("criteria[{i}].key"),
                "must be 1–40 lowercase letters, digits, - or _, starting with a letter or digit",
            );
        } else if !seen.insert(c.key.clone()) {
            // a well-formed list that repeats a key: a 409, as the schema cannot say "unique"
            duplicates.add(
                &format!("criteria[{i}].key"),
                "is used by another criterion",
            );
        }
        if c.label.is_empty() || c.label.chars().count() > 100 {
            errors.add(&format!("criteria[{i}].label"), "must be 1–100 characters");
        }
        if !(c.weight.is_finite() && c.weight >= 0.01 && c.weight <= 100.0) {
            errors.add(&format!("criteria[{i}].weight"), "must be from 0.01 to 100");
        }
        if !(0..=1000).contains(&c.position) {
            errors.add(&format!("criteria[{i}].position"), "must be from 0 to 1000");
        }
    }
    errors.into_result()?;
    if !duplicates.is_empty() {
        return Err(AppError::Conflict {
            message: "two criteria share a key".into(),
            errors: duplicates,
        });
    }
    list.sort_by(|a, b| a.position.cmp(&b.position).then(a.key.cmp(&b.key)));
    Ok(list)
}

/// The weighted mean of these scores, rounded to the nearest whole number (halves up).
pub fn weighted_score(criteria: &[Criterion], scores: &BTreeMap<String, i16>) -> i16 {
    let (mut sum, mut weights) = (0.0, 0.0);
    for c in criteria {
        if let Some(score) = scores.get(&c.key) {
            sum += c.weight * f64::from(*score);
            weights += c.weight;
        }
    }
    if weights == 0.0 {
        return 0;
    }
    // a tiny epsilon keeps 2.5 computed as 2.4999999 rounding up
    (sum / weights + 1e-9).floor_half_up()
}

trait HalfUp {
    fn floor_half_up(self) -> i16;
}

impl HalfUp for f64 {
    fn floor_half_up(self) -> i16 {
        (self + 0.5).floor() as i16
    }
}

/// Checks a review's per-criterion scores against the event's criteria and scale: every
/// criterion answered, none unknown, each a whole number on the scale. Errors name
/// `criteria.<key>`. Returns the scores and their weighted mean.
pub fn check_scores(
    event: &Event,
    criteria: &[Criterion],
    scores: &BTreeMap<String, i64>,
) -> Result<(BTreeMap<String, i16>, i16), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut kept = BTreeMap::new();
    for c in criteria {
        match scores.get(&c.key) {
            None => errors.add(
                &format!("criteria.{}", c.key),
                format!(
                    "score {} from {} to {}",
                    c.label, event.score_min, event.score_max
                ),
            ),
            Some(score)
                if !(i64::from(event.score_min)..=i64::from(event.score_max)).contains(score) =>
            {
                errors.add(
                    &format!("criteria.{}", c.key),
                    format!(
                        "must be a whole number from {} to {}",
                        event.score_min, event.score_max
                    ),
                )
            }
            Some(score) => {
                kept.insert(c.key.clone(), *score as i16);
            }
        }
    }
    for key in scores.keys() {
        if !criteria.iter().any(|c| &c.key == key) {
            let shown: String = key.chars().take(40).collect();
            errors.add(
                &format!("criteria.{shown}"),
                "is not a criterion of this event",
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let score = weighted_score(criteria, &kept);
    Ok((kept, score))
}

fn view(event: &Event) -> CriteriaView {
    CriteriaView {
        criteria: criteria_of(event),
        score_min: event.score_min,
        score_max: event.score_max,
    }
}

/// The event's criteria (chairs; the caller checked).
pub fn criteria_view(event: &Event) -> CriteriaView {
    view(event)
}

/// Replaces the event's criteria (chairs; the caller checked). One transaction.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn set_criteria(
    state: &AppState,
    event: &Event,
    list: Vec<Criterion>,
) -> AppResult<CriteriaView> {
    let list = parse_criteria(list)?;
    let value = serde_json::to_value(&list).map_err(AppError::internal)?;
    let mut conn = state.pool.get().await?;
    let event_id = event.id;
    let event = conn
        .transaction::<_, AppError, _>(async move |conn| {
            Ok(events_db::set_review_criteria(conn, event_id, &value).await?)
        })
        .await?;
    Ok(view(&event))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(key: &str, weight: f64) -> Criterion {
        Criterion {
            key: key.into(),
            label: key.into(),
            weight,
            position: 0,
        }
    }

    #[test]
    fn the_weighted_mean_rounds_halves_up() {
        let list = [c("a", 2.0), c("b", 1.0)];
        let scores = |a, b| BTreeMap::from([("a".to_owned(), a), ("b".to_owned(), b)]);
        assert_eq!(weighted_score(&list, &scores(5, 2)), 4);
        assert_eq!(weighted_score(&list, &scores(1, 4)), 2);
        let even = [c("a", 1.0), c("b", 1.0)];
        assert_eq!(weighted_score(&even, &scores(2, 3)), 3);
    }

    #[test]
    fn keys_are_slugs_and_unique() {
        assert!(parse_criteria(vec![c("depth", 1.0), c("depth", 2.0)]).is_err());
        assert!(parse_criteria(vec![c("Depth", 1.0)]).is_err());
        assert!(parse_criteria(vec![c("depth", 0.0)]).is_err());
        assert!(parse_criteria(vec![c("depth", 1.0), c("clarity", 0.5)]).is_ok());
    }
}
