//! The decision emails of one proposal, rendered by the same code for the release and for the
//! chairs' preview.

use std::collections::BTreeMap;

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::templates::{EmailKind, parse_template, template_text};

/// What writing an email to the outbox needs besides a connection: the key that seals its
/// secrets, and the base URL its links start from.
pub type MailContext<'a> = (&'a crate::crypto::SecretKey, &'a url::Url);
use crate::db::events::{self, Event};
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::domain::ProposalId;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::placeholders::{self, Template};
use crate::mail::templates::{DecisionEmail, RenderedEmail};
use crate::state::AppState;

/// A rendered email for one recipient.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders the decision emails of one proposal, one per speaker (submitter and accepted
/// co-speakers): what the release queues and what the preview shows, from the same code.
pub(super) async fn decision_emails(
    conn: &mut AsyncPgConnection,
    base_url: &url::Url,
    event: &Event,
    proposal: &Proposal,
    tracks: &[events::TrackWithSubtopics],
    subject: &Template,
    body: &Template,
) -> AppResult<Vec<(String, String, RenderedEmail)>> {
    let speakers = proposals_db::speakers_of(conn, &[proposal.id]).await?;
    let track = match proposal.track() {
        Some(key) => tracks
            .iter()
            .find(|t| t.key == key)
            .map_or_else(|| key.to_owned(), |t| t.name.clone()),
        None => String::new(),
    };
    let comments = if event.share_review_comments {
        crate::db::reviews::reviews_of_proposal(conn, proposal.id)
            .await?
            .into_iter()
            .map(|(review, _)| review.comment_for_speakers.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n---\n\n")
    } else {
        String::new()
    };
    let link = |path: String| -> AppResult<String> {
        Ok(base_url
            .join(&path)
            .map_err(AppError::internal)?
            .to_string())
    };
    let confirm_link = link(format!("proposals/{}/confirm", proposal.id))?;
    let proposal_link = link(format!("proposals/{}", proposal.id))?;
    let deadline = event
        .confirm_by
        .map(|at| crate::time::in_zone(at, &event.time_zone))
        .unwrap_or_default();
    let mut emails = Vec::new();
    for speaker in speakers {
        let values = BTreeMap::from([
            ("speaker_name", speaker.name.clone()),
            ("proposal_title", proposal.title.clone()),
            ("event_title", event.title.clone()),
            ("track", track.clone()),
            ("reviewer_comments", comments.clone()),
            ("confirm_link", confirm_link.clone()),
            ("confirm_deadline", deadline.clone()),
            ("proposal_link", proposal_link.clone()),
        ]);
        let body_text = body.render(&values);
        let rendered = DecisionEmail {
            subject: naming_the_event(subject.render(&values), &event.title),
            body_html: placeholders::text_to_html(&body_text),
            body_text,
        }
        .render()
        .map_err(AppError::internal)?;
        emails.push((
            crate::mail::mailbox_text(&speaker.name, &speaker.email),
            speaker.email.to_lowercase(),
            rendered,
        ));
    }
    Ok(emails)
}

/// A decision email's subject names the event, so speakers can filter them: a subject that
/// lacks the event's title gets it as a `[Event title] ` prefix.
pub fn naming_the_event(subject: String, event_title: &str) -> String {
    if subject.contains(event_title) {
        subject
    } else {
        format!("[{event_title}] {subject}")
    }
}

/// Renders an email of `kind` for a real proposal of the event, exactly as the release would,
/// from the given wording (or the saved one): one email per speaker.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, proposal.id = %proposal_id))]
pub async fn preview(
    state: &AppState,
    event: &Event,
    kind: EmailKind,
    wording: Option<(&str, &str)>,
    proposal_id: ProposalId,
) -> AppResult<Vec<PreviewEmail>> {
    let mut conn = state.pool.get().await?;
    let (subject, body) = match wording {
        Some((subject, body)) => (subject.to_owned(), body.to_owned()),
        None => {
            let (subject, body, _) = template_text(&mut conn, event, kind).await?;
            (subject, body)
        }
    };
    let (subject, body) = parse_template(&subject, &body)?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let proposal = proposals_db::find(&mut conn, proposal_id)
        .await?
        .filter(|p| p.event_id == event.id)
        .ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "proposal_id",
                "is not a proposal of this event",
            ))
        })?;
    Ok(decision_emails(
        &mut conn,
        &state.base_url,
        event,
        &proposal,
        &tracks,
        &subject,
        &body,
    )
    .await?
    .into_iter()
    .map(|(to, _, content)| PreviewEmail {
        to,
        subject: content.subject,
        text: content.text,
        html: content.html,
    })
    .collect())
}
