//! The speakers' proposal form: submitting a proposal, editing it; and withdrawing it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use crate::crypto::random_token;
use crate::db::events::{self, Event, Format, TrackWithSubtopics};
use crate::db::proposals as db;
use crate::domain::ProposalId;
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::proposals::{
    self, EditPrecondition, ProposalFields, ProposalView, Viewer, visible_proposal,
};
use crate::state::AppState;

/// The form as typed: lists are one item per line.
#[derive(Deserialize, Default, Clone)]
pub struct ProposalForm {
    #[serde(default)]
    title: String,
    #[serde(default, rename = "abstract")]
    abstract_text: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    co_speakers: String,
    #[serde(default)]
    links: String,
    /// One-time token: a double-clicked submit creates one proposal.
    #[serde(default)]
    form_token: String,
    /// Editing: the version the form was filled from; saving refuses to overwrite a newer one.
    #[serde(default)]
    version: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ProposalForm {
    fn fields(&self) -> ProposalFields {
        ProposalFields {
            title: Some(self.title.clone()),
            abstract_text: Some(self.abstract_text.clone()),
            notes: Some(self.notes.clone()),
            format: Some(self.format.clone()),
            track: Some(Some(self.track.clone()).filter(|t| !t.is_empty())),
            co_speakers: Some(lines(&self.co_speakers)),
            links: Some(lines(&self.links)),
        }
    }

    fn from_view(view: &ProposalView) -> ProposalForm {
        ProposalForm {
            title: view.title.clone(),
            abstract_text: view.abstract_text.clone(),
            notes: view.notes.clone(),
            format: view.format.clone(),
            track: view.tags.speaker_track.clone().unwrap_or_default(),
            co_speakers: view
                .speakers
                .iter()
                .skip(1)
                .map(|s| s.email.clone())
                .chain(view.invited.iter().cloned())
                .collect::<Vec<_>>()
                .join("\n"),
            links: view.links.join("\n"),
            form_token: String::new(),
            version: view.version.to_string(),
        }
    }

    /// What the saved proposal (`saved`) says differently from this form, field by field.
    fn differences(&self, saved: &ProposalForm) -> Vec<Difference> {
        let text = |s: &str| s.trim().to_owned();
        let list = |s: &str| lines(s).join("\n");
        [
            ("Title", text(&saved.title), text(&self.title)),
            (
                "Abstract",
                text(&saved.abstract_text),
                text(&self.abstract_text),
            ),
            ("Format", saved.format.clone(), self.format.clone()),
            ("Track", saved.track.clone(), self.track.clone()),
            (
                "Co-speakers",
                list(&saved.co_speakers),
                list(&self.co_speakers),
            ),
            ("Links", list(&saved.links), list(&self.links)),
            ("Notes", text(&saved.notes), text(&self.notes)),
        ]
        .into_iter()
        .filter(|(_, saved, yours)| saved != yours)
        .map(|(field, saved, yours)| Difference {
            field,
            saved,
            yours,
        })
        .collect()
    }

    /// The precondition of an edit: the version the form was filled from (none: an old form).
    fn precondition(&self) -> Result<EditPrecondition, AppError> {
        match self.version.trim() {
            "" => Ok(EditPrecondition::Any),
            text => text
                .parse::<i64>()
                .map(|v| EditPrecondition::Versions(vec![v]))
                .map_err(|_| {
                    AppError::Validation(FieldErrors::single(
                        "version",
                        "the form's version is not a number; reload the page",
                    ))
                }),
        }
    }
}

/// One field a concurrent edit saved differently from what the speaker typed.
struct Difference {
    field: &'static str,
    saved: String,
    yours: String,
}

#[derive(Template)]
#[template(path = "proposal_form.html")]
struct ProposalFormPage {
    page: PageContext,
    event: Event,
    formats: Vec<Format>,
    tracks: Vec<TrackWithSubtopics>,
    form: ProposalForm,
    errors: FieldErrors,
    /// None: a new proposal; Some(id): editing it.
    editing: Option<uuid::Uuid>,
    /// Someone saved the proposal while this form was open: what they saved differently.
    conflict: Option<Vec<Difference>>,
}

impl ProposalFormPage {
    /// Every message for a field, including its indexed items (`links[2]` → "line 3: …").
    fn messages(&self, field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (key, messages) in &self.errors.0 {
            if key == field {
                out.extend(messages.iter().cloned());
            } else if let Some(index) = key
                .strip_prefix(field)
                .and_then(|r| r.strip_prefix('['))
                .and_then(|r| r.strip_suffix(']'))
            {
                let line = index.parse::<usize>().map_or(0, |i| i + 1);
                out.extend(messages.iter().map(|m| format!("line {line}: {m}")));
            }
        }
        out
    }
}

async fn form_page(
    page: PageContext,
    state: &AppState,
    event: Event,
    form: ProposalForm,
    errors: FieldErrors,
    editing: Option<ProposalId>,
    conflict: Option<Vec<Difference>>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &ProposalFormPage {
            page,
            formats: event.formats(),
            event,
            tracks,
            form,
            errors,
            editing: editing.map(|id| id.0),
            conflict,
        },
    )
}

