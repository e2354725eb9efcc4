//! Proposal actions shared by the JSON API and the pages: submit, edit, withdraw, invitations.
//! Each action is one transaction, with its emails written to the outbox inside it.

use std::collections::HashSet;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::json;

use crate::accounts::CurrentUser;
use crate::crypto::{hash_token, random_token};
use crate::db::events::{self, Event};
use crate::db::proposals::{self as db, IdempotencyClaim, NewProposal, Proposal, ProposalChanges};
use crate::domain::{
    Abstract, ChairNotes, Decision, EmailAddress, MaterialLink, ProposalId, ProposalState,
    ProposalTitle, Transition, UserId,
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::templates::{CoSpeakerInvitation, ProposalReceipt};
use crate::mail::{self, OutgoingEmail, SECRET_PLACEHOLDER};
use crate::state::AppState;
use crate::tagging;

const INVITE_TOKEN_PREFIX: &str = "mcfpi_";

/// What a speaker sends, before parsing. `None` on an edit: leave the field as it is.
#[derive(Debug, Default, Clone, serde::Deserialize, Serialize, utoipa::ToSchema)]
pub struct ProposalFields {
    pub title: Option<String>,
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    pub notes: Option<String>,
    pub format: Option<String>,
    /// A track key, or null/empty to let the automatic tag decide.
    #[serde(default, deserialize_with = "deserialize_some")]
    pub track: Option<Option<String>>,
    pub co_speakers: Option<Vec<String>>,
    pub links: Option<Vec<String>>,
}

/// Tells a JSON `null` (Some(None): clear it) from an absent field (None: unchanged).
fn deserialize_some<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

/// Parsed, valid values; on an edit only the fields that were sent.
#[derive(Default)]
struct ParsedFields {
    title: Option<ProposalTitle>,
    abstract_text: Option<Abstract>,
    notes: Option<ChairNotes>,
    format: Option<String>,
    track: Option<Option<String>>,
    co_speakers: Option<Vec<EmailAddress>>,
    links: Option<Vec<String>>,
}

fn parse_fields(
    fields: &ProposalFields,
    event: &Event,
    track_keys: &[String],
    submitter_email: &str,
    creating: bool,
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
    errors.into_result()?;
    Ok(parsed)
}

/// The automatic tag of a proposal's text.
fn auto_tag(
    title: &str,
    abstract_text: &str,
    notes: &str,
) -> (String, f32, Vec<String>, Vec<String>) {
    let c = tagging::classify(title, abstract_text, notes);
    (
        c.track.key().to_owned(),
        c.confidence as f32,
        c.subtopics.iter().map(|s| (*s).to_owned()).collect(),
        c.evidence,
    )
}

pub struct CreateOutcome {
    pub status: u16,
    pub body: serde_json::Value,
    pub proposal_id: Option<ProposalId>,
}

fn cfp_closed(event: &Event) -> AppError {
    AppError::Forbidden(format!(
        "the call for proposals is closed (it was open from {} to {} UTC)",
        event.cfp_opens_at.format("%Y-%m-%d %H:%M"),
        event.cfp_closes_at.format("%Y-%m-%d %H:%M")
    ))
}

/// Submits a proposal. With an idempotency key, a repeat of the same request replays the
/// first response and creates nothing; the same key with another body is a 422.
#[tracing::instrument(skip_all, fields(user.id = %user.id, event.slug = %event.slug))]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    event: &Event,
    fields: ProposalFields,
    idempotency_key: Option<&str>,
) -> Result<CreateOutcome, AppError> {
    if !event.cfp_open_at(Utc::now()) {
        return Err(cfp_closed(event));
    }
    if let Some(key) = idempotency_key
        && !(1..=200).contains(&key.len())
    {
        return Err(AppError::Validation(FieldErrors::single(
            "Idempotency-Key",
            "must be 1–200 characters",
        )));
    }
    let mut conn = state.pool.get().await?;
    let track_keys: Vec<String> = events::tracks_of(&mut conn, event.id)
        .await?
        .into_iter()
        .map(|t| t.key)
        .collect();
    let parsed = parse_fields(&fields, event, &track_keys, &user.email, true)?;
    let request_hash = hash_token(&format!(
        "{}\n{}",
        event.slug,
        serde_json::to_string(&fields).map_err(AppError::internal)?
    ));
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    let user = user.clone();
    let event = event.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        if let Some(idempotency_key) = idempotency_key {
            match db::claim_idempotency_key(conn, user.id, idempotency_key, &request_hash).await? {
                IdempotencyClaim::Fresh => {}
                IdempotencyClaim::Replay { status, body } => {
                    return Ok(CreateOutcome {
                        status,
                        body,
                        proposal_id: None,
                    });
                }
                IdempotencyClaim::Mismatch => {
                    return Err(AppError::Validation(FieldErrors::single(
                        "Idempotency-Key",
                        "was already used with a different request",
                    )));
                }
            }
        }
        let active = db::count_active_by_submitter(conn, event.id, user.id).await?;
        if active >= i64::from(event.max_proposals_per_speaker) {
            return Err(AppError::conflict(
                "event",
                &format!(
                    "you already have {active} proposals in this call, its maximum per speaker"
                ),
            ));
        }
        let (Some(title), Some(abstract_text), Some(notes), Some(format)) = (
            parsed.title,
            parsed.abstract_text,
            parsed.notes,
            parsed.format,
        ) else {
            return Err(AppError::internal("required fields were checked above"));
        };
        let links = parsed.links.unwrap_or_default();
        let (auto_track, auto_confidence, auto_subtopics, auto_evidence) =
            auto_tag(title.as_str(), abstract_text.as_str(), notes.as_str());
        let speaker_track = parsed.track.flatten();
        let proposal = db::insert(
            conn,
            NewProposal {
                id: ProposalId::new(),
                event_id: event.id,
                submitter_id: user.id,
                title: title.as_str(),
                abstract_text: abstract_text.as_str(),
                notes: notes.as_str(),
                format: &format,
                links: &links,
                speaker_track: speaker_track.as_deref(),
                auto_track: &auto_track,
                auto_confidence,
                auto_subtopics: &auto_subtopics,
                auto_evidence: &auto_evidence,
            },
        )
        .await?;
        invite_co_speakers(
            conn,
            &key,
            &base_url,
            &event,
            &proposal,
            &user.name,
            parsed.co_speakers.unwrap_or_default(),
            0,
        )
        .await?;
        let receipt = ProposalReceipt {
            name: user.name.clone(),
            title: proposal.title.clone(),
            event_title: event.title.clone(),
            link: base_url
                .join(&format!("proposals/{}", proposal.id))
                .map_err(AppError::internal)?
                .to_string(),
            closes: crate::time::in_zone(event.cfp_closes_at, &event.time_zone),
        }
        .render()
        .map_err(AppError::internal)?;
        mail::enqueue(
            conn,
            &key,
            OutgoingEmail {
                dedupe_key: format!("receipt:{}:{}", proposal.id, user.id),
                kind: "proposal_receipt",
                event_id: Some(event.id),
                proposal_id: Some(proposal.id.0),
                to: mail::mailbox_text(&user.name, &user.email),
                content: receipt,
                secret: None,
            },
        )
        .await?;
        let body = serde_json::to_value(view(conn, &event, &proposal, Viewer::Speaker).await?)
            .map_err(AppError::internal)?;
        if let Some(idempotency_key) = idempotency_key {
            db::store_idempotent_response(conn, user.id, idempotency_key, 201, &body).await?;
        }
        tracing::info!(proposal.id = %proposal.id, event.slug = %event.slug, "proposal submitted");
        Ok(CreateOutcome {
            status: 201,
            body,
            proposal_id: Some(proposal.id),
        })
    })
    .await
}

