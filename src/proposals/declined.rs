//! Telling the others when a speaker declines a talk that was accepted or confirmed: the other
//! speakers (it was their talk too) and the event's chairs (a programme slot is free again).

use diesel_async::AsyncPgConnection;

use crate::db::events::{self, Event};
use crate::db::proposals::{self as db, Proposal};
use crate::domain::{ProposalState, UserId};
use crate::error::AppError;
use crate::mail::templates::CoSpeakerDeclined;
use crate::mail::{self, OutgoingEmail};

/// Queues, in the caller's transaction, one email to every other speaker and every chair of the
/// event (once each, a chair who speaks gets the speakers' wording) saying who declined `proposal`
/// and what it means. Only for a talk that was accepted or confirmed: declining is refused in
/// every other state, so there is nothing to tell then.
pub async fn tell_others_of_decline(
    conn: &mut AsyncPgConnection,
    key: &crate::crypto::SecretKey,
    base_url: &url::Url,
    event: &Event,
    proposal: &Proposal,
    decliner: (UserId, &str),
) -> Result<usize, AppError> {
    if !matches!(
        proposal.state,
        ProposalState::Accepted | ProposalState::Confirmed
    ) {
        return Ok(0);
    }
    let (decliner_id, decliner_name) = decliner;
    let speakers = db::speakers_of(conn, &[proposal.id]).await?;
    let chairs = events::members_of(conn, event.id).await?;
    let mut recipients: Vec<(UserId, String, String, bool)> = Vec::new();
    for speaker in &speakers {
        recipients.push((
            speaker.user_id,
            speaker.name.clone(),
            speaker.email.clone(),
            false,
        ));
    }
    for chair in chairs.iter().filter(|m| m.role == "chair") {
        if !recipients.iter().any(|(id, ..)| *id == chair.user_id) {
            recipients.push((chair.user_id, chair.name.clone(), chair.email.clone(), true));
        }
    }
    let link = base_url
        .join(&format!("proposals/{}", proposal.id))
        .map_err(AppError::internal)?
        .to_string();
    // one decline, one set of emails: a later decline (after the chairs accept it again) is news
    let decline = uuid::Uuid::new_v4();
    let mut queued = 0;
    for (user_id, name, email, to_chair) in recipients {
        if user_id == decliner_id {
            continue;
        }
        let content = CoSpeakerDeclined {
            name: name.clone(),
            decliner: decliner_name.to_owned(),
            title: proposal.title.clone(),
            event_title: event.title.clone(),
            previous_state: proposal.state.as_str().to_owned(),
            to_chair,
            link: link.clone(),
        }
        .render()
        .map_err(AppError::internal)?;
        mail::enqueue(
            conn,
            key,
            OutgoingEmail {
                dedupe_key: format!("speaker-declined:{}:{decline}:{user_id}", proposal.id),
                kind: "speaker_declined",
                event_id: Some(event.id),
                proposal_id: Some(proposal.id.0),
                to: mail::mailbox_text(&name, &email),
                content,
                secret: None,
            },
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}