async fn event_or_404(state: &AppState, slug: &str) -> Result<Event, PageError> {
    let mut conn = state.pool.get().await?;
    Ok(events::find_by_slug(&mut conn, slug)
        .await?
        .ok_or(AppError::NotFound)?)
}

pub async fn submit_form(
    page: PageContext,
    state: web::Data<AppState>,
    _user: SignedIn,
    slug: web::Path<String>,
) -> PageResult {
    let event = event_or_404(&state, &slug).await?;
    if !event.cfp_open_at(chrono::Utc::now()) {
        return Err(AppError::Forbidden("the call for proposals is closed".into()).into());
    }
    let form = ProposalForm {
        format: event
            .formats()
            .first()
            .map(|f| f.key.clone())
            .unwrap_or_default(),
        form_token: random_token("form-"),
        ..Default::default()
    };
    form_page(page, &state, event, form, FieldErrors::new(), None, None).await
}

pub async fn submit(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    slug: web::Path<String>,
    form: CsrfForm<ProposalForm>,
) -> PageResult {
    let event = event_or_404(&state, &slug).await?;
    let form = form.0;
    state
        .submit_limiter
        .check_key(&user.0.id.to_string(), "submit")?;
    let key = (!form.form_token.is_empty()).then(|| format!("form:{}", form.form_token));
    match proposals::create(&state, &user.0, &event, form.fields(), key.as_deref()).await {
        Ok(outcome) => {
            let id = outcome.body["id"].as_str().unwrap_or_default().to_owned();
            // a replayed double-click is the same success
            set_flash(
                &req,
                "success",
                "Your proposal is submitted. We emailed you a receipt.",
            );
            Ok(redirect(&format!("/proposals/{id}")))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            form_page(page, &state, event, form, errors, None, None).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn edit_form(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (proposal, event, _) = visible_proposal(&mut conn, &user.0, *id).await?;
    if !db::is_speaker(&mut conn, &proposal, user.0.id).await? {
        return Err(AppError::NotFound.into());
    }
    let view = proposals::view(&mut conn, &event, &proposal, Viewer::Speaker).await?;
    if !view.editable {
        return Err(AppError::Forbidden("this proposal cannot be edited any more".into()).into());
    }
    drop(conn);
    form_page(
        page,
        &state,
        event,
        ProposalForm::from_view(&view),
        FieldErrors::new(),
        Some(*id),
        None,
    )
    .await
}

pub async fn edit(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<ProposalForm>,
) -> PageResult {
    let form = form.0;
    let precondition = form.precondition()?;
    match proposals::update(&state, &user.0, *id, form.fields(), precondition).await {
        Ok(_) => {
            set_flash(&req, "success", "Your changes are saved.");
            Ok(redirect(&format!("/proposals/{}", *id)))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            let event = {
                let mut conn = state.pool.get().await?;
                visible_proposal(&mut conn, &user.0, *id).await?.1
            };
            form_page(page, &state, event, form, errors, Some(*id), None).await
        }
        Err(AppError::PreconditionFailed(_)) => {
            // Someone saved meanwhile: keep everything typed, show what is saved now, and let
            // a second save (from the version shown) replace it knowingly.
            let (event, saved) = {
                let mut conn = state.pool.get().await?;
                let (proposal, event, _) = visible_proposal(&mut conn, &user.0, *id).await?;
                let saved = proposals::view(&mut conn, &event, &proposal, Viewer::Speaker).await?;
                (event, saved)
            };
            let saved = ProposalForm::from_view(&saved);
            let differences = form.differences(&saved);
            let form = ProposalForm {
                version: saved.version.clone(),
                ..form
            };
            form_page(
                page,
                &state,
                event,
                form,
                FieldErrors::new(),
                Some(*id),
                Some(differences),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    proposals::withdraw(&state, &user.0, *id).await?;
    set_flash(&req, "info", "The proposal is withdrawn.");
    Ok(redirect(&format!("/proposals/{}", *id)))
}
