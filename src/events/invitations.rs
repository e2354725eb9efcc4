//! Invitations to be a chair or a reviewer of an event, for an email without an account:
//! sending one (or sending it again with a fresh link), accepting it, cancelling it.

use diesel_async::AsyncConnection;

use crate::accounts::CurrentUser;
use crate::db::events::{self, Event};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;

const MEMBER_INVITE_PREFIX: &str = "mcfpm_";

/// The outbox key of an invitation's emails; each renewal's is `…:<uuid>` under it.
fn dedupe_key(invitation_id: uuid::Uuid) -> String {
    format!("member-invitation:{invitation_id}")
}

/// Writes the open invitation of the email with a fresh token and emails its link, in one
/// transaction. Inviting an email with an open invitation renews it: the new role and tracks,
/// a new token (the link sent before stops working), a new email, and the earlier email
/// withdrawn if it has not gone out yet. Returns the invitation id and whether it was renewed.
pub(super) async fn invite(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    email: &crate::domain::EmailAddress,
    role: events::EventRoleKind,
    tracks: Option<Vec<String>>,
) -> AppResult<(uuid::Uuid, bool)> {
    let token = crate::crypto::random_token(MEMBER_INVITE_PREFIX);
    let link = state
        .base_url
        .join(&format!(
            "member-invitations/{}",
            crate::mail::SECRET_PLACEHOLDER
        ))
        .map_err(AppError::internal)?;
    let mut conn = state.pool.get().await?;
    let key = state.settings.secret_key.clone();
    let (event_id, chair_id) = (event.id, chair.id);
    let (inviter, event_title) = (chair.name.clone(), event.title.clone());
    let email = email.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let token_hash = crate::crypto::hash_token(&token);
        let invitation = events::NewMemberInvitation {
            event_id,
            email: email.as_str(),
            email_normalized: email.normalized(),
            role,
            tracks,
            token_hash: &token_hash,
            invited_by: chair_id,
        };
        let (id, created) = events::upsert_member_invitation(conn, invitation).await?;
        let again = !created;
        let content = crate::mail::templates::MemberInvitation {
            inviter,
            role: role.as_str().to_owned(),
            event_title,
            link: link.to_string(),
            again,
        }
        .render()
        .map_err(AppError::internal)?;
        let dedupe_key = if again {
            crate::db::outbox::delete_unsent(conn, &dedupe_key(id), chrono::Utc::now()).await?;
            format!("{}:{}", dedupe_key(id), uuid::Uuid::now_v7())
        } else {
            dedupe_key(id)
        };
        crate::mail::enqueue(
            conn,
            &key,
            crate::mail::OutgoingEmail {
                dedupe_key,
                kind: "member_invitation",
                event_id: Some(event_id),
                proposal_id: None,
                to: email.as_str().to_owned(),
                content,
                secret: Some(&token),
            },
        )
        .await?;
        Ok((id, again))
    })
    .await
}

/// Cancels the event's open invitation `id`: its link stops working, and its email is withdrawn
/// if it has not gone out yet. 404 when the event has no such invitation, 409 once accepted
/// (remove the member instead).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, invitation.id = %id))]
pub async fn cancel_member_invitation(
    state: &AppState,
    event: &Event,
    id: uuid::Uuid,
) -> AppResult<()> {
    let mut conn = state.pool.get().await?;
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        if events::delete_open_member_invitation(conn, event_id, id).await? {
            crate::db::outbox::delete_unsent(conn, &dedupe_key(id), chrono::Utc::now()).await?;
            return Ok(());
        }
        match events::member_invitation_accepted(conn, event_id, id).await? {
            Some(true) => Err(AppError::conflict(
                "invitation",
                "this invitation was accepted already: remove the member instead",
            )),
            _ => Err(AppError::NotFound),
        }
    })
    .await?;
    tracing::info!("member invitation cancelled");
    Ok(())
}

/// Accepts a member invitation for the signed-in account; returns the event.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn accept_member_invitation(
    state: &AppState,
    user: &CurrentUser,
    token: &str,
) -> AppResult<Event> {
    let mut conn = state.pool.get().await?;
    let user_id = user.id;
    let token_hash = crate::crypto::hash_token(token);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let invitation = events::find_member_invitation(conn, &token_hash)
            .await?
            .ok_or_else(|| {
                AppError::Validation(FieldErrors::single(
                    "token",
                    "this invitation link is not valid",
                ))
            })?;
        match invitation.accepted_by {
            Some(other) if other != user_id => {
                return Err(AppError::conflict(
                    "token",
                    "this invitation was accepted by another account",
                ));
            }
            Some(_) => {}
            None => {
                let role = events::EventRoleKind::parse(&invitation.role)
                    .ok_or_else(|| AppError::internal("stored role is valid by constraint"))?;
                events::upsert_member(conn, invitation.event_id, user_id, role, invitation.tracks)
                    .await?;
                events::mark_member_invitation_accepted(conn, invitation.id, user_id).await?;
            }
        }
        events::find_by_id(conn, invitation.event_id)
            .await?
            .ok_or(AppError::NotFound)
    })
    .await
}
