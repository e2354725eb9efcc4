//! What a speaker sends for a proposal, and its parsing into valid values (shared by submitting
//! and editing).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder};

use crate::db::events::Event;
use crate::domain::{
    Abstract, ChairNotes, EmailAddress, MaterialLink, ProposalTitle, rules, schema,
};
use crate::error::{AppError, FieldErrors};

/// What a speaker sends, before parsing. `None` on an edit: leave the field as it is.
#[derive(Debug, Default, Clone, serde::Deserialize, Serialize, utoipa::ToSchema)]
pub struct ProposalFields {
    #[schema(schema_with = title_schema)]
    pub title: Option<String>,
    #[serde(rename = "abstract")]
    #[schema(schema_with = abstract_schema)]
    pub abstract_text: Option<String>,
    #[schema(schema_with = notes_schema)]
    pub notes: Option<String>,
    /// Required to submit.
    #[schema(schema_with = schema::format_choice)]
    pub format: Option<String>,
    /// A track key, or null/empty to let the automatic tag decide.
    #[serde(default, deserialize_with = "deserialize_some")]
    #[schema(schema_with = track_schema)]
    pub track: Option<Option<String>>,
    #[schema(schema_with = co_speakers_schema)]
    pub co_speakers: Option<Vec<String>>,
    #[schema(schema_with = links_schema)]
    pub links: Option<Vec<String>>,
    /// Answers to the event's questions (`GET /api/v1/events/{slug}/questions`), by key: a
    /// string (text, long_text, choice, url), a list of strings (multiple_choice), a boolean or
    /// a number, as the question's kind says; null or empty clears an answer. Only the keys sent
    /// change; an unknown key is a 422 naming `answers.<key>`, as is an answer its question
    /// refuses; an answer to a question that does not apply to the proposal's format is
    /// dropped. Submitting needs every required question that applies answered (a draft may
    /// leave them empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = answers_schema)]
    pub answers: Option<BTreeMap<String, serde_json::Value>>,
    /// On creation only: `true` saves a draft (201, `state: "draft"`), seen by its speaker only
    /// and checked for lengths only; `POST /api/v1/proposals/{id}/submit` submits it. Ignored
    /// on an edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
    /// The submission form's affiliation and bio, when it asked for them (the profile lacked
    /// them): saved to the speaker's profile in the submission's transaction. Not in the API.
    #[serde(skip)]
    #[schema(ignore)]
    pub profile: Option<crate::accounts::profile::ProgrammeFields>,
}

// `schema_with` leaves out a field's doc comment: the fields' meaning is written here.
// A draft holds shorter texts than a submission: the schema states what a draft accepts, and
// says what submitting needs.
fn title_schema() -> ObjectBuilder {
    schema::text(
        rules::DRAFT_TITLE,
        true,
        "required to submit, then at least 5 characters once trimmed (a draft may hold less)",
    )
}

fn abstract_schema() -> ObjectBuilder {
    schema::text(
        rules::DRAFT_ABSTRACT,
        true,
        "Markdown; required to submit, then at least 50 characters once trimmed (a draft may \
         hold less)",
    )
}

fn notes_schema() -> ObjectBuilder {
    schema::text(rules::CHAIR_NOTES, true, "for the chairs only")
}

fn co_speakers_schema() -> ArrayBuilder {
    schema::emails_or_null().description(Some(
        "co-speakers' emails, each invited: at most the event's `max_co_speakers`, not the \
         submitter's, none twice (ignoring case)",
    ))
}

fn links_schema() -> ArrayBuilder {
    schema::links_or_null().description(Some("links to materials (slides, code, a paper)"))
}

fn answers_schema() -> ObjectBuilder {
    schema::answers().description(Some(
        "answers to the event's questions by key; see `GET /api/v1/events/{slug}/questions`",
    ))
}

fn track_schema() -> ObjectBuilder {
    schema::track_choice().description(Some(
        "the key of one of the event's tracks, or null/blank to let the automatic tag decide",
    ))
}

/// Tells a JSON `null` (Some(None): clear it) from an absent field (None: unchanged).
fn deserialize_some<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

/// Parsed, valid values; on an edit only the fields that were sent.
#[derive(Default)]
pub(super) struct ParsedFields {
    pub(super) title: Option<ProposalTitle>,
    pub(super) abstract_text: Option<Abstract>,
    pub(super) notes: Option<ChairNotes>,
    pub(super) format: Option<String>,
    pub(super) track: Option<Option<String>>,
    pub(super) co_speakers: Option<Vec<EmailAddress>>,
    pub(super) links: Option<Vec<String>>,
    /// Every answer the proposal keeps (those not sent included).
    pub(super) answers: BTreeMap<String, serde_json::Value>,
}