/// Emails an invitation (with a single-purpose accept link) to each new co-speaker.
#[allow(clippy::too_many_arguments)]
async fn invite_co_speakers(
    conn: &mut AsyncPgConnection,
    key: &crate::crypto::SecretKey,
    base_url: &url::Url,
    event: &Event,
    proposal: &Proposal,
    inviter: &str,
    emails: Vec<EmailAddress>,
    first_position: i32,
) -> Result<(), AppError> {
    for (offset, email) in emails.into_iter().enumerate() {
        let token = random_token(INVITE_TOKEN_PREFIX);
        let id = db::insert_co_speaker(
            conn,
            proposal.id,
            email.as_str(),
            email.normalized(),
            &hash_token(&token),
            first_position + offset as i32,
        )
        .await?;
        let content = CoSpeakerInvitation {
            inviter: inviter.to_owned(),
            title: proposal.title.clone(),
            event_title: event.title.clone(),
            link: base_url
                .join(&format!("invitations/{SECRET_PLACEHOLDER}"))
                .map_err(AppError::internal)?
                .to_string(),
        }
        .render()
        .map_err(AppError::internal)?;
        mail::enqueue(
            conn,
            key,
            OutgoingEmail {
                dedupe_key: format!("co-speaker-invitation:{id}"),
                kind: "co_speaker_invitation",
                event_id: Some(event.id),
                proposal_id: Some(proposal.id.0),
                to: email.as_str().to_owned(),
                content,
                secret: Some(&token),
            },
        )
        .await?;
    }
    Ok(())
}

