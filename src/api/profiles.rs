//! The caller's speaker profile and photo: `GET`/`PUT /me/profile`, `PUT`/`DELETE /me/photo`.

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::accounts::CurrentUser;
use crate::accounts::photo::MAX_UPLOAD_BYTES;
use crate::accounts::profile::{self, ProfileInput};
use crate::db::profiles::StoredProfile;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The profile and photo routes, inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/profile", web::get().to(get_profile));
    cfg.route("/me/profile", web::put().to(put_profile));
    cfg.route("/me/photo", web::put().to(put_photo));
    cfg.route("/me/photo", web::delete().to(delete_photo));
}

#[derive(Serialize, ToSchema)]
pub struct ProfileResponse {
    /// The display name.
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub affiliation: String,
    /// Markdown (the abstracts' subset), rendered sanitized.
    pub bio: String,
    pub pronouns: String,
    /// Where the photo is served (a path on this server that changes with the picture, cached
    /// for ever); null without a photo.
    pub photo_url: Option<String>,
}

impl From<StoredProfile> for ProfileResponse {
    fn from(stored: StoredProfile) -> Self {
        ProfileResponse {
            photo_url: stored
                .photo
                .as_ref()
                .map(|p| profile::photo_url(stored.user_id, p)),
            name: stored.name,
            given_name: stored.profile.given_name,
            family_name: stored.profile.family_name,
            affiliation: stored.profile.affiliation,
            bio: stored.profile.bio,
            pronouns: stored.profile.pronouns,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ProfileRequest {
    #[schema(schema_with = crate::domain::schema::given_name)]
    pub given_name: String,
    #[schema(schema_with = crate::domain::schema::family_name)]
    pub family_name: String,
    #[schema(schema_with = crate::domain::schema::affiliation)]
    pub affiliation: String,
    #[schema(schema_with = crate::domain::schema::bio)]
    pub bio: String,
    #[schema(schema_with = crate::domain::schema::pronouns)]
    pub pronouns: String,
    /// The display name. Absent or null: it becomes "given family" when those make a valid
    /// display name (1–100 characters), else it stays as it is.
    #[serde(default)]
    #[schema(schema_with = crate::domain::schema::person_name_or_null)]
    pub name: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me/profile", tag = "accounts",
    responses((status = 200, body = ProfileResponse), (status = 401)))]
pub async fn get_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<ProfileResponse>> {
    let stored = profile::profile(&state, user.id).await?;
    Ok(web::Json(stored.into()))
}

#[utoipa::path(put, path = "/api/v1/me/profile", tag = "accounts", request_body = ProfileRequest,
    description = "Replaces the profile (every field may be empty). Chairs, and reviewers unless the \
        review is blind, see it beside the caller's proposals; the published list of accepted talks \
        shows the affiliation, the bio and the photo (never the email).",
    responses((status = 200, body = ProfileResponse), (status = 401), (status = 422, description = "invalid fields, each named")))]
pub async fn put_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<ProfileRequest>,
) -> AppResult<web::Json<ProfileResponse>> {
    let body = body.0;
    let stored = profile::update_profile(
        &state,
        &user,
        ProfileInput {
            given_name: &body.given_name,
            family_name: &body.family_name,
            affiliation: &body.affiliation,
            bio: &body.bio,
            pronouns: &body.pronouns,
            name: body.name.as_deref(),
        },
    )
    .await?;
    Ok(web::Json(stored.into()))
}

/// Reads a body of at most `limit` bytes; a larger one is a 413 as soon as it shows.
pub async fn read_limited(payload: web::Payload, limit: usize) -> AppResult<Vec<u8>> {
    let read = async move {
        let mut payload = payload;
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|e| AppError::BadRequest(format!("could not read the body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge { limit_bytes: limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    crate::http::within_body_timeout(read).await?
}

#[utoipa::path(put, path = "/api/v1/me/photo", tag = "accounts",
    request_body(content = Vec<u8>, description = "The picture: PNG, JPEG or WebP (told by its bytes), at most 2 MB and 8000×8000 pixels. \
        It is decoded, scaled down to fit 512×512 and re-encoded (JPEG, or PNG when it has transparency): no metadata survives.",
        content_type = "image/png, image/jpeg, image/webp, application/octet-stream"),
    responses((status = 200, body = ProfileResponse, description = "the profile with its new `photo_url`"), (status = 401),
        (status = 413, description = "larger than 2 MB"),
        (status = 422, description = "`photo`: not a PNG, JPEG or WebP picture, or too many pixels")))]
pub async fn put_photo(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    payload: web::Payload,
) -> AppResult<web::Json<ProfileResponse>> {
    let too_large = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_UPLOAD_BYTES);
    if too_large {
        return Err(AppError::PayloadTooLarge {
            limit_bytes: MAX_UPLOAD_BYTES,
        });
    }
    let upload = read_limited(payload, MAX_UPLOAD_BYTES).await?;
    let stored = profile::set_photo(&state, user.id, upload).await?;
    Ok(web::Json(stored.into()))
}

#[utoipa::path(delete, path = "/api/v1/me/photo", tag = "accounts",
    responses((status = 204, description = "the photo is removed (or there was none)"), (status = 401)))]
pub async fn delete_photo(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    profile::remove_photo(&state, user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
