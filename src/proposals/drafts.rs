//! Drafts: a speaker's unfinished proposal, saved on demand or while typing, seen by its speaker
//! only, and submitted when ready (`submit_draft`) through the same code as a direct submission.
//!
//! A draft lives in `proposal_drafts`, never in `proposals`: every chair's list, count, ranking,
//! assignment, statistic and export reads `proposals` only, so none of them can see a draft.
//! Only lengths and choices are checked when a draft is saved; what is required is checked when
//! it is submitted (`submit::submit_draft`). Saving, editing and submitting a draft follow the CfP window (403 outside
//! it, as a direct submission); deleting one (withdrawing it) is always allowed.

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::fields::{ProposalFields, Stored, answers_into};
use super::guards::{EditPrecondition, cfp_closed, stale_edit};
use super::tags::TagsView;
use super::{ProposalView, SpeakerView};
use crate::accounts::CurrentUser;
use crate::db::events::{self, Event};
use crate::db::proposals::{self as db, Draft, DraftContent};
use crate::domain::{MaterialLink, ProposalId, ProposalState, TextRule, rules};
use crate::error::{AppError, FieldErrors};

/// A co-speaker's email as typed into a draft (checked as an email when the draft is submitted).
const DRAFT_EMAIL: TextRule = TextRule::line(0, 320);
const DRAFT_LINK: TextRule = TextRule::line(0, MaterialLink::MAX_LENGTH);
/// At most this many co-speaker lines in a draft (the database's bound; the event's own
/// `max_co_speakers` is checked at submission).
const DRAFT_MAX_CO_SPEAKERS: usize = 20;
const DRAFT_MAX_LINKS: usize = 10;

/// A draft's values once their lengths are checked; `None`: not sent (unchanged on a save).
#[derive(Default)]
pub(super) struct DraftValues {
    title: Option<String>,
    abstract_text: Option<String>,
    notes: Option<String>,
    format: Option<String>,
    track: Option<Option<String>>,
    co_speakers: Option<Vec<String>>,
    links: Option<Vec<String>>,
    /// Every answer the draft keeps (none required yet).
    answers: std::collections::BTreeMap<String, serde_json::Value>,
}

/// Lenient parsing: lengths, control characters and the event's choices only.
pub(super) fn parse_draft(
    fields: &ProposalFields,
    event: &Event,
    track_keys: &[String],
    stored: Stored<'_>,
) -> Result<DraftValues, AppError> {
    let mut errors = FieldErrors::new();
    let text = |errors: &mut FieldErrors, name: &str, rule: TextRule, value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| errors.check(name, rule.clean(v)))
    };
    let mut values = DraftValues {
        title: text(&mut errors, "title", rules::DRAFT_TITLE, &fields.title),
        abstract_text: text(
            &mut errors,
            "abstract",
            rules::DRAFT_ABSTRACT,
            &fields.abstract_text,
        ),
        notes: text(&mut errors, "notes", rules::CHAIR_NOTES, &fields.notes),
        ..Default::default()
    };
    if let Some(format) = &fields.format {
        if format.is_empty() || event.formats().iter().any(|f| &f.key == format) {
            values.format = Some(format.clone());
        } else {
            let allowed: Vec<String> = event.formats().into_iter().map(|f| f.key).collect();
            errors.add("format", format!("must be one of: {}", allowed.join(", ")));
        }
    }
    match &fields.track {
        Some(Some(track)) if !track.trim().is_empty() => {
            if track_keys.iter().any(|k| k == track.trim()) {
                values.track = Some(Some(track.trim().to_owned()));
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
        Some(_) => values.track = Some(None),
        None => {}
    }
    let list = |errors: &mut FieldErrors,
                name: &str,
                rule: TextRule,
                max: usize,
                items: &Option<Vec<String>>| {
        let items = items.as_ref()?;
        if items.len() > max {
            errors.add(name, format!("at most {max}"));
            return None;
        }
        Some(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| errors.check(&format!("{name}[{i}]"), rule.clean(item)))
                .filter(|item| !item.is_empty())
                .collect::<Vec<_>>(),
        )
    };
    values.co_speakers = list(
        &mut errors,
        "co_speakers",
        DRAFT_EMAIL,
        DRAFT_MAX_CO_SPEAKERS,
        &fields.co_speakers,
    );
    values.links = list(
        &mut errors,
        "links",
        DRAFT_LINK,
        DRAFT_MAX_LINKS,
        &fields.links,
    );
    let format = values
        .format
        .as_deref()
        .or(stored.format)
        .filter(|f| !f.is_empty());
    values.answers = answers_into(
        &mut errors,
        event,
        format,
        &stored.answers,
        fields.answers.as_ref(),
        false,
    );
    errors.into_result()?;
    Ok(values)
}

/// Inserts a new draft (inside the caller's transaction).
pub(super) async fn insert(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    event: &Event,
    values: DraftValues,
) -> Result<Draft, AppError> {
    let empty = Vec::new();
    let answers = serde_json::to_value(&values.answers).map_err(AppError::internal)?;
    let content = DraftContent {
        title: values.title.as_deref().unwrap_or(""),
        abstract_text: values.abstract_text.as_deref().unwrap_or(""),
        notes: values.notes.as_deref().unwrap_or(""),
        format: values.format.as_deref().unwrap_or(""),
        speaker_track: values.track.as_ref().and_then(|t| t.as_deref()),
        co_speakers: values.co_speakers.as_deref().unwrap_or(&empty),
        links: values.links.as_deref().unwrap_or(&empty),
        answers: &answers,
    };
    let draft = db::insert_draft(conn, ProposalId::new(), event.id, user.id, &content).await?;
    tracing::info!(proposal.id = %draft.id, event.slug = %event.slug, "draft saved");
    Ok(draft)
}