/// Applies a speaker's edit while the CfP is open; keeps a revision of what changed.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: ProposalId,
    fields: ProposalFields,
) -> Result<serde_json::Value, AppError> {
    let mut conn = state.pool.get().await?;
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = speaker_proposal_for_update(conn, &user, id).await?;
        if !event.cfp_open_at(Utc::now()) {
            return Err(AppError::Forbidden(
                "the call for proposals is closed: the proposal is read-only now".into(),
            ));
        }
        proposal
            .state
            .after(Transition::Edit)
            .map_err(|refused| AppError::conflict("state", &refused.to_string()))?;
        let track_keys: Vec<String> = events::tracks_of(conn, event.id)
            .await?
            .into_iter()
            .map(|t| t.key)
            .collect();
        let submitter_email = crate::db::users::find_by_id(conn, proposal.submitter_id)
            .await?
            .map(|u| u.email)
            .unwrap_or_default();
        let parsed = parse_fields(&fields, &event, &track_keys, &submitter_email, false)?;

        let mut changes = serde_json::Map::new();
        let mut record = |field: &str, before: serde_json::Value, after: serde_json::Value| {
            if before != after {
                changes.insert(field.to_owned(), json!({"before": before, "after": after}));
            }
        };
        let title = parsed
            .title
            .as_ref()
            .map_or(proposal.title.as_str(), |t| t.as_str());
        let abstract_text = parsed
            .abstract_text
            .as_ref()
            .map_or(proposal.abstract_text.as_str(), |a| a.as_str());
        let notes = parsed
            .notes
            .as_ref()
            .map_or(proposal.notes.as_str(), |n| n.as_str());
        let format = parsed.format.as_deref().unwrap_or(&proposal.format);
        let links = parsed
            .links
            .clone()
            .unwrap_or_else(|| proposal.links.clone());
        let speaker_track = match &parsed.track {
            Some(choice) => choice.clone(),
            None => proposal.speaker_track.clone(),
        };
        record("title", json!(proposal.title), json!(title));
        record(
            "abstract",
            json!(proposal.abstract_text),
            json!(abstract_text),
        );
        record("notes", json!(proposal.notes), json!(notes));
        record("format", json!(proposal.format), json!(format));
        record("links", json!(proposal.links), json!(links));
        record("track", json!(proposal.speaker_track), json!(speaker_track));

        // Co-speakers: the list sent replaces the list; new emails are invited, missing ones removed.
        if let Some(wanted) = parsed.co_speakers {
            let current = db::invitations_of(conn, &[proposal.id]).await?;
            let current_emails: Vec<String> =
                current.iter().map(|c| c.email.to_lowercase()).collect();
            let wanted_emails: Vec<String> =
                wanted.iter().map(|e| e.normalized().to_owned()).collect();
            let removed: Vec<String> = current_emails
                .iter()
                .filter(|e| !wanted_emails.contains(e))
                .cloned()
                .collect();
            let added: Vec<EmailAddress> = wanted
                .into_iter()
                .filter(|e| !current_emails.contains(&e.normalized().to_owned()))
                .collect();
            if !removed.is_empty() || !added.is_empty() {
                record(
                    "co_speakers",
                    json!(current.iter().map(|c| &c.email).collect::<Vec<_>>()),
                    json!(wanted_emails),
                );
            }
            db::remove_co_speakers(conn, proposal.id, &removed).await?;
            invite_co_speakers(
                conn,
                &key,
                &base_url,
                &event,
                &proposal,
                &user.name,
                added,
                current.len() as i32,
            )
            .await?;
        }

        let text_changed = ["title", "abstract", "notes"]
            .iter()
            .any(|f| changes.contains_key(*f));
        let (auto_track, auto_confidence, auto_subtopics, auto_evidence) =
            auto_tag(title, abstract_text, notes);
        let db_changes = ProposalChanges {
            title: Some(title),
            abstract_text: Some(abstract_text),
            notes: Some(notes),
            format: Some(format),
            links: Some(&links),
            speaker_track: Some(speaker_track.as_deref()),
            auto_track: text_changed.then_some(auto_track.as_str()),
            auto_confidence: text_changed.then_some(auto_confidence),
            auto_subtopics: text_changed.then_some(auto_subtopics.as_slice()),
            auto_evidence: text_changed.then_some(auto_evidence.as_slice()),
            updated_at: (!changes.is_empty()).then(Utc::now),
        };
        let updated = db::update(conn, proposal.id, &db_changes).await?;
        if !changes.is_empty() {
            db::insert_revision(
                conn,
                proposal.id,
                user.id,
                &serde_json::Value::Object(changes),
            )
            .await?;
        }
        serde_json::to_value(view(conn, &event, &updated, Viewer::Speaker).await?)
            .map_err(AppError::internal)
    })
    .await
}

