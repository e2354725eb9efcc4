//! The event form, for a new event or an event's settings: the fields as typed, the page that
//! shows them with their messages, and the form of a saved event.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;

use super::fields::{Rows, local_text};
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
    /// The event's contact address (Reply-To of its emails); empty: none.
    #[serde(default)]
    pub contact_email: String,
    /// `off`, `suggest` or `auto`.
    #[serde(default)]
    pub waitlist_promotion: String,
    /// Days before `confirm_by` for the automatic reminder; empty: none.
    #[serde(default)]
    pub confirm_reminder_days: String,
    /// The rows of the formats, tracks and subtopics tables (`formats[0].key`, …), as sent.
    #[serde(flatten)]
    pub row_fields: BTreeMap<String, String>,
    /// Those rows, parsed by [`EventForm::with_rows`] or taken from the saved event.
    #[serde(skip)]
    pub rows: Rows,
}

impl EventForm {
    /// The form with its table rows read from the submitted `list[i].field` names.
    pub fn with_rows(mut self) -> EventForm {
        self.rows = Rows::from_fields(&self.row_fields);
        self.row_fields.clear();
        self
    }
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
/// A `datetime-local` input: its name, its label (with the zone) and its value.
type TimeRow = (&'static str, String, String);

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
                "contact_email",
                "Contact address (the Reply-To of every email the event sends; empty: none)",
                "email",
                self.form.contact_email.clone(),
            ),
        ]
    }
    /// The call's dates, labelled with the zone they are typed in.
    fn cfp_fields(&self) -> Vec<TimeRow> {
        vec![
            (
                "cfp_opens_at",
                format!("The call opens ({})", self.zone()),
                self.form.cfp_opens_at.clone(),
            ),
            (
                "cfp_closes_at",
                format!("The call closes ({})", self.zone()),
                self.form.cfp_closes_at.clone(),
            ),
        ]
    }
    /// The zone the date inputs are read in: the one in the form, else the event's.
    fn zone(&self) -> String {
        let typed = self.form.time_zone.trim();
        match (&self.event, typed.parse::<chrono_tz::Tz>()) {
            (_, Ok(tz)) => tz.name().to_owned(),
            (Some(e), Err(_)) => e.time_zone.clone(),
            (None, Err(_)) => "the time zone above".to_owned(),
        }
    }
    fn zone_names(&self) -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
    /// The messages of exactly this field (`formats[2].minutes`), joined.
    fn error_of(&self, field: &str) -> String {
        self.errors
            .get(field)
            .map(|m| m.join("; "))
            .unwrap_or_default()
    }
    /// Every error, with the id of the input it belongs to, for the summary at the top.
    fn summary(&self) -> Vec<(String, String, String)> {
        self.errors
            .0
            .iter()
            .flat_map(|(field, messages)| {
                let id = field.replace(['[', ']', '.'], "-").replace("--", "-");
                let label = field_label(field);
                messages
                    .iter()
                    .map(move |m| (id.clone(), label.clone(), m.clone()))
            })
            .collect()
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
    fn review_fields(&self) -> Vec<TimeRow> {
        vec![
            (
                "review_opens_at",
                format!(
                    "Reviewing opens ({}; empty: when a chair opens it)",
                    self.zone()
                ),
                self.form.review_opens_at.clone(),
            ),
            (
                "review_closes_at",
                format!(
                    "Reviewing closes ({}; empty: when a chair closes it)",
                    self.zone()
                ),
                self.form.review_closes_at.clone(),
            ),
        ]
    }
    fn confirm_field(&self) -> TimeRow {
        (
            "confirm_by",
            format!(
                "Accepted speakers confirm by ({}; empty: no deadline)",
                self.zone()
            ),
            self.form.confirm_by.clone(),
        )
    }
    fn decision_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "slot_minutes",
                "Minutes in the programme, for the track balance (empty: no budget)",
                "number",
                self.form.slot_minutes.clone(),
            ),
            (
                "confirm_reminder_days",
                "Remind unconfirmed speakers once, this many days before the deadline (empty: no automatic reminder)",
                "number",
                self.form.confirm_reminder_days.clone(),
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

/// A field's name for people: `formats[2].minutes` → "Formats, row 3: minutes".
fn field_label(field: &str) -> String {
    let words = |s: &str| s.replace('_', " ");
    match field.split_once('[').and_then(|(list, rest)| {
        let (index, column) = rest.split_once("].")?;
        Some((list, index.parse::<usize>().ok()?, column))
    }) {
        Some((list, index, column)) => {
            let mut list = words(list);
            if let Some(first) = list.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{list}, row {}: {}", index + 1, words(column))
        }
        None => {
            let mut text = words(field);
            if let Some(first) = text.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            text
        }
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
        contact_email: event.contact_email.clone().unwrap_or_default(),
        // read from `event_confirmations` by the settings page
        waitlist_promotion: "off".to_owned(),
        confirm_reminder_days: String::new(),
        row_fields: BTreeMap::new(),
        rows: Rows::of(&event.formats(), tracks),
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
