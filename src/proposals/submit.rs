//! Submitting a proposal: one transaction with its co-speaker invitations and its receipt email,
//! replayed for a repeated idempotency key.

use chrono::Utc;
use diesel_async::AsyncConnection;

use super::Viewer;
use super::fields::{ProposalFields, parse_fields};
use super::invitations::invite_co_speakers;
use super::tags::auto_tag;
use super::view::assemble;
use crate::accounts::CurrentUser;
use crate::crypto::hash_token;
use crate::db::events::{self, Event};
use crate::db::proposals::{self as db, IdempotencyClaim, NewProposal};
use crate::domain::ProposalId;
use crate::error::{AppError, FieldErrors};
use crate::mail::templates::ProposalReceipt;
use crate::mail::{self, OutgoingEmail};
use crate::state::AppState;

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
        db::lock_submissions_of(conn, event.id, user.id).await?;
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
        // the one "became submitted" hook of review: reviewers assigned on submission
        crate::review::on_submitted(conn, &event, proposal.id).await?;
        let co_speakers = parsed.co_speakers.unwrap_or_default();
        // what the response shows, known without asking the database again
        let speakers = [db::Speaker {
            proposal_id: proposal.id,
            user_id: user.id,
            name: user.name.clone(),
            email: user.email.clone(),
            primary: true,
        }];
        let invited = invite_co_speakers(
            conn,
            &key,
            &base_url,
            &event,
            &proposal,
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
        let view = assemble(
            &event,
            std::slice::from_ref(&proposal),
            &speakers,
            &invited,
            Viewer::Speaker,
        );
        let view = view
            .first()
            .ok_or_else(|| AppError::internal("a view for one proposal"))?;
        let body = serde_json::to_value(view).map_err(AppError::internal)?;
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
