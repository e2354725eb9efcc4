//! The decision emails' wording (chairs): the three templates as saved or as typed, saving one,
//! resetting it to the shipped wording, and previewing unsaved wording for a real proposal.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use crate::db::events::Event;
use crate::db::proposals as proposals_db;
use crate::decisions::{self, EmailKind, PreviewEmail};
use crate::domain::ProposalId;
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

/// One decision email on the templates page, as saved or as typed.
struct TemplateCard {
    kind: &'static str,
    name: &'static str,
    when: &'static str,
    subject: String,
    body: String,
    customized: bool,
    errors: FieldErrors,
    /// The proposal the preview renders for.
    proposal_id: String,
    preview: Option<Vec<PreviewEmail>>,
}

impl TemplateCard {
    fn messages(&self, field: &str) -> Vec<String> {
        self.errors
            .get(field)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }
}

struct ProposalChoice {
    id: String,
    label: String,
    decision: Option<String>,
}

#[derive(Template)]
#[template(path = "email_templates.html")]
struct EmailsPage {
    page: PageContext,
    event: Event,
    cards: Vec<TemplateCard>,
    proposals: Vec<ProposalChoice>,
    placeholders: &'static [(&'static str, &'static str)],
}

fn kind_texts(kind: EmailKind) -> (&'static str, &'static str) {
    match kind {
        EmailKind::Acceptance => (
            "Acceptance",
            "to every speaker of an accepted proposal, with the link to confirm or decline",
        ),
        EmailKind::Rejection => ("Rejection", "to every speaker of a rejected proposal"),
        EmailKind::Waitlist => ("Waitlist", "to every speaker of a waitlisted proposal"),
    }
}

/// What a form typed for one card: its wording, the chosen proposal, and either its errors or
/// its preview.
struct Typed {
    kind: EmailKind,
    subject: String,
    body: String,
    proposal_id: String,
    errors: FieldErrors,
    preview: Option<Vec<PreviewEmail>>,
}

async fn emails_page(
    page: PageContext,
    state: &AppState,
    event: Event,
    typed: Option<Typed>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let saved = decisions::templates_of(&mut conn, &event).await?;
    // slim rows (id, title, decisions): the choice of a proposal to preview with
    let mut proposals = proposals_db::active_choices(&mut conn, event.id).await?;
    drop(conn);
    proposals.sort_by_key(|(_, title, _, _)| title.to_lowercase());
    let status = if typed.as_ref().is_some_and(|t| !t.errors.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut typed = typed;
    let cards = EmailKind::ALL
        .into_iter()
        .map(|kind| {
            let (name, when) = kind_texts(kind);
            let view = saved.iter().find(|v| v.kind == kind.as_str());
            // a proposal with this decision reads best; any proposal otherwise
            let default_proposal = proposals
                .iter()
                .find(|(_, _, decision, _)| *decision == Some(kind.decision()))
                .or(proposals.first())
                .map(|(id, _, _, _)| id.to_string())
                .unwrap_or_default();
            let customized = view.is_some_and(|v| v.customized);
            match typed.take_if(|t| t.kind == kind) {
                Some(t) => TemplateCard {
                    kind: kind.as_str(),
                    name,
                    when,
                    subject: t.subject,
                    body: t.body,
                    customized,
                    errors: t.errors,
                    proposal_id: t.proposal_id,
                    preview: t.preview,
                },
                None => TemplateCard {
                    kind: kind.as_str(),
                    name,
                    when,
                    subject: view.map(|v| v.subject.clone()).unwrap_or_default(),
                    body: view.map(|v| v.body.clone()).unwrap_or_default(),
                    customized,
                    errors: FieldErrors::new(),
                    proposal_id: default_proposal,
                    preview: None,
                },
            }
        })
        .collect();
    let proposals = proposals
        .into_iter()
        .map(|(id, title, decision, released)| {
            let decision = decision.map(|d| {
                let word = d.state().as_str();
                if released == Some(d) {
                    word.to_owned()
                } else {
                    format!("{word}, not released")
                }
            });
            ProposalChoice {
                id: id.to_string(),
                label: title,
                decision,
            }
        })
        .collect();
    let mut response = render(
        status,
        &EmailsPage {
            page,
            event,
            cards,
            proposals,
            placeholders: crate::mail::placeholders::PLACEHOLDERS,
        },
    )?;
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static(EMAIL_PREVIEW_CSP),
    );
    Ok(response)
}

