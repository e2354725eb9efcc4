//! A speaker's edit (with a revision of what changed and a fresh automatic tag) and withdrawal.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use super::access::speaker_proposal_for_update;
use super::fields::{ProposalFields, Stored, parse_fields};
use super::guards::{EditPrecondition, stale_edit};
use super::invitations::invite_co_speakers;
use super::tags::auto_tag;
use super::{ProposalView, Viewer, view};
use crate::accounts::CurrentUser;
use crate::db::events::{self, Event};
use crate::db::proposals::{self as db, Proposal, ProposalChanges};
use crate::domain::{EmailAddress, ProposalId, Transition};
use crate::error::AppError;
use crate::state::AppState;

/// Applies a speaker's edit while the CfP is open (to a draft: `drafts::save`); keeps a revision of what changed. With a
/// precondition, the edit applies only to the version the client read (412 otherwise): the
/// row is locked, compared and written in one transaction, so of two edits made from the same
/// version one wins and the other is told.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: ProposalId,
    fields: ProposalFields,
    precondition: EditPrecondition,
) -> Result<ProposalView, AppError> {
    let mut conn = state.pool.get().await?;
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        if let Some(view) = super::drafts::save(conn, &user, id, &fields, &precondition).await? {
            return Ok(view);
        }
        let (proposal, event) = speaker_proposal_for_update(conn, &user, id).await?;
        if !precondition.holds_for(proposal.version) {
            return Err(stale_edit(proposal.version));
        }
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
        let stored_answers = Stored::answers_of(&proposal.answers);
        let parsed = parse_fields(
            &fields,
            &event,
            &track_keys,
            &submitter_email,
            false,
            Stored {
                format: Some(&proposal.format),
                answers: stored_answers.clone(),
            },
        )?;

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
        let answers = serde_json::to_value(&parsed.answers).map_err(AppError::internal)?;
        record("answers", json!(stored_answers), answers.clone());

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
            answers: Some(&answers),
            updated_at: (!changes.is_empty()).then(Utc::now),
        };
        // the row is locked since it was read; the version in the WHERE makes the write refuse
        // anything else all the same
        let updated = db::update(
            conn,
            proposal.id,
            Some(proposal.version),
            &db_changes,
            !changes.is_empty(),
        )
        .await?
        .ok_or_else(|| stale_edit(proposal.version))?;
        if !changes.is_empty() {
            db::insert_revision(
                conn,
                proposal.id,
                user.id,
                &serde_json::Value::Object(changes),
            )
            .await?;
        }
        view(conn, &event, &updated, Viewer::Speaker).await
    })
    .await
}

/// What a withdrawal did: the proposal as it was before and its event (none for a draft, which
/// is deleted), and the proposal as its speaker now sees it.
pub struct Withdrawal {
    pub before: Option<(Proposal, Event)>,
    pub view: ProposalView,
}

/// Withdraws the proposal (any speaker, any time before a decision is released); withdrawing
/// a draft deletes it. Runs in the caller's transaction (`decisions::withdraw`, which frees an
/// accepted talk's place in the same one).
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn withdraw_in(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ProposalId,
) -> Result<Withdrawal, AppError> {
    if let Some(view) = super::drafts::delete(conn, user, id).await? {
        return Ok(Withdrawal { before: None, view });
    }
    let (proposal, event) = speaker_proposal_for_update(conn, user, id).await?;
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
    let view = view(conn, &event, &updated, Viewer::Speaker).await?;
    Ok(Withdrawal {
        before: Some((proposal, event)),
        view,
    })
}
