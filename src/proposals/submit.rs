//! Submitting a proposal: one transaction with its co-speaker invitations and its receipt email,
//! replayed for a repeated idempotency key.

use chrono::Utc;
use diesel_async::AsyncConnection;

use super::fields::{ParsedFields, ProposalFields, Stored, parse_fields};
use super::guards::cfp_closed;
use super::invitations::invite_co_speakers;
use super::tags::auto_tag;
use super::view::assemble;
use super::{ProposalView, Viewer};
use crate::accounts::CurrentUser;
use crate::crypto::hash_token;
use crate::db::events::{self, Event};
use crate::db::proposals::Draft;
use crate::db::proposals::{self as db, IdempotencyClaim, NewProposal, Proposal};
use crate::domain::{EmailAddress, ProposalId};
use crate::error::{AppError, FieldErrors};
use crate::mail::templates::ProposalReceipt;
use crate::mail::{self, OutgoingEmail};
use crate::state::AppState;

pub struct CreateOutcome {
    pub status: u16,
    pub body: serde_json::Value,
    pub proposal_id: Option<ProposalId>,
}

/// Submits a proposal, or saves a draft (`"draft": true`). With an idempotency key, a repeat of the same request replays the
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
    // only a track the speaker chose is checked against the event's: most leave it to mcfp,
    // and their submissions need no query for it
    let chose_track = matches!(&fields.track, Some(Some(track)) if !track.trim().is_empty());
    let track_keys: Vec<String> = if chose_track {
        events::tracks_of(&mut conn, event.id)
            .await?
            .into_iter()
            .map(|t| t.key)
            .collect()
    } else {
        Vec::new()
    };
    // a draft needs nothing but sane lengths; a submission everything
    let (parsed, draft_values) = if fields.draft == Some(true) {
        let values = super::drafts::parse_draft(&fields, event, &track_keys, Stored::default())?;
        (ParsedFields::default(), values)
    } else {
        let parsed = parse_fields(
            &fields,
            event,
            &track_keys,
            &user.email,
            true,
            Stored::default(),
        )?;
        (parsed, super::drafts::DraftValues::default())
    };
    let request_hash = hash_token(&format!(
        "{}\n{}",
        event.slug,
        serde_json::to_string(&fields).map_err(AppError::internal)?
    ));
    let is_draft = fields.draft == Some(true);
    let profile = fields.profile.clone().filter(|_| !is_draft);
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
        let body = if is_draft {
            let draft = super::drafts::insert(conn, &user, &event, draft_values).await?;
            serde_json::to_value(super::drafts::draft_view(&event, &draft, &user))
                .map_err(AppError::internal)?
        } else {
            if let Some(profile) = &profile {
                crate::accounts::profile::save_programme_fields(conn, user.id, profile).await?;
            }
            let view = insert_submitted(
                conn,
                &key,
                &base_url,
                &user,
                &event,
                parsed,
                ProposalId::new(),
            )
            .await?;
            serde_json::to_value(view).map_err(AppError::internal)?
        };
        if let Some(idempotency_key) = idempotency_key {
            db::store_idempotent_response(conn, user.id, idempotency_key, 201, &body).await?;
        }
        let proposal_id = body["id"]
            .as_str()
            .and_then(|id| id.parse::<uuid::Uuid>().ok())
            .map(ProposalId);
        Ok(CreateOutcome {
            status: 201,
            body,
            proposal_id,
        })
    })
    .await
}