/// The site's policy (see `startup`), plus inline `style` attributes: the preview's sandboxed
/// `srcdoc` frame inherits this page's policy, and the emails' HTML is styled with attributes
/// (mail clients ignore style sheets). Still no inline `<style>` element, and no script at all
/// in the frame (sandboxed without `allow-scripts`). The site-wide headers do not replace a
/// header the response already has.
const EMAIL_PREVIEW_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    style-src-attr 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// `GET /events/{slug}/emails` (chairs): the three decision emails' wording.
pub async fn email_templates(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    emails_page(page, &state, event, None).await
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    proposal_id: String,
}

/// `POST /events/{slug}/emails/{kind}`: saves the wording; a template error shows the page
/// again with the message and the typed text (422).
pub async fn save_template(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    path: web::Path<(String, String)>,
    form: CsrfForm<TemplateForm>,
) -> PageResult {
    let (_, kind) = path.into_inner();
    let kind = decisions::parse_kind(&kind)?;
    let form = form.0;
    match decisions::save_template(&state, &user, &event, kind, &form.subject, &form.body).await {
        Ok(_) => {
            set_flash(
                &req,
                "success",
                &format!(
                    "The {} email is saved: the next release uses it.",
                    kind.as_str()
                ),
            );
            Ok(redirect(&format!(
                "/events/{}/emails#tpl-{}",
                event.slug,
                kind.as_str()
            )))
        }
        Err(AppError::Validation(errors)) => {
            let typed = Typed {
                kind,
                subject: form.subject,
                body: form.body,
                proposal_id: form.proposal_id,
                errors,
                preview: None,
            };
            emails_page(page, &state, event, Some(typed)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /events/{slug}/emails/{kind}/reset`: back to the shipped wording.
pub async fn reset_template(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, String)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let (_, kind) = path.into_inner();
    let kind = decisions::parse_kind(&kind)?;
    decisions::reset_template(&state, &event, kind).await?;
    set_flash(
        &req,
        "success",
        &format!(
            "The {} email is back to the default wording.",
            kind.as_str()
        ),
    );
    Ok(redirect(&format!(
        "/events/{}/emails#tpl-{}",
        event.slug,
        kind.as_str()
    )))
}

/// `POST /events/{slug}/emails/{kind}/preview`: the typed (unsaved) wording rendered for a real
/// proposal, exactly as the release would send it.
pub async fn preview_template(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, String)>,
    form: CsrfForm<TemplateForm>,
) -> PageResult {
    let (_, kind) = path.into_inner();
    let kind = decisions::parse_kind(&kind)?;
    let form = form.0;
    let outcome = match uuid::Uuid::parse_str(form.proposal_id.trim()) {
        Ok(id) => {
            decisions::preview(
                &state,
                &event,
                kind,
                Some((&form.subject, &form.body)),
                ProposalId(id),
            )
            .await
        }
        Err(_) => Err(AppError::Validation(FieldErrors::single(
            "proposal_id",
            "choose a proposal to preview with",
        ))),
    };
    let (errors, preview) = match outcome {
        Ok(items) => (FieldErrors::new(), Some(items)),
        Err(AppError::Validation(errors)) => (errors, None),
        Err(other) => return Err(other.into()),
    };
    let typed = Typed {
        kind,
        subject: form.subject,
        body: form.body,
        proposal_id: form.proposal_id,
        errors,
        preview,
    };
    emails_page(page, &state, event, Some(typed)).await
}
