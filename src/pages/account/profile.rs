//! The account page's speaker profile: its form, the photo upload (a plain multipart form) and
//! removal, and the photos themselves, served under a URL that names their bytes.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::page::{Typed, account_page};
use crate::accounts::photo::{self, MAX_UPLOAD_BYTES};
use crate::accounts::profile::{self, ProfileInput};
use crate::db::profiles as db;
use crate::domain::{Profile, UserId};
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::{CSRF_FIELD, CsrfForm, EmptyForm, token_is_valid};
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash_in;
use crate::pages::respond::redirect;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    affiliation: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    pronouns: String,
}

pub async fn save_profile(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<ProfileForm>,
) -> PageResult {
    let form = form.0;
    let outcome = profile::update_profile(
        &state,
        &user.0,
        ProfileInput {
            given_name: &form.given_name,
            family_name: &form.family_name,
            affiliation: &form.affiliation,
            bio: &form.bio,
            pronouns: &form.pronouns,
            // the display name has its own form
            name: Some(&user.0.name),
        },
    )
    .await;
    match outcome {
        Ok(_) => {
            set_flash_in(&req, "speaker-profile", "success", "Your profile is saved.");
            Ok(redirect("/account#speaker-profile"))
        }
        Err(AppError::Validation(errors)) => {
            let typed = Typed {
                profile: Some(Profile {
                    given_name: form.given_name,
                    family_name: form.family_name,
                    affiliation: form.affiliation,
                    bio: form.bio,
                    pronouns: form.pronouns,
                }),
                ..Typed::default()
            };
            account_page(page, &state, user.0, None, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The upload form's fields: its CSRF token and the picture, read within the photo's limit.
async fn read_upload(mut multipart: Multipart) -> Result<(Option<String>, Vec<u8>), AppError> {
    let mut token = None;
    let mut picture = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| AppError::BadRequest(format!("malformed upload: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| AppError::BadRequest(format!("malformed upload: {e}")))?;
            total += chunk.len();
            if total > MAX_UPLOAD_BYTES + 64 * 1024 {
                return Err(AppError::PayloadTooLarge {
                    limit_bytes: MAX_UPLOAD_BYTES,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            CSRF_FIELD => token = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "photo" => picture = bytes,
            _ => {}
        }
    }
    Ok((token, picture))
}

pub async fn upload_photo(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    payload: web::Payload,
) -> PageResult {
    let multipart = Multipart::new(req.headers(), payload);
    let (token, picture) = crate::http::within_body_timeout(read_upload(multipart)).await??;
    if !token_is_valid(&req, &state.settings, token.as_deref()) {
        return Err(PageError::App(AppError::Forbidden(
            "this form has expired or was not sent from this site: go back, reload the page and try again".into(),
        )));
    }
    let outcome = if picture.is_empty() {
        Err(AppError::Validation(FieldErrors::single(
            "photo",
            "choose a PNG, JPEG or WebP picture",
        )))
    } else {
        profile::set_photo(&state, user.0.id, picture)
            .await
            .map(|_| ())
    };
    match outcome {
        Ok(()) => {
            set_flash_in(&req, "speaker-profile", "success", "Your photo is saved.");
            Ok(redirect("/account#speaker-profile"))
        }
        Err(AppError::Validation(errors)) => {
            account_page(page, &state, user.0, None, Typed::default(), errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn remove_photo(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    profile::remove_photo(&state, user.0.id).await?;
    set_flash_in(&req, "speaker-profile", "success", "Your photo is removed.");
    Ok(redirect("/account#speaker-profile"))
}

/// `/photos/{user_id}/{digest}.{jpg|png}`: the photo, cacheable for ever (its URL changes with
/// it); a digest that is not the current one's is a 404.
pub async fn photo(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (user_id, file) = path.into_inner();
    let user_id = uuid::Uuid::parse_str(&user_id)
        .map(UserId)
        .map_err(|_| AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    let stored = db::photo(&mut conn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let expected = format!(
        "{}.{}",
        stored.digest,
        photo::extension_of(&stored.content_type)
    );
    if file != expected {
        return Err(AppError::NotFound.into());
    }
    Ok(HttpResponse::Ok()
        .content_type(stored.content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(stored.bytes))
}