/// Withdraws the proposal (any speaker, any time before a decision is released).
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn withdraw(
    state: &AppState,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<serde_json::Value, AppError> {
    let mut conn = state.pool.get().await?;
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = speaker_proposal_for_update(conn, &user, id).await?;
        let withdrawn = proposal
            .state
            .after(Transition::Withdraw)
            .map_err(|refused| AppError::conflict("state", &refused.to_string()))?;
        let updated = db::set_state(conn, proposal.id, withdrawn).await?;
        db::insert_revision(
            conn,
            proposal.id,
            user.id,
            &json!({"state": {"before": proposal.state, "after": withdrawn}}),
        )
        .await?;
        serde_json::to_value(view(conn, &event, &updated, Viewer::Speaker).await?)
            .map_err(AppError::internal)
    })
    .await
}

/// The proposal, locked, if the user is one of its speakers; 404 otherwise (no existence leak).
/// The proposal, locked for the rest of the transaction, and its event; 404 when there is none.
#[tracing::instrument(skip_all)]
pub async fn lock_with_event(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
) -> Result<(Proposal, Event), AppError> {
    let proposal = db::find_for_update(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((proposal, event))
}

async fn speaker_proposal_for_update(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<(Proposal, Event), AppError> {
    let (proposal, event) = lock_with_event(conn, id).await?;
    if !db::is_speaker(conn, &proposal, user.id).await? {
        return Err(AppError::NotFound);
    }
    Ok((proposal, event))
}

/// Accepts a co-speaker invitation for the signed-in user; returns the proposal.
#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn accept_invitation(
    state: &AppState,
    user_id: UserId,
    token: &str,
) -> Result<ProposalId, AppError> {
    let mut conn = state.pool.get().await?;
    let (invite_id, proposal_id, accepted_by) = db::find_invitation(&mut conn, &hash_token(token))
        .await?
        .ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "token",
                "this invitation link is not valid",
            ))
        })?;
    match accepted_by {
        Some(existing) if existing != user_id => Err(AppError::conflict(
            "token",
            "this invitation was accepted by another account",
        )),
        Some(_) => Ok(proposal_id),
        None => {
            let proposal = db::find(&mut conn, proposal_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if proposal.submitter_id == user_id {
                return Err(AppError::conflict(
                    "token",
                    "you are already the primary speaker of this proposal",
                ));
            }
            db::accept_invitation(&mut conn, invite_id, user_id).await?;
            Ok(proposal_id)
        }
    }
}

// ---- the views ----

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Viewer {
    Speaker,
    Chair,
    /// A reviewer; under blind review they see nothing that identifies the speakers.
    Reviewer {
        blind: bool,
    },
}

impl Viewer {
    /// How someone with this access to a proposal of `event` sees it.
    pub fn of(access: crate::accounts::policy::ProposalAccess, event: &Event) -> Viewer {
        use crate::accounts::policy::ProposalAccess;
        match access {
            ProposalAccess::Chair => Viewer::Chair,
            ProposalAccess::Speaker => Viewer::Speaker,
            ProposalAccess::Reviewer => Viewer::Reviewer {
                blind: event.blind_review,
            },
        }
    }

