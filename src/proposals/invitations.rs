//! Co-speaker invitations: emailing them (with a single-purpose accept link), sending one again
//! with a fresh link, and accepting one.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::accounts::CurrentUser;
use crate::crypto::{hash_token, random_token};
use crate::db::events::Event;
use crate::db::proposals::{self as db, CoSpeakerInvite, Proposal};
use crate::domain::{EmailAddress, ProposalId, UserId};
use crate::error::{AppError, FieldErrors};
use crate::mail::templates::CoSpeakerInvitation;
use crate::mail::{self, OutgoingEmail, SECRET_PLACEHOLDER};
use crate::state::AppState;

const INVITE_TOKEN_PREFIX: &str = "mcfpi_";

/// The outbox key of an invitation's emails; each renewal's is `…:<times sent>` under it.
fn dedupe_key(invitation_id: uuid::Uuid) -> String {
    format!("co-speaker-invitation:{invitation_id}")
}

/// Emails an invitation (with a single-purpose accept link) to each new co-speaker; returns
/// the invitations written.
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
) -> Result<Vec<CoSpeakerInvite>, AppError> {
    let mut invited = Vec::with_capacity(emails.len());
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
        let invitation = CoSpeakerInvite {
            id,
            proposal_id: proposal.id,
            email: email.as_str().to_owned(),
            accepted: false,
            invited_at: chrono::Utc::now(),
            invitations_sent: 1,
        };
        let letter = Letter {
            key,
            base_url,
            event,
            proposal,
            inviter,
        };
        letter.send(conn, &invitation, &token, None).await?;
        invited.push(invitation);
    }
    Ok(invited)
}

/// What every invitation email of one proposal shares.
struct Letter<'a> {
    key: &'a crate::crypto::SecretKey,
    base_url: &'a url::Url,
    event: &'a Event,
    proposal: &'a Proposal,
    inviter: &'a str,
}

impl Letter<'_> {
    /// Writes the invitation's email, carrying `token`, to the outbox; `renewal` names a
    /// renewal's email (a key of its own, and a line saying the earlier link is dead).
    async fn send(
        &self,
        conn: &mut AsyncPgConnection,
        invitation: &CoSpeakerInvite,
        token: &str,
        renewal: Option<i32>,
    ) -> Result<(), AppError> {
        let content = CoSpeakerInvitation {
            inviter: self.inviter.to_owned(),
            title: self.proposal.title.clone(),
            event_title: self.event.title.clone(),
            link: self
                .base_url
                .join(&format!("invitations/{SECRET_PLACEHOLDER}"))
                .map_err(AppError::internal)?
                .to_string(),
            again: renewal.is_some(),
        }
        .render()
        .map_err(AppError::internal)?;
        let dedupe_key = match renewal {
            Some(renewal) => format!("{}:{renewal}", dedupe_key(invitation.id)),
            None => dedupe_key(invitation.id),
        };
        mail::enqueue(
            conn,
            self.key,
            OutgoingEmail {
                dedupe_key,
                kind: "co_speaker_invitation",
                event_id: Some(self.event.id),
                proposal_id: Some(self.proposal.id.0),
                to: invitation.email.clone(),
                content,
                secret: Some(token),
            },
        )
        .await?;
        Ok(())
    }
}

/// How long after an invitation's last email it may be sent again.
pub const RESEND_PAUSE: chrono::Duration = chrono::Duration::minutes(10);

/// Sends a co-speaker invitation not accepted yet again, with a fresh link: the link sent
/// before (or made dead by an import) stops working, and its email is withdrawn if it has not
/// gone out yet; the new email (its own outbox key, `…:<times sent>`) and the count are written
/// in the same transaction. The proposal's speakers and the event's chairs may (see
/// `policy::require_speaker_or_chair`); 404 for an invitation the proposal does not have, 409
/// once accepted, when the proposal is withdrawn, or within [`RESEND_PAUSE`] of the last email.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %proposal_id, invitation.id = %invitation_id))]
pub async fn resend_invitation(
    state: &AppState,
    user: &CurrentUser,
    proposal_id: ProposalId,
    invitation_id: uuid::Uuid,
) -> Result<CoSpeakerInvite, AppError> {
    let mut conn = state.pool.get().await?;
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    let user = user.clone();
    let invitation = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let (proposal, event) = super::lock_with_event(conn, proposal_id).await?;
            crate::accounts::policy::require_speaker_or_chair(conn, &event, &proposal, &user)
                .await?;
            let invitation = db::co_speaker_invitation(conn, proposal.id, invitation_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let answered = || {
                AppError::conflict(
                    "invitation",
                    "this invitation was accepted already: there is nothing to send again",
                )
            };
            if invitation.accepted {
                return Err(answered());
            }
            if proposal.state.is_withdrawn() {
                return Err(AppError::conflict("state", "the proposal is withdrawn"));
            }
            let now = chrono::Utc::now();
            if let Some(last) =
                crate::db::outbox::last_queued_at(conn, &dedupe_key(invitation.id)).await?
                && now - last < RESEND_PAUSE
            {
                return Err(AppError::conflict(
                    "invitation",
                    "this invitation was emailed less than 10 minutes ago: wait a little before sending it again",
                ));
            }
            let token = random_token(INVITE_TOKEN_PREFIX);
            // refuses an acceptance that committed since the read above
            let Some(sent) =
                db::renew_invitation_token(conn, invitation.id, &hash_token(&token)).await?
            else {
                return Err(answered());
            };
            crate::db::outbox::delete_unsent(conn, &dedupe_key(invitation.id), now).await?;
            let letter = Letter {
                key: &key,
                base_url: &base_url,
                event: &event,
                proposal: &proposal,
                inviter: &user.name,
            };
            letter.send(conn, &invitation, &token, Some(sent)).await?;
            Ok(CoSpeakerInvite {
                invitations_sent: sent,
                ..invitation
            })
        })
        .await?;
    tracing::info!("co-speaker invitation sent again");
    Ok(invitation)
}

/// Accepts a co-speaker invitation for the signed-in user; returns the proposal. The
/// invitation is locked while it is read and accepted, so a renewal running at the same time
/// either comes first (and this token is no longer valid) or waits for it.
#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn accept_invitation(
    state: &AppState,
    user_id: UserId,
    token: &str,
) -> Result<ProposalId, AppError> {
    let mut conn = state.pool.get().await?;
    let token_hash = hash_token(token);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (invite_id, proposal_id, accepted_by) = db::find_invitation(conn, &token_hash)
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
                let proposal = db::find(conn, proposal_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if proposal.submitter_id == user_id {
                    return Err(AppError::conflict(
                        "token",
                        "you are already the primary speaker of this proposal",
                    ));
                }
                db::accept_invitation(conn, invite_id, user_id).await?;
                Ok(proposal_id)
            }
        }
    })
    .await
}
