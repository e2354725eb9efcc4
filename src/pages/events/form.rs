//! The event form, for a new event or an event's settings: the fields as typed, the page that
//! shows them with their messages, and the form of a saved event.

use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;

use super::fields::local_text;
use crate::db::events::{self, Event};
use crate::error::FieldErrors;
use crate::pages::context::PageContext;
use crate::pages::errors::PageResult;
use crate::pages::respond::render;

#[derive(Deserialize, Default, Clone)]
pub struct EventForm {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub cfp_opens_at: String,
    #[serde(default)]
    pub cfp_closes_at: String,
    /// Present (any value) when the box is ticked.
    pub blind_review: Option<String>,
    #[serde(default)]
    pub score_min: String,
    #[serde(default)]
    pub score_max: String,
    #[serde(default)]
    pub max_co_speakers: String,
    #[serde(default)]
    pub max_proposals_per_speaker: String,
    #[serde(default)]
    pub formats: String,
    #[serde(default)]
    pub tracks: String,
    /// Empty: not set.
    #[serde(default)]
    pub review_opens_at: String,
    #[serde(default)]
    pub review_closes_at: String,
    pub reviewers_see_all: Option<String>,
    /// Assign reviewers to a new proposal on submission while reviewing is open.
    pub auto_assign: Option<String>,
    pub conflict_same_domain: Option<String>,
    #[serde(default)]
    pub confirm_by: String,
    /// Empty: no budget.
    #[serde(default)]
    pub slot_minutes: String,
    pub share_review_comments: Option<String>,
}

#[derive(Template)]
#[template(path = "event_form.html")]
struct EventFormPage {
    page: PageContext,
    /// None: creating a new event.
    event: Option<Event>,
    form: EventForm,
    errors: FieldErrors,
}

type FieldRow = (&'static str, &'static str, &'static str, String);

impl EventFormPage {
    fn text_fields(&self) -> Vec<FieldRow> {
        vec![
            ("title", "Title", "text", self.form.title.clone()),
            (
                "time_zone",
                "Time zone (IANA name, e.g. America/New_York)",
                "text",
                self.form.time_zone.clone(),
            ),
            (
                "cfp_opens_at",
                "The call opens (in the event's time zone: YYYY-MM-DD HH:MM)",
                "text",
                self.form.cfp_opens_at.clone(),
            ),
            (
                "cfp_closes_at",
                "The call closes (in the event's time zone: YYYY-MM-DD HH:MM)",
                "text",
                self.form.cfp_closes_at.clone(),
            ),
        ]
    }
    fn score_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "score_min",
                "Lowest score",
                "number",
                self.form.score_min.clone(),
            ),
            (
                "score_max",
                "Highest score",
                "number",
                self.form.score_max.clone(),
            ),
        ]
    }
    fn review_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "review_opens_at",
                "Reviewing opens (YYYY-MM-DD HH:MM; empty: when a chair opens it)",
                "text",
                self.form.review_opens_at.clone(),
            ),
            (
                "review_closes_at",
                "Reviewing closes (YYYY-MM-DD HH:MM; empty: when a chair closes it)",
                "text",
                self.form.review_closes_at.clone(),
            ),
        ]
    }
    fn decision_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "confirm_by",
                "Accepted speakers confirm by (YYYY-MM-DD HH:MM; empty: no deadline)",
                "text",
                self.form.confirm_by.clone(),
            ),
            (
                "slot_minutes",
                "Minutes in the programme, for the track balance (empty: no budget)",
                "number",
                self.form.slot_minutes.clone(),
            ),
        ]
    }
    fn limit_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "max_co_speakers",
                "Co-speakers per proposal, at most",
                "number",
                self.form.max_co_speakers.clone(),
            ),
            (
                "max_proposals_per_speaker",
                "Proposals per speaker, at most",
                "number",
                self.form.max_proposals_per_speaker.clone(),
            ),
        ]
    }

    fn messages(&self, field: &str) -> Vec<String> {
        self.errors
            .0
            .iter()
            .filter(|(key, _)| *key == field || key.starts_with(&format!("{field}[")))
            .flat_map(|(key, messages)| {
                messages.iter().map(move |m| {
                    if key == field {
                        m.clone()
                    } else {
                        format!("{key}: {m}")
                    }
                })
            })
            .collect()
    }
}

/// The form of a saved event, times in its own time zone.
pub fn form_of(event: &Event, tracks: &[events::TrackWithSubtopics]) -> EventForm {
    EventForm {
        slug: event.slug.clone(),
        title: event.title.clone(),
        description: event.description.clone(),
        time_zone: event.time_zone.clone(),
        cfp_opens_at: local_text(event.cfp_opens_at, &event.time_zone),
        cfp_closes_at: local_text(event.cfp_closes_at, &event.time_zone),
        blind_review: event.blind_review.then(|| "on".to_owned()),
        score_min: event.score_min.to_string(),
        score_max: event.score_max.to_string(),
        max_co_speakers: event.max_co_speakers.to_string(),
        max_proposals_per_speaker: event.max_proposals_per_speaker.to_string(),
        formats: event
            .formats()
            .iter()
            .map(|f| format!("{} | {} | {}", f.key, f.name, f.minutes))
            .collect::<Vec<_>>()
            .join("\n"),
        tracks: tracks
            .iter()
            .map(|t| {
                let mut lines = vec![format!("{} | {}", t.key, t.name)];
                lines.extend(t.subtopics.iter().map(|(k, n)| format!("  {k} | {n}")));
                lines.join("\n")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        review_opens_at: event
            .review_opens_at
            .map(|at| local_text(at, &event.time_zone))
            .unwrap_or_default(),
        review_closes_at: event
            .review_closes_at
            .map(|at| local_text(at, &event.time_zone))
            .unwrap_or_default(),
        reviewers_see_all: event.reviewers_see_all.then(|| "on".to_owned()),
        auto_assign: event.auto_assign.then(|| "on".to_owned()),
        conflict_same_domain: event.conflict_same_domain.then(|| "on".to_owned()),
        confirm_by: event
            .confirm_by
            .map(|at| local_text(at, &event.time_zone))
            .unwrap_or_default(),
        share_review_comments: event.share_review_comments.then(|| "on".to_owned()),
        slot_minutes: event
            .slot_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
    }
}

/// The form page; with errors, a 422.
pub async fn show_form(
    page: PageContext,
    event: Option<Event>,
    form: EventForm,
    errors: FieldErrors,
) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &EventFormPage {
            page,
            event,
            form,
            errors,
        },
    )
}
