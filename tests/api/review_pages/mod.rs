//! The review pages, driven as a browser without JavaScript would: the reviewer's queue and
//! review form, blind review, conflicts, the chairs' assignments, dashboard, ranking, reminders
//! and review phase.

mod chairs;
mod conflicts;
mod refusals;
mod reviewing;

use serde_json::Value;

use crate::helpers::review_body;

/// A review with this score, the usual confidence and a comment for the chairs.
fn scored(score: i64, comment: &str) -> Value {
    review_body(score, 2, comment, "")
}
