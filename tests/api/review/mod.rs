//! Review through the JSON API: the review phase, manual and automatic assignment, conflicts of
//! interest, reviews and their history, the ranking, reviewers' progress and reminders, and what
//! reviewers may see (blind review, hidden reviews, conflicts, track restrictions).

mod assignment;
mod auto_assign;
mod conflicts;
mod criteria;
mod dashboard_list;
mod matrix;
mod phases;
mod queue;
mod ranking;
mod ranking_cache;
mod reminders;
mod reviews;
mod similar;
mod visibility;

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, api, review_body};

/// A review of this score and confidence, with a comment for each audience.
fn solid(score: i64, confidence: i64) -> Value {
    review_body(score, confidence, "Solid work.", "Thanks!")
}

/// The ids of the proposal's assigned reviewers, as the chair sees them.
async fn assigned_ids(app: &TestApp, chair: &str, proposal: &str) -> BTreeSet<String> {
    let path = format!("/api/v1/proposals/{proposal}/assignments");
    let view = api(app, Method::GET, &path, chair, None, 200).await;
    view["reviewers"]
        .as_array()
        .expect("reviewers")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}
