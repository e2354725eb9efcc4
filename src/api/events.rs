//! Events (microconferences): created by site admins, configured by their chairs.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};

use super::ApiJson;
use crate::accounts::{AdminUser, CurrentUser};
use crate::db::events::{self, Event, EventRoleKind};
use crate::domain::{EmailAddress, schema};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::events::MemberOutcome;
pub use crate::events::{CreateEventRequest, EventPatch};
use crate::http::ChairedEvent;
use crate::state::AppState;

/// Events and their members; inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::post().to(create_event));
    cfg.route("/events/{slug}", web::get().to(get_event));
    cfg.route("/events/{slug}", web::patch().to(patch_event));
    cfg.route("/events/{slug}/export", web::get().to(export_event));
    cfg.route("/events/{slug}/members", web::put().to(put_member));
    cfg.route(
        "/events/{slug}/members/{user_id}",
        web::delete().to(delete_member),
    );
    cfg.route(
        "/events/{slug}/member-invitations/{invitation_id}",
        web::delete().to(cancel_member_invitation),
    );
    cfg.route(
        "/member-invitations/accept",
        web::post().to(accept_member_invitation),
    );
}

#[derive(Serialize, ToSchema)]
pub struct SubtopicResponse {
    pub key: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TrackResponse {
    pub key: String,
    pub name: String,
    pub description: String,
    pub subtopics: Vec<SubtopicResponse>,
}

#[derive(Serialize, ToSchema)]
pub struct EventResponse {
    pub slug: String,
    pub formats: Vec<crate::db::events::Format>,
    pub max_co_speakers: i16,
    pub max_proposals_per_speaker: i16,
    pub title: String,
    pub description: String,
    pub time_zone: String,
    pub cfp_opens_at: DateTime<Utc>,
    pub cfp_closes_at: DateTime<Utc>,
    pub cfp_open: bool,
    pub blind_review: bool,
    pub score_min: i16,
    pub score_max: i16,
    pub tracks: Vec<TrackResponse>,
    /// Reviews can be written now.
    pub review_open: bool,
    pub review_opens_at: Option<DateTime<Utc>>,
    pub review_closes_at: Option<DateTime<Utc>>,
    pub reviewers_see_all: bool,
    pub conflict_same_domain: bool,
    pub confirm_by: Option<DateTime<Utc>>,
    pub share_review_comments: bool,
    /// The accepted list is public since then; null: not published.
    pub published_at: Option<DateTime<Utc>>,
    /// The programme's length in minutes, which accepted talks fill.
    pub slot_minutes: Option<i32>,
    /// While reviewing is open, a new proposal is assigned reviewers on submission.
    pub auto_assign: bool,
    /// How many reviewers assignment on submission gives a proposal.
    #[schema(minimum = 1, maximum = 20)]
    pub reviewers_per_proposal: i16,
    /// The review's criteria (see `/events/{slug}/review-criteria`); empty: a single score.
    pub review_criteria: Vec<crate::review::Criterion>,
    /// The event's contact address: the Reply-To of every email the event sends.
    pub contact_email: Option<String>,
    /// `off`, `suggest` or `auto`: what happens when an accepted talk frees its place.
    #[schema(pattern = "^(off|suggest|auto)$")]
    pub waitlist_promotion: String,
    /// Days before `confirm_by` when unconfirmed speakers get their one automatic reminder;
    /// null: none.
    #[schema(minimum = 1, maximum = 60)]
    pub confirm_reminder_days: Option<i32>,
}

pub async fn event_response(
    conn: &mut diesel_async::AsyncPgConnection,
    event: Event,
) -> AppResult<EventResponse> {
    let tracks = events::tracks_of(conn, event.id).await?;
    let (waitlist_promotion, confirm_reminder_days) =
        crate::db::promotion::settings_of(conn, event.id).await?;
    Ok(EventResponse {
        waitlist_promotion,
        confirm_reminder_days,
        cfp_open: event.cfp_open_at(Utc::now()),
        review_open: event.review_open_at(Utc::now()),
        review_opens_at: event.review_opens_at,
        review_closes_at: event.review_closes_at,
        reviewers_see_all: event.reviewers_see_all,
        conflict_same_domain: event.conflict_same_domain,
        confirm_by: event.confirm_by,
        share_review_comments: event.share_review_comments,
        published_at: event.published_at,
        slot_minutes: event.slot_minutes,
        auto_assign: event.auto_assign,
        reviewers_per_proposal: event.reviewers_per_proposal,
        review_criteria: crate::review::criteria_of(&event),
        contact_email: event.contact_email.clone(),
        formats: event.formats(),
        max_co_speakers: event.max_co_speakers,
        max_proposals_per_speaker: event.max_proposals_per_speaker,
        slug: event.slug,
        title: event.title,
        description: event.description,
        time_zone: event.time_zone,
        cfp_opens_at: event.cfp_opens_at,
        cfp_closes_at: event.cfp_closes_at,
        blind_review: event.blind_review,
        score_min: event.score_min,
        score_max: event.score_max,
        tracks: tracks
            .into_iter()
            .map(|t| TrackResponse {
                key: t.key,
                name: t.name,
                description: t.description,
                subtopics: t
                    .subtopics
                    .into_iter()
                    .map(|(key, name)| SubtopicResponse { key, name })
                    .collect(),
            })
            .collect(),
    })
}

#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = CreateEventRequest,
    responses((status = 201, body = EventResponse), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub async fn create_event(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: ApiJson<CreateEventRequest>,
) -> AppResult<HttpResponse> {
    let event = crate::events::create(&state, &admin.0, body.0).await?;
    let mut conn = state.pool.get().await?;
    let response = event_response(&mut conn, event).await?;
    Ok(HttpResponse::Created().json(response))
}

#[utoipa::path(get, path = "/api/v1/events/{slug}", tag = "events",
    params(("slug" = String, Path)), responses((status = 200, body = EventResponse), (status = 404)))]
