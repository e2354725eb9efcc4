//! The chairs' email to a selection of speakers: by what the speakers were told (states),
//! tracks, and ticked proposals; one email per person (by normalized address), listing every
//! selected talk of theirs; previewed exactly as it is sent, and sent through the outbox in
//! one transaction with its history row.

use std::collections::BTreeMap;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::crypto::hash_token;
use crate::db::events::{self, Event};
use crate::db::mailings::{self as db, NewMailing, SelectionQuery};
use crate::db::proposals::{self as proposals_db, IdempotencyClaim};
use crate::domain::rules::{MAILING_BODY, MAILING_SUBJECT};
use crate::domain::{ProposalId, schema};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::placeholders::{self, Template};
use crate::mail::templates::{DecisionEmail, RenderedEmail};
use crate::state::AppState;

/// Every placeholder of a chairs' email to speakers, with what it stands for.
pub const MAILING_PLACEHOLDERS: &[(&str, &str)] = &[
    ("speaker_name", "the name of the speaker the email goes to"),
    (
        "proposal_title",
        "the title of their (first) selected proposal",
    ),
    (
        "proposal_url",
        "the page of their (first) selected proposal",
    ),
    (
        "proposals",
        "all their selected proposals, one per line: title and page",
    ),
    ("event_title", "the event's title"),
    ("event_url", "the event's page"),
    (
        "confirm_by",
        "the confirmation deadline in the event's time zone (empty when there is none)",
    ),
    (
        "confirm_url",
        "where an accepted speaker confirms or declines (their first selected proposal)",
    ),
];

/// How many rendered messages a preview shows (with the total count).
pub const PREVIEW_LIMIT: usize = 50;

/// A state as the speakers were told it (a decision counts once released).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MailState {
    /// A released accept, confirmed or not (not declined).
    Accepted,
    /// A released accept the speakers confirmed.
    Confirmed,
    /// A released accept not confirmed (nor declined) yet.
    Unconfirmed,
    /// A released reject.
    Rejected,
    /// A released waitlist.
    Waitlisted,
    /// Every proposal not withdrawn, whatever its decision.
    Submitted,
}

impl MailState {
    pub const ALL: [MailState; 6] = [
        MailState::Accepted,
        MailState::Confirmed,
        MailState::Unconfirmed,
        MailState::Rejected,
        MailState::Waitlisted,
        MailState::Submitted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Accepted => "accepted",
            MailState::Confirmed => "confirmed",
            MailState::Unconfirmed => "unconfirmed",
            MailState::Rejected => "rejected",
            MailState::Waitlisted => "waitlisted",
            MailState::Submitted => "submitted",
        }
    }

    pub fn parse(text: &str) -> Option<MailState> {
        MailState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The proposal states (`proposals.state`) this selects; None: every one not withdrawn.
    fn proposal_states(self) -> Option<&'static [&'static str]> {
        match self {
            MailState::Accepted => Some(&["accepted", "confirmed"]),
            MailState::Confirmed => Some(&["confirmed"]),
            MailState::Unconfirmed => Some(&["accepted"]),
            MailState::Rejected => Some(&["rejected"]),
            MailState::Waitlisted => Some(&["waitlisted"]),
            MailState::Submitted => None,
        }
    }
}

