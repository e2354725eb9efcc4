//! Co-speaker invitations: emailing them (with a single-purpose accept link) and accepting one.

use diesel_async::AsyncPgConnection;

use crate::crypto::{hash_token, random_token};
use crate::db::events::Event;
use crate::db::proposals::{self as db, Proposal};
use crate::domain::{EmailAddress, ProposalId, UserId};
use crate::error::{AppError, FieldErrors};
use crate::mail::templates::CoSpeakerInvitation;
use crate::mail::{self, OutgoingEmail, SECRET_PLACEHOLDER};
use crate::state::AppState;

const INVITE_TOKEN_PREFIX: &str = "mcfpi_";

/// Emails an invitation (with a single-purpose accept link) to each new co-speaker.
#[allow(clippy::too_many_arguments)]
pub(super) async fn invite_co_speakers(
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
