//! An event's members, for its chairs: the chairs and reviewers with the open invitations,
//! adding one (or inviting them by email, or sending an invitation again), removing one,
//! cancelling an invitation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::error::AppError;
use crate::events::MemberOutcome;
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    page: PageContext,
    event: Event,
    members: Vec<events::MemberRow>,
    invitations: Vec<events::OpenMemberInvitation>,
    tracks: Vec<TrackWithSubtopics>,
    /// The add form as typed (kept when it comes back with errors).
    typed: MemberForm,
    errors: crate::error::FieldErrors,
}

impl MembersPage {
    fn tracks_text(tracks: &Option<Vec<String>>) -> String {
        tracks
            .as_ref()
            .map_or_else(|| "all tracks".to_owned(), |t| t.join(", "))
    }
}

async fn members_page(
    page: PageContext,
    state: &AppState,
    event: Event,
    typed: MemberForm,
    errors: crate::error::FieldErrors,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let members = events::members_of(&mut conn, event.id).await?;
    let invitations = events::open_member_invitations(&mut conn, event.id).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &MembersPage {
            page,
            event,
            members,
            invitations,
            tracks,
            typed,
            errors,
        },
    )
}

pub async fn members(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    members_page(
        page,
        &state,
        event,
        MemberForm::default(),
        crate::error::FieldErrors::new(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    /// Comma-separated track keys; empty for every track.
    #[serde(default)]
    tracks: String,
}

pub async fn add_member(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<MemberForm>,
) -> PageResult {
    let form = form.0;
    let mut errors = crate::error::FieldErrors::new();
    let email = errors.check("email", crate::domain::EmailAddress::parse(&form.email));
    let role = events::EventRoleKind::parse(&form.role);
    if role.is_none() {
        errors.add("role", "choose chair or reviewer");
    }
    let keys: Vec<String> = form
        .tracks
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let known: Vec<String> = {
        let mut conn = state.pool.get().await?;
        events::tracks_of(&mut conn, event.id)
            .await?
            .into_iter()
            .map(|t| t.key)
            .collect()
    };
    for key in keys.iter().filter(|k| !known.contains(k)) {
        errors.add("tracks", format!("`{key}` is not a track of this event"));
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return members_page(page, &state, event, form, errors).await;
    };
    let tracks = (role == events::EventRoleKind::Reviewer && !keys.is_empty()).then_some(keys);
    let outcome = crate::events::set_member(&state, &user, &event, &email, role, tracks).await?;
    let message = match outcome {
        MemberOutcome::Member(user) => {
            format!("{} is now a {} of this event.", user.name, role.as_str())
        }
        MemberOutcome::Invited { again: false, .. } => {
            format!("No account has {email} yet: we emailed an invitation with a sign-up link.")
        }
        MemberOutcome::Invited { again: true, .. } => format!(
            "Invitation sent again to {email}, with a new link: the link sent before no longer works."
        ),
    };
    set_flash(&req, "success", &message);
    Ok(redirect(&format!("/events/{}/members", event.slug)))
}

pub async fn remove_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, crate::domain::UserId)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let (_, member) = path.into_inner();
    if !crate::review::remove_member(&state, &event, member).await? {
        return Err(AppError::NotFound.into());
    }
    set_flash(&req, "success", "The member is removed.");
    Ok(redirect(&format!("/events/{}/members", event.slug)))
}

pub async fn cancel_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, uuid::Uuid)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let (_, invitation_id) = path.into_inner();
    crate::events::cancel_member_invitation(&state, &event, invitation_id).await?;
    set_flash(
        &req,
        "success",
        "The invitation is cancelled: its link no longer works.",
    );
    Ok(redirect(&format!("/events/{}/members", event.slug)))
}
