//! The chairs' decision-email templates: the three kinds, their shipped wording, and the event's
//! own (parsed on save, so that a template error is a 422 now, never a failed send).

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::db::decisions as db;
use crate::db::events::Event;
use crate::domain::Decision;
use crate::domain::rules::{TEMPLATE_BODY, TEMPLATE_SUBJECT};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::placeholders::Template;
use crate::state::AppState;

/// The three decision emails chairs can reword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmailKind {
    Acceptance,
    Rejection,
    Waitlist,
}

impl EmailKind {
    pub const ALL: [EmailKind; 3] = [
        EmailKind::Acceptance,
        EmailKind::Rejection,
        EmailKind::Waitlist,
    ];

    pub fn parse(text: &str) -> Option<EmailKind> {
        EmailKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Acceptance => "acceptance",
            EmailKind::Rejection => "rejection",
            EmailKind::Waitlist => "waitlist",
        }
    }
    /// The email telling the speakers of a decision; also the template's name.
    pub fn of(decision: Decision) -> EmailKind {
        match decision {
            Decision::Accept => EmailKind::Acceptance,
            Decision::Reject => EmailKind::Rejection,
            Decision::Waitlist => EmailKind::Waitlist,
        }
    }
    pub fn decision(self) -> Decision {
        match self {
            EmailKind::Acceptance => Decision::Accept,
            EmailKind::Rejection => Decision::Reject,
            EmailKind::Waitlist => Decision::Waitlist,
        }
    }
    /// The shipped wording: `templates/email/<kind>.subject.txt` and `<kind>.txt`.
    pub fn default_template(self) -> (&'static str, &'static str) {
        match self {
            EmailKind::Acceptance => (
                include_str!("../../templates/email/acceptance.subject.txt"),
                include_str!("../../templates/email/acceptance.txt"),
            ),
            EmailKind::Rejection => (
                include_str!("../../templates/email/rejection.subject.txt"),
                include_str!("../../templates/email/rejection.txt"),
            ),
            EmailKind::Waitlist => (
                include_str!("../../templates/email/waitlist.subject.txt"),
                include_str!("../../templates/email/waitlist.txt"),
            ),
        }
    }
}

/// The event's wording of one decision email: its own, or the default.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn template_text(
    conn: &mut AsyncPgConnection,
    event: &Event,
    kind: EmailKind,
) -> AppResult<(String, String, bool)> {
    Ok(
        match db::template_of(conn, event.id, kind.as_str()).await? {
            Some((subject, body)) => (subject, body, true),
            None => {
                let (subject, body) = kind.default_template();
                (subject.trim().to_owned(), body.to_owned(), false)
            }
        },
    )
}

pub(super) fn parse_template(subject: &str, body: &str) -> AppResult<(Template, Template)> {
    let mut errors = FieldErrors::new();
    let subject_text = errors.check("subject", TEMPLATE_SUBJECT.clean(subject));
    let body_text = errors.check("body", TEMPLATE_BODY.clean(body));
    let subject = subject_text.and_then(|s| errors.check("subject", Template::parse(&s)));
    let body = body_text.and_then(|b| errors.check("body", Template::parse(&b)));
    errors.into_result()?;
    match (subject, body) {
        (Some(subject), Some(body)) => Ok((subject, body)),
        _ => Err(AppError::internal("a checked template")),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplateView {
    /// `acceptance`, `rejection` or `waitlist`
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// False while the event uses the shipped wording.
    pub customized: bool,
}

#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn templates_of(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> AppResult<Vec<TemplateView>> {
    let mut views = Vec::new();
    for kind in EmailKind::ALL {
        let (subject, body, customized) = template_text(conn, event, kind).await?;
        views.push(TemplateView {
            kind: kind.as_str().to_owned(),
            subject,
            body,
            customized,
        });
    }
    Ok(views)
}

pub fn parse_kind(kind: &str) -> AppResult<EmailKind> {
    EmailKind::parse(kind).ok_or(AppError::NotFound)
}

/// Saves the event's wording of one email; a template error is a 422 now, never a failed send.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn save_template(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    kind: EmailKind,
    subject: &str,
    body: &str,
) -> AppResult<TemplateView> {
    parse_template(subject, body)?;
    let mut conn = state.pool.get().await?;
    let subject = subject.trim();
    db::upsert_template(&mut conn, event.id, kind.as_str(), subject, body, chair.id).await?;
    Ok(TemplateView {
        kind: kind.as_str().to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
        customized: true,
    })
}

#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn reset_template(
    state: &AppState,
    event: &Event,
    kind: EmailKind,
) -> AppResult<TemplateView> {
    let mut conn = state.pool.get().await?;
    db::delete_template(&mut conn, event.id, kind.as_str()).await?;
    let (subject, body, customized) = template_text(&mut conn, event, kind).await?;
    Ok(TemplateView {
        kind: kind.as_str().to_owned(),
        subject,
        body,
        customized,
    })
}