/// How a draft shows: like a proposal, `state: "draft"`, to its speaker (the only one who sees it).
pub fn draft_view(event: &Event, draft: &Draft, speaker: &CurrentUser) -> ProposalView {
    ProposalView {
        id: draft.id.0,
        event: event.slug.clone(),
        title: draft.title.clone(),
        abstract_text: draft.abstract_text.clone(),
        notes: draft.notes.clone(),
        format: draft.format.clone(),
        state: ProposalState::Draft,
        // (a draft's view carries no profile: its speaker edits that on the account page)
        speakers: vec![SpeakerView {
            name: speaker.name.clone(),
            email: speaker.email.clone(),
            affiliation: String::new(),
            bio: String::new(),
            pronouns: String::new(),
            photo_url: None,
        }],
        // not invited yet: that happens when the draft is submitted
        invited: draft.co_speakers.clone(),
        co_speaker_invitations: Vec::new(),
        links: draft.links.clone(),
        answers: serde_json::from_value(draft.answers.clone()).unwrap_or_default(),
        tags: TagsView {
            track: draft.speaker_track.clone(),
            subtopics: Vec::new(),
            confidence: None,
            evidence: Vec::new(),
            source: if draft.speaker_track.is_some() {
                "speaker".into()
            } else {
                "auto".into()
            },
            auto_track: None,
            speaker_track: draft.speaker_track.clone(),
            speaker_disagrees: false,
        },
        decision: None,
        editable: event.cfp_open_at(Utc::now()),
        similar: None,
        version: draft.version,
        created_at: draft.created_at,
        updated_at: draft.updated_at,
    }
}

/// The user's own draft with its event; None when there is no such draft or it is someone
/// else's (the caller answers 404 either way).
pub async fn own_draft(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<Option<(Draft, Event)>, AppError> {
    let Some(draft) = db::find_draft(conn, id).await? else {
        return Ok(None);
    };
    if draft.submitter_id != user.id {
        return Ok(None);
    }
    let event = events::find_by_id(conn, draft.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Some((draft, event)))
}

/// The user's drafts in every event, with their events, the latest saved first.
pub async fn drafts_of(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
) -> Result<Vec<(Draft, Event)>, AppError> {
    let drafts = db::drafts_of(conn, user.id).await?;
    let mut out = Vec::with_capacity(drafts.len());
    for draft in drafts {
        if let Some(event) = events::find_by_id(conn, draft.event_id).await? {
            out.push((draft, event));
        }
    }
    Ok(out)
}

/// The locked draft of `user` and its event, inside a transaction; None when it is not theirs
/// or not a draft.
pub(super) async fn own_draft_for_update(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<Option<(Draft, Event)>, AppError> {
    let Some(draft) = db::find_draft(conn, id).await? else {
        return Ok(None);
    };
    // the event's row first, as every writer takes them (db::reviews::lock_event)
    crate::db::reviews::lock_event(conn, draft.event_id).await?;
    let Some(draft) = db::find_draft_for_update(conn, id).await? else {
        return Ok(None);
    };
    if draft.submitter_id != user.id {
        return Ok(None);
    }
    let event = events::find_by_id(conn, draft.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Some((draft, event)))
}

/// Saves an edit of a draft (only the fields sent change) inside the caller's transaction;
/// None when `id` is not a draft of this user (the caller tries the proposals).
pub(super) async fn save(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
    fields: &ProposalFields,
    precondition: &EditPrecondition,
) -> Result<Option<ProposalView>, AppError> {
    let Some((draft, event)) = own_draft_for_update(conn, user, id).await? else {
        return Ok(None);
    };
    if !precondition.holds_for(draft.version) {
        return Err(stale_edit(draft.version));
    }
    if !event.cfp_open_at(Utc::now()) {
        return Err(cfp_closed(&event));
    }
    let track_keys = track_keys(conn, &event).await?;
    let stored = Stored {
        format: Some(&draft.format),
        answers: Stored::answers_of(&draft.answers),
    };
    let values = parse_draft(fields, &event, &track_keys, stored)?;
    let answers = serde_json::to_value(&values.answers).map_err(AppError::internal)?;
    let content = DraftContent {
        title: values.title.as_deref().unwrap_or(&draft.title),
        abstract_text: values
            .abstract_text
            .as_deref()
            .unwrap_or(&draft.abstract_text),
        notes: values.notes.as_deref().unwrap_or(&draft.notes),
        format: values.format.as_deref().unwrap_or(&draft.format),
        speaker_track: match &values.track {
            Some(choice) => choice.as_deref(),
            None => draft.speaker_track.as_deref(),
        },
        co_speakers: values.co_speakers.as_deref().unwrap_or(&draft.co_speakers),
        links: values.links.as_deref().unwrap_or(&draft.links),
        answers: &answers,
    };
    let saved = db::update_draft(conn, id, &content)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Some(draft_view(&event, &saved, user)))
}

/// Deletes the user's draft (withdrawing a draft); None when `id` is not a draft of theirs.
pub(super) async fn delete(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<Option<ProposalView>, AppError> {
    let Some((draft, event)) = own_draft_for_update(conn, user, id).await? else {
        return Ok(None);
    };
    db::delete_draft(conn, id).await?;
    let mut view = draft_view(&event, &draft, user);
    view.state = ProposalState::Withdrawn;
    view.editable = false;
    Ok(Some(view))
}

pub(super) async fn track_keys(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> Result<Vec<String>, AppError> {
    Ok(events::tracks_of(conn, event.id)
        .await?
        .into_iter()
        .map(|t| t.key)
        .collect())
}