/// Whom to write to: the union of `states` (empty: no state filter), intersected with `tracks`
/// when given, plus the proposals in `proposal_ids`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Each state once (a repeat is a 422 `to.states`).
    #[serde(default)]
    #[schema(max_items = 6)]
    pub states: Vec<MailState>,
    /// Track keys of the event (an unknown one is a 422 `to.tracks`).
    #[serde(default)]
    #[schema(schema_with = schema::key_list_bounded)]
    pub tracks: Vec<String>,
    /// Proposals of the event (another event's is a 422 `to.proposal_ids`).
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>, max_items = 1000)]
    pub proposal_ids: Vec<ProposalId>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.states.is_empty() && self.tracks.is_empty() && self.proposal_ids.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailingRequest {
    pub to: Selection,
    /// Placeholders as `{{name}}` (see the list); 1–200 characters.
    #[schema(schema_with = schema::mailing_subject)]
    pub subject: String,
    /// Placeholders as `{{name}}`, sections as `{{#name}}…{{/name}}`; 1–20000 characters.
    #[schema(schema_with = schema::mailing_body)]
    pub body: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailingProposal {
    pub id: uuid::Uuid,
    pub title: String,
}

/// One rendered message, exactly as it is sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailingMessage {
    pub to: String,
    pub subject: String,
    /// The text part.
    pub body: String,
    /// Their selected proposals, the first one the `{{proposal_…}}` placeholders name.
    pub proposals: Vec<MailingProposal>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailingPreview {
    /// How many emails sending would queue (one per person).
    pub recipients: usize,
    /// The first 50 of them, rendered.
    pub messages: Vec<MailingMessage>,
}

/// A message with what the outbox needs.
struct Planned {
    address: String,
    first_proposal: ProposalId,
    message: MailingMessage,
    content: RenderedEmail,
}

fn field_error(field: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(FieldErrors::single(field, message.into()))
}

/// Checks the wording: bounds and known placeholders (422 naming `subject` or `body`).
fn parse_wording(request: &MailingRequest) -> AppResult<(Template, Template)> {
    let mut errors = FieldErrors::new();
    let subject = errors
        .check("subject", MAILING_SUBJECT.clean(&request.subject))
        .and_then(|s| errors.check("subject", Template::parse_with(&s, MAILING_PLACEHOLDERS)));
    let body = errors
        .check("body", MAILING_BODY.clean(&request.body))
        .and_then(|b| errors.check("body", Template::parse_with(&b, MAILING_PLACEHOLDERS)));
    if request.to.is_empty() {
        errors.add("to", "choose at least one state, track or proposal");
    }
    // the bounds the API description states (a repeat would only repeat the selection)
    let repeats = |items: &[String]| {
        items
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            < items.len()
    };
    let states: Vec<String> = request.to.states.iter().map(|s| format!("{s:?}")).collect();
    if states.len() > 6 || repeats(&states) {
        errors.add("to.states", "at most the 6 states, each once");
    }
    if request.to.tracks.len() > 50 || repeats(&request.to.tracks) {
        errors.add("to.tracks", "at most 50 tracks, each once");
    }
    if request.to.proposal_ids.len() > 1000 {
        errors.add("to.proposal_ids", "at most 1000 proposals");
    }
    errors.clone().into_result()?;
    match (subject, body) {
        (Some(subject), Some(body)) => Ok((subject, body)),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Renders one message per person the selection reaches (submitters and accepted
/// co-speakers), in the order of their first selected proposal.
async fn plan(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    event: &Event,
    request: &MailingRequest,
) -> AppResult<Vec<Planned>> {
    let (subject, body) = parse_wording(request)?;
    let to = &request.to;
    if !to.tracks.is_empty() {
        let keys: Vec<String> = events::tracks_of(conn, event.id)
            .await?
            .into_iter()
            .map(|t| t.key)
            .collect();
        if let Some(unknown) = to.tracks.iter().find(|t| !keys.contains(t)) {
            return Err(field_error(
                "to.tracks",
                format!("`{unknown}` is not a track of this event"),
            ));
        }
    }
    if !to.proposal_ids.is_empty() {
        let foreign = db::foreign_proposal_ids(conn, event.id, &to.proposal_ids).await?;
        if let Some(id) = foreign.first() {
            return Err(field_error(
                "to.proposal_ids",
                format!("{id} is not a proposal of this event"),
            ));
        }
    }
    let states = if to.states.is_empty() || to.states.iter().any(|s| s.proposal_states().is_none())
    {
        None
    } else {
        let mut states: Vec<&str> = to
            .states
            .iter()
            .flat_map(|s| s.proposal_states().unwrap_or_default().iter().copied())
            .collect();
        states.sort_unstable();
        states.dedup();
        Some(states)
    };
    let selection = SelectionQuery {
        states,
        tracks: &to.tracks,
        ids: &to.proposal_ids,
        filtered: !to.states.is_empty() || !to.tracks.is_empty(),
    };
    let proposals = db::selected_proposals(conn, event.id, &selection).await?;
    let ids: Vec<ProposalId> = proposals.iter().map(|(id, _)| *id).collect();
    let speakers = proposals_db::speakers_of(conn, &ids).await?;
    // person (normalized address) → (name, address, their proposals in selection order)
    let mut people: Vec<(String, String, String, Vec<usize>)> = Vec::new();
    for (index, (id, _)) in proposals.iter().enumerate() {
        for speaker in speakers.iter().filter(|s| s.proposal_id == *id) {
            let normalized = speaker.email.trim().to_lowercase();
            match people.iter_mut().find(|p| p.0 == normalized) {
                Some(person) => {
                    if !person.3.contains(&index) {
                        person.3.push(index);
                    }
                }
                None => people.push((
                    normalized,
                    speaker.name.clone(),
                    speaker.email.clone(),
                    vec![index],
                )),
            }
        }
    }
    let link = |path: String| -> AppResult<String> {
        Ok(state
            .base_url
            .join(&path)
            .map_err(AppError::internal)?
            .to_string())
    };
    let event_url = link(format!("events/{}", event.slug))?;
    let confirm_by = event
        .confirm_by
        .map(|at| crate::time::in_zone(at, &event.time_zone))
        .unwrap_or_default();
    let mut planned = Vec::with_capacity(people.len());
    for (address, name, email, indexes) in people {
        let talks: Vec<&(ProposalId, String)> = indexes.iter().map(|&i| &proposals[i]).collect();
        let (first_id, first_title) = talks[0];
        let mut list = Vec::new();
        for (id, title) in &talks {
            list.push(format!("- {title}: {}", link(format!("proposals/{id}"))?));
        }
        let values = BTreeMap::from([
            ("speaker_name", name.clone()),
            ("proposal_title", first_title.clone()),
            ("proposal_url", link(format!("proposals/{first_id}"))?),
            ("proposals", list.join("\n")),
            ("event_title", event.title.clone()),
            ("event_url", event_url.clone()),
            ("confirm_by", confirm_by.clone()),
            (
                "confirm_url",
                link(format!("proposals/{first_id}/confirm"))?,
            ),
        ]);
        let body_text = body.render(&values);
        let content = DecisionEmail {
            subject: subject.render(&values),
            body_html: placeholders::text_to_html(&body_text),
            body_text: body_text.clone(),
        }
        .render()
        .map_err(AppError::internal)?;
        let to = crate::mail::mailbox_text(&name, &email);
        planned.push(Planned {
            address,
            first_proposal: *first_id,
            message: MailingMessage {
                to,
                subject: content.subject.clone(),
                body: body_text,
                proposals: talks
                    .iter()
                    .map(|(id, title)| MailingProposal {
                        id: id.0,
                        title: title.clone(),
                    })
                    .collect(),
            },
            content,
        });
    }
    Ok(planned)
}

/// The exact messages sending would queue now (the first [`PREVIEW_LIMIT`]) and their count.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn preview(
    state: &AppState,
    event: &Event,
    request: &MailingRequest,
) -> AppResult<MailingPreview> {
    let mut conn = state.pool.get().await?;
    let planned = plan(&mut conn, state, event, request).await?;
    Ok(MailingPreview {
        recipients: planned.len(),
        messages: planned
            .into_iter()
            .take(PREVIEW_LIMIT)
            .map(|p| p.message)
            .collect(),
    })
}

/// What sending did: how many emails were queued (a replay answers the first count).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MailingSent {
    pub queued: usize,
}

/// Sends the email: in one transaction, the history row and one outbox row per person. With
/// an idempotency key, a repeat of the same request replays the first answer and sends nothing.
/// A selection that reaches nobody is a 422 `to`.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn send(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    request: MailingRequest,
    idempotency_key: Option<&str>,
) -> AppResult<MailingSent> {
    if let Some(key) = idempotency_key
        && !(1..=200).contains(&key.len())
    {
        return Err(field_error("Idempotency-Key", "must be 1–200 characters"));
    }
    parse_wording(&request)?;
    let request_hash = hash_token(&format!(
        "mailing\n{}\n{}",
        event.slug,
        serde_json::to_string(&request).map_err(AppError::internal)?
    ));
    let mut conn = state.pool.get().await?;
    let (chair, event) = (chair.clone(), event.clone());
    conn.transaction::<_, AppError, _>(async move |conn| {
        if let Some(key) = idempotency_key {
            match proposals_db::claim_idempotency_key(conn, chair.id, key, &request_hash).await? {
                IdempotencyClaim::Fresh => {}
                IdempotencyClaim::Replay { body, .. } => {
                    return serde_json::from_value(body).map_err(AppError::internal);
                }
                IdempotencyClaim::Mismatch => {
                    return Err(field_error(
                        "Idempotency-Key",
                        "was already used with a different request",
                    ));
                }
            }
        }
        let planned = plan(conn, state, &event, &request).await?;
        if planned.is_empty() {
            return Err(field_error("to", "selects no speakers"));
        }
        let mailing_id = uuid::Uuid::now_v7();
        let selection = serde_json::to_value(&request.to).map_err(AppError::internal)?;
        db::insert_mailing(
            conn,
            NewMailing {
                id: mailing_id,
                event_id: event.id,
                sent_by: Some(chair.id),
                selection: &selection,
                subject: &request.subject,
                body: &request.body,
                recipients: i32::try_from(planned.len()).map_err(AppError::internal)?,
            },
        )
        .await?;
        let mut queued = 0;
        for p in planned {
            let fresh = crate::mail::enqueue(
                conn,
                &state.settings.secret_key,
                crate::mail::OutgoingEmail {
                    dedupe_key: format!("mailing:{mailing_id}:{}", p.address),
                    kind: "speaker_mailing",
                    event_id: Some(event.id),
                    proposal_id: Some(p.first_proposal.0),
                    to: p.message.to,
                    content: p.content,
                    secret: None,
                },
            )
            .await?;
            queued += usize::from(fresh);
        }
        let sent = MailingSent { queued };
        if let Some(key) = idempotency_key {
            let body = serde_json::to_value(&sent).map_err(AppError::internal)?;
            proposals_db::store_idempotent_response(conn, chair.id, key, 202, &body).await?;
        }
        tracing::info!(queued, "speaker mailing queued");
        Ok(sent)
    })
    .await
}

/// The event's past mailings, newest first.
pub async fn history(state: &AppState, event: &Event) -> AppResult<Vec<db::MailingRow>> {
    let mut conn = state.pool.get().await?;
    Ok(db::mailings_of(&mut conn, event.id).await?)
}