/// Inserts a submitted proposal (under `id`: a new one, or the id of the draft it was) once the
/// per-speaker cap allows it, then does what every submission does (`became_submitted`).
/// Runs inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_submitted(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &crate::crypto::SecretKey,
    base_url: &url::Url,
    user: &CurrentUser,
    event: &Event,
    parsed: ParsedFields,
    id: ProposalId,
) -> Result<ProposalView, AppError> {
    db::lock_submissions_of(conn, event.id, user.id).await?;
    let active = db::count_active_by_submitter(conn, event.id, user.id).await?;
    if active >= i64::from(event.max_proposals_per_speaker) {
        return Err(AppError::conflict(
            "event",
            &format!("you already have {active} proposals in this call, its maximum per speaker"),
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
    let answers = serde_json::to_value(&parsed.answers).map_err(AppError::internal)?;
    let (auto_track, auto_confidence, auto_subtopics, auto_evidence) =
        auto_tag(title.as_str(), abstract_text.as_str(), notes.as_str());
    let speaker_track = parsed.track.flatten();
    let proposal = db::insert(
        conn,
        NewProposal {
            id,
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
            answers: &answers,
        },
    )
    .await?;
    let co_speakers = parsed.co_speakers.unwrap_or_default();
    let invited =
        became_submitted(conn, key, base_url, user, event, &proposal, co_speakers).await?;
    // what the response shows, known without asking the database again (but the profile)
    let stored = crate::db::profiles::profile_of(conn, user.id).await?;
    let speakers = [db::Speaker {
        proposal_id: proposal.id,
        user_id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        primary: true,
        profile: stored
            .as_ref()
            .map(|s| s.profile.clone())
            .unwrap_or_default(),
        photo: stored.and_then(|s| s.photo),
    }];
    let view = assemble(
        event,
        std::slice::from_ref(&proposal),
        &speakers,
        &invited,
        Viewer::Speaker,
    );
    tracing::info!(proposal.id = %proposal.id, event.slug = %event.slug, "proposal submitted");
    view.into_iter()
        .next()
        .ok_or_else(|| AppError::internal("a view for one proposal"))
}

/// Everything that follows from a proposal becoming `submitted`, whether submitted directly or
/// from a draft: its co-speakers are invited and its speaker gets a receipt, through the outbox
/// in the caller's transaction. (The one place for anything else a submission should set off.)
pub(super) async fn became_submitted(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &crate::crypto::SecretKey,
    base_url: &url::Url,
    user: &CurrentUser,
    event: &Event,
    proposal: &Proposal,
    co_speakers: Vec<EmailAddress>,
) -> Result<Vec<db::CoSpeakerInvite>, AppError> {
    // reviewers assigned on submission (the event's auto_assign, while reviewing is open)
    crate::review::on_submitted(conn, event, proposal.id).await?;
    let invited = invite_co_speakers(
        conn,
        key,
        base_url,
        event,
        proposal,
        &user.name,
        co_speakers,
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
        key,
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
    Ok(invited)
}

/// What a draft holds, as the fields of a submission: an empty text or choice is a missing one.
fn submission_fields(draft: &Draft) -> ProposalFields {
    let given = |text: &str| (!text.trim().is_empty()).then(|| text.to_owned());
    ProposalFields {
        title: given(&draft.title),
        abstract_text: given(&draft.abstract_text),
        notes: Some(draft.notes.clone()),
        format: given(&draft.format),
        track: Some(draft.speaker_track.clone()),
        co_speakers: Some(draft.co_speakers.clone()),
        links: Some(draft.links.clone()),
        answers: None,
        draft: None,
        profile: None,
    }
}

/// Submits a draft: full validation (422 naming the fields), the CfP window (403), the
/// per-speaker cap (409), then the very path of a direct submission (`insert_submitted`: the
/// proposal keeps the draft's id), and the draft is gone, all in one transaction. A proposal
/// that is no draft any more (submitted already) is a 409; someone else's, or none, a 404.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %id))]
pub async fn submit_draft(
    state: &AppState,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<ProposalView, AppError> {
    let mut conn = state.pool.get().await?;
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let Some((draft, event)) = super::drafts::own_draft_for_update(conn, &user, id).await?
        else {
            // submitted already (by a second click, or another tab)?
            if let Some(proposal) = db::find(conn, id).await?
                && db::is_speaker(conn, &proposal, user.id).await?
            {
                let refused = proposal
                    .state
                    .after(crate::domain::Transition::Submit)
                    .err()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "the proposal is submitted already".into());
                return Err(AppError::conflict("state", &refused));
            }
            return Err(AppError::NotFound);
        };
        if !event.cfp_open_at(Utc::now()) {
            return Err(cfp_closed(&event));
        }
        let fields = submission_fields(&draft);
        let track_keys = super::drafts::track_keys(conn, &event).await?;
        // the draft's answers are the stored ones: those to questions removed since stay
        let stored = Stored {
            format: None,
            answers: Stored::answers_of(&draft.answers),
        };
        let parsed = parse_fields(&fields, &event, &track_keys, &user.email, true, stored)?;
        db::delete_draft(conn, id).await?;
        insert_submitted(conn, &key, &base_url, &user, &event, parsed, id).await
    })
    .await
}
