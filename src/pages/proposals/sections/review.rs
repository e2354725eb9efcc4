//! The review section of the proposal page, for chairs and reviewers (never speakers): the
//! viewer's review form (or a rejected one again, with its messages) and the reviews they may
//! read.

use std::collections::BTreeMap;

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{ProposalAccess, review_standing};
use crate::db::events::Event;
use crate::db::proposals::Proposal;
use crate::error::FieldErrors;
use crate::pages::errors::PageError;
use crate::pages::labels::{confidence_text, phase_text, score_text};
use crate::review::{self, ReviewView};

/// The review form as typed (radio values arrive as text).
#[derive(Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub comment_for_chairs: String,
    #[serde(default)]
    pub comment_for_speakers: String,
    /// `criterion_<key>` for each review criterion, and `next` from "Save and next".
    #[serde(flatten)]
    pub extra: BTreeMap<String, String>,
}

impl ReviewForm {
    fn from_review(review: &ReviewView) -> ReviewForm {
        let extra = review
            .criteria
            .as_ref()
            .and_then(|c| c.as_object())
            .map(|c| {
                c.iter()
                    .map(|(key, score)| (format!("criterion_{key}"), score.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        ReviewForm {
            score: review.score.to_string(),
            confidence: review.confidence.to_string(),
            comment_for_chairs: review.comment_for_chairs.clone(),
            comment_for_speakers: review.comment_for_speakers.clone(),
            extra,
        }
    }

    /// The per-criterion answers as typed, by criterion key.
    pub fn criteria(&self) -> BTreeMap<String, String> {
        self.extra
            .iter()
            .filter_map(|(name, value)| {
                name.strip_prefix("criterion_")
                    .map(|key| (key.to_owned(), value.clone()))
            })
            .collect()
    }

    /// "Save and next" was pressed.
    pub fn next(&self) -> bool {
        self.extra.contains_key("next")
    }
}

/// One criterion on the review form: its radio buttons on the event's scale.
pub struct CriterionChoices {
    pub key: String,
    pub label: String,
    pub weight: String,
    pub choices: Vec<Choice>,
}

/// One criterion's score in a shown review (blank when the review predates the criterion).
pub struct CriterionScore {
    pub label: String,
    pub score: String,
}

/// One radio button.
pub struct Choice {
    pub value: i16,
    pub label: String,
    pub checked: bool,
}

/// One review as shown on the proposal page.
pub struct ShownReview {
    pub review: ReviewView,
    /// Per criterion, when the event has criteria.
    pub criteria: Vec<CriterionScore>,
    pub score: String,
    pub confidence: String,
    pub updated: String,
}

/// The review part of the proposal page, for chairs and reviewers (never speakers).
pub struct ReviewSection {
    /// The viewer may write a review of this proposal (assigned, or reviewers see all).
    pub may_review: bool,
    pub open: bool,
    pub phase: String,
    pub scores: Vec<Choice>,
    /// The event's review criteria; empty: a single score.
    pub criteria: Vec<CriterionChoices>,
    pub confidences: Vec<Choice>,
    pub form: ReviewForm,
    pub errors: FieldErrors,
    pub mine: Option<ShownReview>,
    /// The other reviews the viewer may read.
    pub others: Vec<ShownReview>,
    /// Other reviews hidden until the viewer submits theirs.
    pub hidden: usize,
    /// Where the viewer's queue is.
    pub queue_path: String,
}

impl ReviewSection {
    pub fn messages(&self, field: &str) -> Vec<String> {
        self.errors
            .get(field)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }
}

fn shown(event: &Event, criteria: &[review::Criterion], review: ReviewView) -> ShownReview {
    let given = review.criteria.as_ref().and_then(|c| c.as_object());
    ShownReview {
        criteria: criteria
            .iter()
            .map(|c| CriterionScore {
                label: c.label.clone(),
                score: given
                    .and_then(|g| g.get(&c.key))
                    .and_then(|v| v.as_i64())
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "—".to_owned()),
            })
            .collect(),
        score: score_text(event, review.score),
        confidence: confidence_text(review.confidence),
        updated: crate::time::in_zone(review.updated_at, &event.time_zone),
        review,
    }
}

/// The review section for this viewer, None for speakers. `typed` is a rejected form to show
/// again with its errors.
pub async fn review_section(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    event: &Event,
    proposal: &Proposal,
    access: ProposalAccess,
    typed: Option<(ReviewForm, FieldErrors)>,
) -> Result<Option<ReviewSection>, PageError> {
    if access == ProposalAccess::Speaker {
        return Ok(None);
    }
    let standing = review_standing(conn, event, proposal, user).await?;
    let may_review = standing.may_review(event, proposal);
    let listed = review::reviews_for(conn, user, proposal, event).await?;
    let (mine, others): (Vec<ReviewView>, Vec<ReviewView>) =
        listed.items.into_iter().partition(|r| r.mine);
    let mine = mine.into_iter().next();
    let (form, errors) = match typed {
        Some(typed) => typed,
        None => (
            mine.as_ref()
                .map(ReviewForm::from_review)
                .unwrap_or_default(),
            FieldErrors::new(),
        ),
    };
    let now = Utc::now();
    let scores = (event.score_min..=event.score_max)
        .map(|value| Choice {
            value,
            label: score_text(event, value),
            checked: form.score == value.to_string(),
        })
        .collect();
    let typed_criteria = form.criteria();
    let event_criteria = review::criteria_of(event);
    let criteria = event_criteria
        .iter()
        .map(|c| CriterionChoices {
            key: c.key.clone(),
            label: c.label.clone(),
            weight: format!("{}", c.weight),
            choices: (event.score_min..=event.score_max)
                .map(|value| Choice {
                    value,
                    label: value.to_string(),
                    checked: typed_criteria.get(&c.key) == Some(&value.to_string()),
                })
                .collect(),
        })
        .collect();
    let confidences = (1..=3)
        .map(|value| Choice {
            value,
            label: confidence_text(value),
            checked: form.confidence == value.to_string(),
        })
        .collect();
    Ok(Some(ReviewSection {
        may_review,
        open: event.review_open_at(now),
        phase: phase_text(event, now),
        scores,
        criteria,
        confidences,
        form,
        errors,
        mine: mine.map(|r| shown(event, &event_criteria, r)),
        others: others
            .into_iter()
            .map(|r| shown(event, &event_criteria, r))
            .collect(),
        hidden: listed.hidden,
        queue_path: format!("/events/{}/review", event.slug),
    }))
}
