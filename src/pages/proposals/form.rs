//! The speakers' proposal form: submitting a proposal, editing it; and withdrawing it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::pending;
use crate::accounts::MaybeUser;
use crate::crypto::random_token;
use crate::db::events::{self, Event, Format, TrackWithSubtopics};
use crate::db::proposals as db;
use crate::domain::ProposalId;
use crate::domain::ProposalState;
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::{CheckedForm, CsrfForm, EmptyForm};
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::proposals::{
    self, EditPrecondition, ProposalFields, ProposalView, Viewer, visible_proposal,
};
use crate::state::AppState;

/// The form as typed: lists are one item per line. (Serialized only to keep it through a
/// sign-in: `super::pending`.)
#[derive(Deserialize, Serialize, Default, Clone)]
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
    /// The draft this form saves to (set by the first save, or when editing a draft).
    #[serde(default)]
    draft_id: String,
    /// Which button: `submit` (or none), `draft` ("Save draft"), `autosave` (the script).
    #[serde(default, skip_serializing)]
    intent: String,
    /// The speaker profile's fields the form asks for when they are missing (`profile_fields`).
    /// Before `answers`: a flattened struct takes its own fields first.
    #[serde(flatten)]
    profile: super::profile_fields::ProfileFieldsForm,
    /// Every other field: the answers to the event's questions (`answer_<key>`, see
    /// `super::answers`).
    #[serde(flatten)]
    answers: std::collections::BTreeMap<String, String>,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ProposalForm {
    fn fields(&self, event: &Event) -> ProposalFields {
        self.fields_for(&event.questions())
    }

    /// The fields, the answers read for these questions (none: no `answers` sent).
    fn fields_for(&self, questions: &[crate::domain::questions::Question]) -> ProposalFields {
        ProposalFields {
            title: Some(self.title.clone()),
            abstract_text: Some(self.abstract_text.clone()),
            notes: Some(self.notes.clone()),
            format: Some(self.format.clone()),
            track: Some(Some(self.track.clone()).filter(|t| !t.is_empty())),
            co_speakers: Some(lines(&self.co_speakers)),
            links: Some(lines(&self.links)),
            answers: (!questions.is_empty())
                .then(|| super::answers::from_form(questions, &self.answers)),
            draft: None,
            profile: None,
        }
    }

    fn from_view(view: &ProposalView, event: &Event) -> ProposalForm {
        ProposalForm {
            answers: super::answers::to_form(&event.questions(), &view.answers),
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
            draft_id: if view.state == ProposalState::Draft {
                view.id.to_string()
            } else {
                String::new()
            },
            intent: String::new(),
            profile: Default::default(),
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
    /// The event's questions as fields (`super::answers`).
    questions: Vec<super::answers::QuestionField>,
    /// None: a new proposal; Some(id): editing it.
    editing: Option<uuid::Uuid>,
    /// Someone saved the proposal while this form was open: what they saved differently.
    conflict: Option<Vec<Difference>>,
    /// The fields were kept through a sign-in and are shown again, not saved yet.
    restored: bool,
    /// The profile's affiliation and bio are missing: the form asks for them.
    ask_profile: bool,
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

#[allow(clippy::too_many_arguments)]
async fn form_page(
    page: PageContext,
    state: &AppState,
    event: Event,
    form: ProposalForm,
    errors: FieldErrors,
    editing: Option<ProposalId>,
    conflict: Option<Vec<Difference>>,
    restored: bool,
) -> PageResult {
    let mut form = form;
    let mut conn = state.pool.get().await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let ask_profile = match (&page.user, editing) {
        (Some(user), None) => {
            super::profile_fields::ask(&mut conn, user.id, &mut form.profile).await?
        }
        _ => false,
    };
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
            questions: super::answers::fields(&event, &form.answers, &errors),
            event,
            tracks,
            form,
            errors,
            editing: editing.map(|id| id.0),
            conflict,
            restored,
            ask_profile,
        },
    )
}

async fn event_or_404(state: &AppState, slug: &str) -> Result<Event, PageError> {
    let mut conn = state.pool.get().await?;
    Ok(events::find_by_slug(&mut conn, slug)
        .await?
        .ok_or(AppError::NotFound)?)
}

#[derive(Deserialize)]
pub struct RestoreQuery {
    /// The token of a form kept through a sign-in (`super::pending`).
    restore: Option<String>,
}

/// The form kept under the query's token for this page and user, if any.
async fn restored_form(
    req: &HttpRequest,
    state: &AppState,
    user: &crate::accounts::CurrentUser,
    target: &str,
    query: &RestoreQuery,
) -> Result<Option<ProposalForm>, AppError> {
    match query.restore.as_deref() {
        Some(token) => pending::restore(req, state, user, target, token).await,
        None => Ok(None),
    }
}

pub async fn submit_form(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    slug: web::Path<String>,
    query: web::Query<RestoreQuery>,
) -> PageResult {
    let event = event_or_404(&state, &slug).await?;
    if !event.cfp_open_at(chrono::Utc::now()) {
        return Err(AppError::Forbidden("the call for proposals is closed".into()).into());
    }
    let target = format!("/events/{}/submit", event.slug);
    if let Some(mut form) = restored_form(&req, &state, &user.0, &target, &query).await? {
        if form.form_token.is_empty() {
            form.form_token = random_token("form-");
        }
        return form_page(
            page,
            &state,
            event,
            form,
            FieldErrors::new(),
            None,
            None,
            true,
        )
        .await;
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
    form_page(
        page,
        &state,
        event,
        form,
        FieldErrors::new(),
        None,
        None,
        false,
    )
    .await
}

/// The signed-in user, or None for a visitor whose session is gone (expired, signed out).
fn user_of(
    user: Result<MaybeUser, AppError>,
) -> Result<Option<crate::accounts::CurrentUser>, PageError> {
    match user {
        Ok(MaybeUser(user)) => Ok(user),
        Err(AppError::Unauthorized) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// A form that cannot be acted on (no session, or a stale CSRF token): keep what was typed and
/// send the browser to sign in (or, signed in, straight back) to the form showing it again.
async fn keep_and_come_back(
    req: &HttpRequest,
    state: &AppState,
    user: Option<&crate::accounts::CurrentUser>,
    target: &str,
    form: &ProposalForm,
) -> PageResult {
    let token = pending::keep(req, state, user, target, form).await?;
    let back = format!("{target}?restore={token}");
    match user {
        Some(_) => {
            set_flash(
                req,
                "info",
                "This form had expired, so nothing was saved: everything you typed is below.                  Check it and send it again.",
            );
            Ok(redirect(&back))
        }
        None => Err(PageError::LoginRequired { next: back }),
    }
}

/// The draft id a form carries, if any.
fn draft_id_of(form: &ProposalForm) -> Result<Option<ProposalId>, AppError> {
    match form.draft_id.trim() {
        "" => Ok(None),
        text => text
            .parse::<uuid::Uuid>()
            .map(|id| Some(ProposalId(id)))
            .map_err(|_| {
                AppError::Validation(FieldErrors::single(
                    "draft_id",
                    "the form's draft is not an id; reload the page",
                ))
            }),
    }
}

/// Saves the form as a draft: a new one, or the one it carries. Returns the draft's view.
async fn save_draft(
    state: &AppState,
    user: &crate::accounts::CurrentUser,
    event: &Event,
    form: &ProposalForm,
) -> Result<ProposalView, AppError> {
    let mut fields = form.fields(event);
    match draft_id_of(form)? {
        Some(id) => proposals::update(state, user, id, fields, EditPrecondition::Any).await,
        None => {
            fields.draft = Some(true);
            // a key of its own: the same form's submission later is another request
            let key =
                (!form.form_token.is_empty()).then(|| format!("form:{}:draft", form.form_token));
            let outcome = proposals::create(state, user, event, fields, key.as_deref()).await?;
            let id = outcome
                .proposal_id
                .or_else(|| {
                    outcome.body["id"]
                        .as_str()
                        .and_then(|id| id.parse::<uuid::Uuid>().ok())
                        .map(ProposalId)
                })
                .ok_or_else(|| AppError::internal("a saved draft has an id"))?;
            let mut conn = state.pool.get().await?;
            let (draft, event) = proposals::own_draft(&mut conn, user, id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(proposals::draft_view(&event, &draft, user))
        }
    }
}

/// What the autosave script is told: the draft's id (later saves update it) and when.
#[derive(Serialize)]
struct Autosaved {
    id: uuid::Uuid,
    version: i64,
    saved_at: chrono::DateTime<chrono::Utc>,
}

/// The new-proposal form (and a draft's form): submit, save a draft ("Save draft", or the
/// script's autosave). Posted without a session or with a stale token, nothing is done but
/// keeping what was typed for after sign-in.
pub async fn submit(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: Result<MaybeUser, AppError>,
    slug: web::Path<String>,
    form: CheckedForm<ProposalForm>,
) -> PageResult {
    let event = event_or_404(&state, &slug).await?;
    let CheckedForm { form, csrf_valid } = form;
    let autosave = form.intent == "autosave";
    let user = match (user_of(user)?, csrf_valid) {
        (Some(user), true) => user,
        // the script keeps its own copy and says so; a pressed button keeps the form here
        _ if autosave => {
            return Ok(HttpResponse::Unauthorized()
                .content_type("application/problem+json")
                .body(
                    r#"{"title":"Unauthorized","status":401,"detail":"sign in again to save"}"#,
                ));
        }
        (user, _) => {
            let target = format!("/events/{}/submit", event.slug);
            return keep_and_come_back(&req, &state, user.as_ref(), &target, &form).await;
        }
    };
    match form.intent.as_str() {
        "autosave" => {
            let saved = save_draft(&state, &user, &event, &form).await?;
            Ok(HttpResponse::Ok().json(Autosaved {
                id: saved.id,
                version: saved.version,
                saved_at: saved.updated_at,
            }))
        }
        "draft" => match save_draft(&state, &user, &event, &form).await {
            Ok(saved) => {
                set_flash(
                    &req,
                    "success",
                    "Your draft is saved. Only you can see it until you submit it.",
                );
                Ok(redirect(&format!("/proposals/{}/edit", saved.id)))
            }
            Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
                form_page(page, &state, event, form, errors, None, None, false).await
            }
            Err(other) => Err(other.into()),
        },
        _ => {
            state
                .submit_limiter
                .check_key(&user.id.to_string(), "submit")?;
            let programme = match form.profile.parse() {
                Ok(programme) => programme,
                Err(errors) => {
                    return form_page(page, &state, event, form, errors, None, None, false).await;
                }
            };
            let outcome = match draft_id_of(&form)? {
                // what was typed is saved to the draft first, then the draft is submitted
                Some(id) => match save_draft(&state, &user, &event, &form).await {
                    // (a draft's submission saves the profile's fields just before)
                    Ok(_) => {
                        match super::profile_fields::save_before_draft(&state, &user, programme)
                            .await
                        {
                            Ok(()) => proposals::submit_draft(&state, &user, id)
                                .await
                                .map(|view| view.id.to_string()),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                },
                None => {
                    let key =
                        (!form.form_token.is_empty()).then(|| format!("form:{}", form.form_token));
                    let fields = ProposalFields {
                        profile: programme,
                        ..form.fields(&event)
                    };
                    proposals::create(&state, &user, &event, fields, key.as_deref())
                        .await
                        .map(|outcome| outcome.body["id"].as_str().unwrap_or_default().to_owned())
                }
            };
            match outcome {
                Ok(id) => {
                    // a replayed double-click is the same success
                    set_flash(
                        &req,
                        "success",
                        "Your proposal is submitted. We emailed you a receipt.",
                    );
                    Ok(redirect(&format!("/proposals/{id}")))
                }
                Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
                    form_page(page, &state, event, form, errors, None, None, false).await
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}

pub async fn edit_form(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    query: web::Query<RestoreQuery>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    // a draft is edited in the submission form, which can submit it
    if let Some((draft, event)) = proposals::own_draft(&mut conn, &user.0, *id).await? {
        drop(conn);
        if !event.cfp_open_at(chrono::Utc::now()) {
            return Err(AppError::Forbidden(
                "the call for proposals is closed: the draft can no longer be edited or submitted"
                    .into(),
            )
            .into());
        }
        let view = proposals::draft_view(&event, &draft, &user.0);
        let mut form = ProposalForm::from_view(&view, &event);
        form.form_token = random_token("form-");
        return form_page(
            page,
            &state,
            event,
            form,
            FieldErrors::new(),
            None,
            None,
            false,
        )
        .await;
    }
    let (proposal, event, _) = visible_proposal(&mut conn, &user.0, *id).await?;
    if !db::is_speaker(&mut conn, &proposal, user.0.id).await? {
        return Err(AppError::NotFound.into());
    }
    let view = proposals::view(&mut conn, &event, &proposal, Viewer::Speaker).await?;
    if !view.editable {
        return Err(AppError::Forbidden("this proposal cannot be edited any more".into()).into());
    }
    drop(conn);
    let target = format!("/proposals/{}/edit", *id);
    let (form, restored) = match restored_form(&req, &state, &user.0, &target, &query).await? {
        Some(form) => (form, true),
        None => (ProposalForm::from_view(&view, &event), false),
    };
    form_page(
        page,
        &state,
        event,
        form,
        FieldErrors::new(),
        Some(*id),
        None,
        restored,
    )
    .await
}

pub async fn edit(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: Result<MaybeUser, AppError>,
    id: web::Path<ProposalId>,
    form: CheckedForm<ProposalForm>,
) -> PageResult {
    let CheckedForm { form, csrf_valid } = form;
    let user = match (user_of(user)?, csrf_valid) {
        (Some(user), true) => user,
        (user, _) => {
            let target = format!("/proposals/{}/edit", *id);
            return keep_and_come_back(&req, &state, user.as_ref(), &target, &form).await;
        }
    };
    let user = SignedIn(user);
    let precondition = form.precondition()?;
    // the event's questions read the form's answers
    let fields = {
        let mut conn = state.pool.get().await?;
        let event = match proposals::own_draft(&mut conn, &user.0, *id).await? {
            Some((_, event)) => Some(event),
            None => visible_proposal(&mut conn, &user.0, *id)
                .await
                .ok()
                .map(|(_, event, _)| event),
        };
        match event {
            Some(event) => form.fields(&event),
            None => form.fields_for(&[]),
        }
    };
    match proposals::update(&state, &user.0, *id, fields, precondition).await {
        Ok(_) => {
            set_flash(&req, "success", "Your changes are saved.");
            Ok(redirect(&format!("/proposals/{}", *id)))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            let event = {
                let mut conn = state.pool.get().await?;
                visible_proposal(&mut conn, &user.0, *id).await?.1
            };
            form_page(page, &state, event, form, errors, Some(*id), None, false).await
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
            let saved = ProposalForm::from_view(&saved, &event);
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
                false,
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
    let was_draft = {
        let mut conn = state.pool.get().await?;
        proposals::own_draft(&mut conn, &user.0, *id)
            .await?
            .is_some()
    };
    crate::decisions::promotion::withdraw(&state, &user.0, *id).await?;
    if was_draft {
        set_flash(&req, "info", "The draft is deleted.");
        return Ok(redirect("/proposals"));
    }
    set_flash(&req, "info", "The proposal is withdrawn.");
    Ok(redirect(&format!("/proposals/{}", *id)))
}
