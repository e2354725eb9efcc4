//! The account's profile (given and family names, affiliation, bio, pronouns; the display name
//! defaults to "given family") and its photo. A change a published list shows (a speaker of an
//! accepted or confirmed talk) gives the list's event a new public version, in the same
//! transaction.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::identity::CurrentUser;
use super::photo::{self, PhotoError, ProcessedPhoto};
use crate::db::profiles::{self as db, PhotoRef, StoredProfile};
use crate::domain::{PersonName, Profile, UserId, rules};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// What a profile form or `PUT /me/profile` sends.
pub struct ProfileInput<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub affiliation: &'a str,
    pub bio: &'a str,
    pub pronouns: &'a str,
    /// The display name; when absent it becomes "given family" (when those make a valid one),
    /// else it stays.
    pub name: Option<&'a str>,
}

/// Where a stored photo is served; the digest in the path changes with the picture, so the
/// URL can be cached for ever.
pub fn photo_url(user_id: UserId, photo: &PhotoRef) -> String {
    format!(
        "/photos/{user_id}/{}.{}",
        photo.digest,
        photo::extension_of(&photo.content_type)
    )
}

pub async fn profile(state: &AppState, user_id: UserId) -> Result<StoredProfile, AppError> {
    let mut conn = state.pool.get().await?;
    db::profile_of(&mut conn, user_id)
        .await?
        .ok_or(AppError::Unauthorized)
}

#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn update_profile(
    state: &AppState,
    user: &CurrentUser,
    input: ProfileInput<'_>,
) -> Result<StoredProfile, AppError> {
    let mut errors = FieldErrors::new();
    let profile = match Profile::parse(
        input.given_name,
        input.family_name,
        input.affiliation,
        input.bio,
        input.pronouns,
    ) {
        Ok(profile) => Some(profile),
        Err(problems) => {
            for (field, problem) in problems {
                errors.add(field, problem.to_string());
            }
            None
        }
    };
    let name = match input.name {
        Some(name) => errors.check("name", PersonName::parse(name)),
        None => None,
    };
    errors.into_result()?;
    let profile = profile.ok_or_else(|| AppError::internal("a parsed profile"))?;
    let name = name
        .or_else(|| profile.default_display_name())
        .map_or_else(|| user.name.clone(), |n| n.as_str().to_owned());
    let user_id = user.id;
    let mut conn = state.pool.get().await?;
    let stored = conn
        .transaction::<_, AppError, _>(async |conn| {
            db::set_profile(conn, user_id, &profile, &name).await?;
            db::bump_public_version_of_speaker(conn, user_id).await?;
            db::profile_of(conn, user_id)
                .await?
                .ok_or_else(|| AppError::internal("the profile just saved"))
        })
        .await?;
    tracing::info!("profile changed");
    Ok(stored)
}

/// What the submission form asks for when the profile lacks it: the affiliation and the bio.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeFields {
    pub affiliation: String,
    pub bio: String,
}

impl ProgrammeFields {
    /// Each within its bounds (422 naming `affiliation` or `bio`); empty is allowed: the form
    /// asks, it does not hold a submission back.
    pub fn parse(affiliation: &str, bio: &str, errors: &mut FieldErrors) -> Option<Self> {
        let affiliation = errors.check("affiliation", rules::AFFILIATION.clean(affiliation));
        let bio = errors.check("bio", rules::BIO.clean(bio));
        Some(ProgrammeFields {
            affiliation: affiliation?,
            bio: bio?,
        })
    }
}

/// Saves the affiliation and bio given on the submission form (as typed: the form was
/// prefilled with the profile's), in the caller's transaction.
pub async fn save_programme_fields(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    fields: &ProgrammeFields,
) -> Result<(), AppError> {
    let Some(stored) = db::profile_of(conn, user_id).await? else {
        return Err(AppError::Unauthorized);
    };
    let profile = Profile {
        affiliation: fields.affiliation.clone(),
        bio: fields.bio.clone(),
        ..stored.profile
    };
    db::set_profile(conn, user_id, &profile, &stored.name).await?;
    db::bump_public_version_of_speaker(conn, user_id).await?;
    Ok(())
}

/// Decodes, checks and re-encodes the upload, then stores it as the account's photo.
/// Not a picture, or over the limits: 422 naming `photo`; over `MAX_UPLOAD_BYTES`: 413.
#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn set_photo(
    state: &AppState,
    user_id: UserId,
    upload: Vec<u8>,
) -> Result<StoredProfile, AppError> {
    if upload.len() > photo::MAX_UPLOAD_BYTES {
        return Err(AppError::PayloadTooLarge {
            limit_bytes: photo::MAX_UPLOAD_BYTES,
        });
    }
    let processed: Result<ProcessedPhoto, PhotoError> =
        tokio::task::spawn_blocking(move || photo::process(&upload))
            .await
            .map_err(|e| AppError::internal(format!("the photo's decoding stopped: {e}")))?;
    let processed = processed.map_err(|e| {
        tracing::info!(error = %e, "photo refused");
        AppError::Validation(FieldErrors::single("photo", e.to_string()))
    })?;
    let row = db::Photo {
        user_id,
        content_type: processed.content_type.to_owned(),
        bytes: processed.bytes,
        width: i32::try_from(processed.width).unwrap_or(i32::MAX),
        height: i32::try_from(processed.height).unwrap_or(i32::MAX),
        digest: processed.digest,
        updated_at: Utc::now(),
    };
    let mut conn = state.pool.get().await?;
    let stored = conn
        .transaction::<_, AppError, _>(async |conn| {
            db::put_photo(conn, &row).await?;
            db::bump_public_version_of_speaker(conn, user_id).await?;
            db::profile_of(conn, user_id)
                .await?
                .ok_or_else(|| AppError::internal("the profile of the photo just saved"))
        })
        .await?;
    tracing::info!(photo.digest = %row.digest, "photo changed");
    Ok(stored)
}

/// Removes the account's photo; false when it had none.
#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn remove_photo(state: &AppState, user_id: UserId) -> Result<bool, AppError> {
    let mut conn = state.pool.get().await?;
    let removed = conn
        .transaction::<_, AppError, _>(async |conn| {
            let removed = db::delete_photo(conn, user_id).await?;
            if removed {
                db::bump_public_version_of_speaker(conn, user_id).await?;
            }
            Ok(removed)
        })
        .await?;
    tracing::info!(removed, "photo removed");
    Ok(removed)
}