    /// Speakers' names, emails and links (which may name them) are hidden from this viewer.
    pub fn hides_identities(self) -> bool {
        matches!(self, Viewer::Reviewer { blind: true })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SpeakerView {
    pub name: String,
    pub email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TagsView {
    pub track: Option<String>,
    pub subtopics: Vec<String>,
    pub confidence: Option<f32>,
    pub evidence: Vec<String>,
    /// `auto`, `speaker` or `chair`: whose choice `track` is.
    pub source: String,
    /// What the tagger said, kept beside the speaker's and chair's choices.
    pub auto_track: Option<String>,
    pub speaker_track: Option<String>,
    /// The speaker chose a track the tagger disagrees with.
    pub speaker_disagrees: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    pub id: uuid::Uuid,
    pub event: String,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub notes: String,
    pub format: String,
    pub state: ProposalState,
    pub speakers: Vec<SpeakerView>,
    /// Co-speaker invitations not accepted yet.
    pub invited: Vec<String>,
    pub links: Vec<String>,
    pub tags: TagsView,
    /// The chairs' decision and whether it is released; chairs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionView>,
    pub editable: bool,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

pub fn tags(proposal: &Proposal) -> TagsView {
    let disagrees =
        matches!((&proposal.speaker_track, &proposal.auto_track), (Some(s), Some(a)) if s != a);
    let (track, subtopics, source) = if let Some(chair) = &proposal.chair_track {
        (
            Some(chair.clone()),
            proposal.chair_subtopics.clone().unwrap_or_default(),
            "chair",
        )
    } else if let Some(speaker) = &proposal.speaker_track {
        let subtopics = if disagrees {
            Vec::new()
        } else {
            proposal.auto_subtopics.clone()
        };
        (Some(speaker.clone()), subtopics, "speaker")
    } else {
        (
            proposal.auto_track.clone(),
            proposal.auto_subtopics.clone(),
            "auto",
        )
    };
    TagsView {
        track,
        subtopics,
        confidence: proposal.auto_confidence,
        evidence: proposal.auto_evidence.clone(),
        source: source.to_owned(),
        auto_track: proposal.auto_track.clone(),
        speaker_track: proposal.speaker_track.clone(),
        speaker_disagrees: disagrees,
    }
}

/// Builds the views of many proposals with two extra queries in all (speakers, invitations).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn views(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposals: &[Proposal],
    viewer: Viewer,
) -> Result<Vec<ProposalView>, AppError> {
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let speakers = db::speakers_of(conn, &ids).await?;
    let invitations = db::invitations_of(conn, &ids).await?;
    let open = event.cfp_open_at(Utc::now());
    let blind = viewer.hides_identities();
    let is_reviewer = matches!(viewer, Viewer::Reviewer { .. });
    Ok(proposals
        .iter()
        .map(|p| ProposalView {
            id: p.id.0,
            event: event.slug.clone(),
            title: p.title.clone(),
            abstract_text: p.abstract_text.clone(),
            // the form promises speakers that only the chairs read these
            notes: if is_reviewer {
                String::new()
            } else {
                p.notes.clone()
            },
            format: p.format.clone(),
            state: p.state,
            speakers: speakers
                .iter()
                .filter(|s| s.proposal_id == p.id && !blind)
                .map(|s| SpeakerView {
                    name: s.name.clone(),
                    email: s.email.clone(),
                })
                .collect(),
            invited: invitations
                .iter()
                .filter(|i| i.proposal_id == p.id && !i.accepted && !is_reviewer)
                .map(|i| i.email.clone())
                .collect(),
            links: if blind { Vec::new() } else { p.links.clone() },
            tags: tags(p),
            decision: if viewer == Viewer::Chair {
                decision_view(p)
            } else {
                None
            },
            editable: viewer == Viewer::Speaker && open && p.state.allows(Transition::Edit),
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
        .collect())
}

#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn view(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
    viewer: Viewer,
) -> Result<ProposalView, AppError> {
    views(conn, event, std::slice::from_ref(proposal), viewer)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a view for one proposal"))
}

/// A chair sets (or with `None` removes) the proposal's track. Recorded with who and when, as a
/// revision, and as a labelled example for retraining the tagger.
#[tracing::instrument(skip_all, fields(user.id = %chair.id))]
pub async fn override_track(
    state: &AppState,
    chair: &CurrentUser,
    id: ProposalId,
    track: Option<String>,
    subtopics: Vec<String>,
) -> Result<serde_json::Value, AppError> {
    let mut conn = state.pool.get().await?;
    let chair = chair.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = lock_with_event(conn, id).await?;
        match crate::accounts::policy::proposal_access(conn, &event, &proposal, &chair).await? {
            Some(crate::accounts::policy::ProposalAccess::Chair) => {}
            Some(_) => {
                return Err(AppError::Forbidden(
                    "only this event's chairs may set the track".into(),
                ));
            }
            None => return Err(AppError::NotFound),
        }
        let tracks = events::tracks_of(conn, event.id).await?;
        let mut errors = FieldErrors::new();
        let track = track.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(key) = &track {
            match tracks.iter().find(|t| &t.key == key) {
                None => errors.add(
                    "track",
                    format!(
                        "must be one of: {}",
                        tracks
                            .iter()
                            .map(|t| t.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                Some(found) => {
                    for (i, s) in subtopics.iter().enumerate() {
                        if !found.subtopics.iter().any(|(k, _)| k == s) {
                            errors.add(
                                &format!("subtopics[{i}]"),
                                format!("`{s}` is not a subtopic of {}", found.name),
                            );
                        }
                    }
                }
            }
        } else if !subtopics.is_empty() {
            errors.add("subtopics", "need a track");
        }
        errors.into_result()?;
        let updated =
            db::set_chair_track(conn, &proposal, chair.id, track.as_deref(), &subtopics).await?;
        db::insert_revision(
            conn,
            proposal.id,
            chair.id,
            &json!({"track (chair)": {"before": proposal.chair_track, "after": track}}),
        )
        .await?;
        tracing::info!(proposal.id = %proposal.id, track = ?track, "track set by a chair");
        serde_json::to_value(view(conn, &event, &updated, Viewer::Chair).await?)
            .map_err(AppError::internal)
    })
    .await
}

/// The chairs' corrections as CSV (`label,title,abstract,…`, the tagger corpus's first columns),
/// cells that a spreadsheet would run as formulas defused with a leading quote.
pub fn corrections_csv(rows: &[db::TagCorrection]) -> String {
    use crate::csv::{Cell, CsvWriter};
    let mut csv = CsvWriter::quoting_all_text(&[
        "label",
        "title",
        "abstract",
        "auto_track",
        "auto_confidence",
        "chair",
        "corrected_at",
    ]);
    for row in rows {
        let Some(label) = &row.corrected_track else {
            continue;
        };
        csv.row([
            Cell::Text(label),
            Cell::Text(&row.title),
            Cell::Text(&row.abstract_text),
            Cell::Text(row.auto_track.as_deref().unwrap_or("")),
            Cell::Plain(
                row.auto_confidence
                    .map_or_else(String::new, |c| format!("{c:.3}")),
            ),
            Cell::Text(&row.chair_name),
            Cell::Plain(row.created_at.to_rfc3339()),
        ]);
    }
    csv.finish()
}

/// The proposal and its event if the caller may see it; 404 for everyone else.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn visible_proposal(
    conn: &mut diesel_async::AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> AppResult<(Proposal, Event, crate::accounts::policy::ProposalAccess)> {
    let proposal = crate::db::proposals::find(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = crate::db::events::find_by_id(conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = crate::accounts::policy::proposal_access(conn, &event, &proposal, user)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((proposal, event, access))
}

/// What chairs see of a proposal's decision (never shown to speakers or reviewers).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub decision: Decision,
    pub note: String,
    pub decided_at: Option<chrono::DateTime<Utc>>,
    /// The speakers have been told (the current decision is released).
    pub released: bool,
}

pub fn decision_view(proposal: &Proposal) -> Option<DecisionView> {
    proposal.decision.map(|d| DecisionView {
        decision: d,
        note: proposal.decision_note.clone(),
        decided_at: proposal.decided_at,
        released: proposal.released_decision == Some(d),
    })
}
