//! "Write to speakers" (chairs): choose speakers by state, track or the proposals ticked on the
//! dashboard, write with placeholders, preview the exact messages, send through the outbox;
//! and the history of what was sent. Works without JavaScript.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;

use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::db::mailings::MailingRow;
use crate::decisions::mailing::{
    self, MAILING_PLACEHOLDERS, MailState, MailingPreview, MailingRequest, Selection,
};
use crate::domain::ProposalId;
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "mailing.html")]
struct MailingPage {
    page: PageContext,
    event: Event,
    tracks: Vec<TrackWithSubtopics>,
    selection: Selection,
    subject: String,
    body: String,
    preview: Option<MailingPreview>,
    errors: FieldErrors,
    history: Vec<MailingRow>,
}

impl MailingPage {
    fn states(&self) -> Vec<(&'static str, bool)> {
        MailState::ALL
            .iter()
            .map(|s| (s.as_str(), self.selection.states.contains(s)))
            .collect()
    }
    fn track_checked(&self, key: &str) -> bool {
        self.selection.tracks.iter().any(|t| t == key)
    }
    fn placeholders(&self) -> &'static [(&'static str, &'static str)] {
        MAILING_PLACEHOLDERS
    }
    fn messages(&self, field: &str) -> String {
        self.errors
            .get(field)
            .map(|m| m.join("; "))
            .unwrap_or_default()
    }
    fn when(&self, row: &MailingRow) -> String {
        crate::time::in_zone(row.created_at, &self.event.time_zone)
    }
}

/// The selection, subject and body of a form or of the dashboard's ticked rows (`p_<id>`).
fn read_form(form: &HashMap<String, String>) -> (Selection, String, String) {
    let mut selection = Selection::default();
    for state in MailState::ALL {
        if form.contains_key(&format!("state_{}", state.as_str())) {
            selection.states.push(state);
        }
    }
    let mut tracks: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("track_").map(str::to_owned))
        .collect();
    tracks.sort();
    selection.tracks = tracks;
    let mut ids: Vec<ProposalId> = form
        .keys()
        .filter_map(|k| k.strip_prefix("p_").and_then(|id| id.parse().ok()))
        .map(ProposalId)
        .collect();
    ids.sort();
    selection.proposal_ids = ids;
    (
        selection,
        form.get("subject").cloned().unwrap_or_default(),
        form.get("body").cloned().unwrap_or_default(),
    )
}

async fn show(
    page: PageContext,
    state: &AppState,
    event: Event,
    request: MailingRequest,
    preview: Option<MailingPreview>,
    errors: FieldErrors,
) -> PageResult {
    let tracks = {
        let mut conn = state.pool.get().await?;
        events::tracks_of(&mut conn, event.id).await?
    };
    let history = mailing::history(state, &event).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &MailingPage {
            page,
            event,
            tracks,
            selection: request.to,
            subject: request.subject,
            body: request.body,
            preview,
            errors,
            history,
        },
    )
}

/// `GET /events/{slug}/mail`: the form, with the proposals ticked on the dashboard (`p_<id>`).
pub async fn mail_form(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<HashMap<String, String>>,
) -> PageResult {
    let (to, subject, body) = read_form(&query);
    let request = MailingRequest { to, subject, body };
    show(page, &state, event, request, None, FieldErrors::new()).await
}

/// `POST /events/{slug}/mail`: `action=preview` shows the exact messages; `action=send` sends.
pub async fn mail(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let form = form.0;
    let (to, subject, body) = read_form(&form);
    let request = MailingRequest { to, subject, body };
    if form.get("action").map(String::as_str) == Some("send") {
        return match mailing::send(&state, &user, &event, request.clone(), None).await {
            Ok(sent) => {
                set_flash(
                    &req,
                    "success",
                    &format!(
                        "{} queued: they go out within a minute (see the outbox).",
                        if sent.queued == 1 {
                            "1 email".to_owned()
                        } else {
                            format!("{} emails", sent.queued)
                        }
                    ),
                );
                Ok(redirect(&format!("/events/{}/mail", event.slug)))
            }
            Err(AppError::Validation(errors)) => {
                show(page, &state, event, request, None, errors).await
            }
            Err(other) => Err(other.into()),
        };
    }
    match mailing::preview(&state, &event, &request).await {
        Ok(preview) => {
            show(
                page,
                &state,
                event,
                request,
                Some(preview),
                FieldErrors::new(),
            )
            .await
        }
        Err(AppError::Validation(errors)) => show(page, &state, event, request, None, errors).await,
        Err(other) => Err(other.into()),
    }
}