/// What a proposal holds already, for the answers sent to apply to (empty on creation).
#[derive(Default)]
pub(super) struct Stored<'a> {
    pub(super) format: Option<&'a str>,
    pub(super) answers: BTreeMap<String, serde_json::Value>,
}

impl Stored<'_> {
    pub(super) fn answers_of(value: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }
}

/// Applies the answers sent (if any) to the stored ones; `submitting` enforces required
/// questions. Errors go into `errors` as `answers.<key>`.
pub(super) fn answers_into(
    errors: &mut FieldErrors,
    event: &Event,
    format: Option<&str>,
    stored: &BTreeMap<String, serde_json::Value>,
    sent: Option<&BTreeMap<String, serde_json::Value>>,
    submitting: bool,
) -> BTreeMap<String, serde_json::Value> {
    match crate::domain::questions::apply_answers(
        &event.questions(),
        format,
        stored,
        sent,
        submitting,
    ) {
        Ok(answers) => answers,
        Err(answer_errors) => {
            for (field, messages) in answer_errors.0 {
                for m in messages {
                    errors.add(&field, m);
                }
            }
            stored.clone()
        }
    }
}

pub(super) fn parse_fields(
    fields: &ProposalFields,
    event: &Event,
    track_keys: &[String],
    submitter_email: &str,
    creating: bool,
    stored: Stored<'_>,
) -> Result<ParsedFields, AppError> {
    let mut errors = FieldErrors::new();
    let mut required = |name: &str, value: &Option<String>| {
        if creating && value.is_none() {
            errors.add(name, "is required");
        }
    };
    required("title", &fields.title);
    required("abstract", &fields.abstract_text);
    required("format", &fields.format);
    let mut parsed = ParsedFields {
        title: fields
            .title
            .as_deref()
            .and_then(|t| errors.check("title", ProposalTitle::parse(t))),
        abstract_text: fields
            .abstract_text
            .as_deref()
            .and_then(|a| errors.check("abstract", Abstract::parse(a))),
        notes: fields
            .notes
            .as_deref()
            .and_then(|n| errors.check("notes", ChairNotes::parse(n))),
        ..Default::default()
    };
    if creating && parsed.notes.is_none() && fields.notes.is_none() {
        parsed.notes = ChairNotes::parse("").ok();
    }
    if let Some(format) = &fields.format {
        let formats = event.formats();
        if formats.iter().any(|f| &f.key == format) {
            parsed.format = Some(format.clone());
        } else {
            let allowed: Vec<&str> = formats.iter().map(|f| f.key.as_str()).collect();
            errors.add("format", format!("must be one of: {}", allowed.join(", ")));
        }
    }
    match &fields.track {
        Some(Some(track)) if !track.trim().is_empty() => {
            if track_keys.iter().any(|k| k == track.trim()) {
                parsed.track = Some(Some(track.trim().to_owned()));
            } else {
                errors.add(
                    "track",
                    format!(
                        "must be one of: {} (or empty to let mcfp decide)",
                        track_keys.join(", ")
                    ),
                );
            }
        }
        Some(_) => parsed.track = Some(None),
        None => {}
    }
    if let Some(emails) = &fields.co_speakers {
        let max = usize::try_from(event.max_co_speakers).unwrap_or(0);
        if emails.len() > max {
            errors.add("co_speakers", format!("at most {max} co-speakers"));
        }
        let mut seen = HashSet::new();
        let mut list = Vec::new();
        for (i, raw) in emails.iter().enumerate() {
            let field = format!("co_speakers[{i}]");
            if let Some(email) = errors.check(&field, EmailAddress::parse(raw)) {
                if email.normalized() == submitter_email.to_lowercase() {
                    errors.add(&field, "you are already the primary speaker");
                } else if !seen.insert(email.normalized().to_owned()) {
                    errors.add(&field, "is listed twice");
                } else {
                    list.push(email);
                }
            }
        }
        parsed.co_speakers = Some(list);
    }
    if let Some(links) = &fields.links {
        if links.len() > 10 {
            errors.add("links", "at most 10 links");
        }
        let parsed_links: Vec<String> = links
            .iter()
            .enumerate()
            .filter_map(|(i, l)| errors.check(&format!("links[{i}]"), MaterialLink::parse(l)))
            .map(|l| l.as_str().to_owned())
            .collect();
        parsed.links = Some(parsed_links);
    }
    let format = parsed
        .format
        .as_deref()
        .or(fields.format.as_deref())
        .or(stored.format);
    parsed.answers = answers_into(
        &mut errors,
        event,
        format,
        &stored.answers,
        fields.answers.as_ref(),
        true,
    );
    errors.into_result()?;
    Ok(parsed)
}
