//! Reminding accepted speakers who have not confirmed or declined yet (through the outbox).

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::decisions as db;
use crate::db::events::Event;
use crate::db::proposals as proposals_db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Emails the speakers of accepted proposals who have not confirmed or declined yet. A second
/// click within the same minute queues nothing new.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn remind_unconfirmed(state: &AppState, event: &Event) -> AppResult<usize> {
    let mut conn = state.pool.get().await?;
    let minute = Utc::now().timestamp() / 60;
    let deadline = event
        .confirm_by
        .map(|at| crate::time::in_zone(at, &event.time_zone));
    let mut emails = Vec::new();
    for proposal in db::unconfirmed(&mut conn, event.id).await? {
        let link = state
            .base_url
            .join(&format!("proposals/{}/confirm", proposal.id))
            .map_err(AppError::internal)?
            .to_string();
        for speaker in proposals_db::speakers_of(&mut conn, &[proposal.id]).await? {
            let content = crate::mail::templates::ConfirmationReminder {
                name: speaker.name.clone(),
                title: proposal.title.clone(),
                event_title: event.title.clone(),
                link: link.clone(),
                deadline: deadline.clone(),
            }
            .render()
            .map_err(AppError::internal)?;
            emails.push((proposal.id, speaker, content));
        }
    }
    let key = state.settings.secret_key.clone();
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let mut queued = 0;
        for (proposal_id, speaker, content) in emails {
            let fresh = crate::mail::enqueue(
                conn,
                &key,
                crate::mail::OutgoingEmail {
                    dedupe_key: format!(
                        "confirmation-reminder:{proposal_id}:{}:{minute}",
                        speaker.email.to_lowercase()
                    ),
                    kind: "confirmation_reminder",
                    event_id: Some(event_id),
                    proposal_id: Some(proposal_id.0),
                    to: crate::mail::mailbox_text(&speaker.name, &speaker.email),
                    content,
                    secret: None,
                },
            )
            .await?;
            queued += usize::from(fresh);
        }
        Ok(queued)
    })
    .await
}

/// The automatic reminders due at `now` (`db::promotion::reminders_due`): per proposal, the
/// `confirmation_reminders` row and one email per speaker in one transaction; the row's ON
/// CONFLICT DO NOTHING decides which round sends, so a proposal is reminded once. Reuses the
/// ConfirmationReminder email. Returns how many emails were queued.
pub(super) async fn remind_due(
    conn: &mut AsyncPgConnection,
    (key, base_url): super::emails::MailContext<'_>,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let mut queued = 0;
    for due in crate::db::promotion::reminders_due(conn, now).await? {
        queued += conn
            .transaction::<_, AppError, _>(async |conn| {
                let Some(proposal) = proposals_db::find(conn, due.proposal_id).await? else {
                    return Ok(0);
                };
                let Some(event) = crate::db::events::find_by_id(conn, due.event_id).await? else {
                    return Ok(0);
                };
                if !crate::db::promotion::record_reminder(conn, proposal.id, now).await? {
                    return Ok(0);
                }
                let link = base_url
                    .join(&format!("proposals/{}/confirm", proposal.id))
                    .map_err(AppError::internal)?
                    .to_string();
                let deadline = event
                    .confirm_by
                    .map(|at| crate::time::in_zone(at, &event.time_zone));
                let mut queued = 0;
                for speaker in proposals_db::speakers_of(conn, &[proposal.id]).await? {
                    let content = crate::mail::templates::ConfirmationReminder {
                        name: speaker.name.clone(),
                        title: proposal.title.clone(),
                        event_title: event.title.clone(),
                        link: link.clone(),
                        deadline: deadline.clone(),
                    }
                    .render()
                    .map_err(AppError::internal)?;
                    let fresh = crate::mail::enqueue(
                        conn,
                        key,
                        crate::mail::OutgoingEmail {
                            dedupe_key: format!(
                                "confirmation-reminder:auto:{}:{}",
                                proposal.id,
                                speaker.email.to_lowercase()
                            ),
                            kind: "confirmation_reminder",
                            event_id: Some(event.id),
                            proposal_id: Some(proposal.id.0),
                            to: crate::mail::mailbox_text(&speaker.name, &speaker.email),
                            content,
                            secret: None,
                        },
                    )
                    .await?;
                    queued += usize::from(fresh);
                }
                tracing::info!(proposal = %proposal.id, queued, "confirmation reminder");
                Ok(queued)
            })
            .await?;
    }
    Ok(queued)
}