pub async fn get_event(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<web::Json<EventResponse>> {
    let mut conn = state.pool.get().await?;
    let event = events::find_by_slug(&mut conn, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(web::Json(event_response(&mut conn, event).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MemberRequest {
    #[schema(schema_with = schema::email)]
    pub email: String,
    #[schema(schema_with = role_schema)]
    pub role: String,
    /// Track keys a reviewer is restricted to; null for every track.
    #[schema(schema_with = member_tracks_schema)]
    pub tracks: Option<Vec<String>>,
}

fn role_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(
            [EventRoleKind::Chair, EventRoleKind::Reviewer].map(EventRoleKind::as_str),
        ))
}

fn member_tracks_schema() -> ArrayBuilder {
    schema::keys_or_null().description(Some(
        "keys of the event's tracks a reviewer is restricted to; null for every track",
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MemberResponse {
    /// Null while the invitation of an email without an account is open.
    pub user_id: Option<uuid::Uuid>,
    pub email: String,
    pub name: Option<String>,
    pub role: String,
    pub tracks: Option<Vec<String>>,
    /// True when no account has the email: an invitation with a sign-up link was emailed.
    pub invited: bool,
    /// The open invitation (null when the email's account is a member): what
    /// `DELETE /events/{slug}/member-invitations/{invitation_id}` cancels.
    pub invitation_id: Option<uuid::Uuid>,
    /// True when the email had an open invitation already: it was sent again with a fresh link,
    /// and the link sent before no longer works.
    pub sent_again: bool,
}

#[utoipa::path(put, path = "/api/v1/events/{slug}/members", tag = "events", request_body = MemberRequest,
    params(("slug" = String, Path)),
    responses((status = 200, body = MemberResponse, description = "an unknown email gets an invitation email; \
        inviting it again (role and tracks as sent now) sends the invitation again with a fresh link \
        (`sent_again`), and the link sent before stops working"),
        (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn put_member(
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
    body: ApiJson<MemberRequest>,
) -> AppResult<web::Json<MemberResponse>> {
    let mut conn = state.pool.get().await?;

    let body = body.0;
    let mut errors = FieldErrors::new();
    let email = errors.check("email", EmailAddress::parse(&body.email));
    let role = EventRoleKind::parse(&body.role);
    if role.is_none() {
        errors.add("role", "must be \"chair\" or \"reviewer\"");
    }
    let known_tracks: Vec<String> = events::tracks_of(&mut conn, event.id)
        .await?
        .into_iter()
        .map(|t| t.key)
        .collect();
    if let Some(tracks) = &body.tracks {
        for key in tracks.iter().filter(|k| !known_tracks.contains(k)) {
            errors.add("tracks", format!("`{key}` is not a track of this event"));
        }
    }
    errors.clone().into_result()?;
    let (Some(email), Some(role)) = (email, role) else {
        return Err(AppError::Validation(errors));
    };
    let tracks = if role == EventRoleKind::Reviewer {
        body.tracks
    } else {
        None
    };
    let outcome =
        crate::events::set_member(&state, &user, &event, &email, role, tracks.clone()).await?;
    let response = match outcome {
        MemberOutcome::Member(member) => MemberResponse {
            user_id: Some(member.id.0),
            email: member.email,
            name: Some(member.name),
            role: role.as_str().to_owned(),
            tracks,
            invited: false,
            invitation_id: None,
            sent_again: false,
        },
        MemberOutcome::Invited {
            invitation_id,
            again,
        } => MemberResponse {
            user_id: None,
            email: email.as_str().to_owned(),
            name: None,
            role: role.as_str().to_owned(),
            tracks,
            invited: true,
            invitation_id: Some(invitation_id),
            sent_again: again,
        },
    };
    Ok(web::Json(response))
}

#[utoipa::path(patch, path = "/api/v1/events/{slug}", tag = "events", request_body = EventPatch, params(("slug" = String, Path)),
    responses((status = 200, body = EventResponse), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the score scale cannot change once reviews exist"), (status = 422)))]
pub async fn patch_event(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    body: ApiJson<EventPatch>,
) -> AppResult<web::Json<EventResponse>> {
    let mut conn = state.pool.get().await?;
    let event = crate::events::apply_patch(&state, event, body.0).await?;
    Ok(web::Json(event_response(&mut conn, event).await?))
}

#[utoipa::path(delete, path = "/api/v1/events/{slug}/members/{user_id}", tag = "events",
    params(("slug" = String, Path),
        ("user_id" = uuid::Uuid, Path, pattern = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_member(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    path: web::Path<(String, crate::domain::UserId)>,
) -> AppResult<HttpResponse> {
    let (_, member) = path.into_inner();
    let conn = state.pool.get().await?;
    drop(conn);
    if crate::review::remove_member(&state, &event, member).await? {
        tracing::info!(event.slug = %event.slug, member = %member, "member removed");
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::NotFound)
    }
}

#[utoipa::path(delete, path = "/api/v1/events/{slug}/member-invitations/{invitation_id}", tag = "events",
    params(("slug" = String, Path), ("invitation_id" = uuid::Uuid, Path, description = "the `invitation_id` of `PUT /events/{slug}/members`")),
    responses((status = 204, description = "cancelled: its link no longer works, and its email is not sent if it had not gone out yet"),
        (status = 401), (status = 403),
        (status = 404, description = "no such event, or no such invitation of the event"),
        (status = 409, description = "the invitation was accepted already: remove the member instead")))]
pub async fn cancel_member_invitation(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    path: web::Path<(String, uuid::Uuid)>,
) -> AppResult<HttpResponse> {
    let (_, invitation_id) = path.into_inner();
    crate::events::cancel_member_invitation(&state, &event, invitation_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct MemberInvitationAccept {
    #[schema(schema_with = schema::member_invitation_token)]
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/member-invitations/accept", tag = "events", request_body = MemberInvitationAccept,
    responses((status = 200, body = EventResponse, description = "the signed-in account is now a member"), (status = 401), (status = 409), (status = 422)))]
pub async fn accept_member_invitation(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<MemberInvitationAccept>,
) -> AppResult<web::Json<EventResponse>> {
    let event = crate::events::accept_member_invitation(&state, &user, &body.0.token).await?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(event_response(&mut conn, event).await?))
}

/// The event's export document (see the README's Backups section), for its chairs.
#[utoipa::path(get, path = "/api/v1/events/{slug}/export", tag = "events", params(("slug" = String, Path)),
    responses((status = 200, content_type = "application/json", body = crate::events::export::EventExport,
        description = "the event as one versioned JSON document (`format` \"mcfp-event-export\", `version` 2) with its settings, tracks, members, member invitations (without their tokens), proposals, co-speakers, revisions, tag corrections, assignments, conflicts, reviews and their history, decisions and their audit, email templates, the history of its emails (metadata only: Message-ID, kind, recipient, subject, state, attempts, last error, timestamps; never a body or a secret) and the people they name (id, email, name; never a secret), as an attachment; `mcfp import` restores it, and never sends an email of the history"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn export_event(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let now = Utc::now();
    let host = crate::mail::message_id_host(&state.base_url);
    let document = crate::events::export::export_event(&mut conn, event.id.0, now, &host)
        .await
        .map_err(|e| AppError::internal(format!("exporting the event: {e:#}")))?;
    let mut body = serde_json::to_string_pretty(&document).map_err(AppError::internal)?;
    body.push('\n');
    let filename = format!("mcfp-{}-{}.json", event.slug, now.format("%Y%m%dT%H%M%SZ"));
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
