//! The submission form's speaker-profile fields: when the speaker's profile lacks an
//! affiliation or a bio (what the programme and Indico need), the form asks for both,
//! prefilled, and submitting saves them to the profile in the submission's transaction.

use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};

use crate::accounts::CurrentUser;
use crate::accounts::profile::ProgrammeFields;
use crate::db::profiles;
use crate::domain::UserId;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// The fields as typed; `profile_asked` is set when the form showed them.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct ProfileFieldsForm {
    #[serde(default)]
    pub affiliation: String,
    #[serde(default)]
    pub bio: String,
    #[serde(default)]
    pub profile_asked: String,
}

impl ProfileFieldsForm {
    /// The fields to save, when the form asked for them (each within its bounds; empty is
    /// allowed, so that a speaker in a hurry is not held back).
    pub fn parse(&self) -> Result<Option<ProgrammeFields>, FieldErrors> {
        if self.profile_asked.is_empty() {
            return Ok(None);
        }
        let mut errors = FieldErrors::new();
        match ProgrammeFields::parse(&self.affiliation, &self.bio, &mut errors) {
            Some(fields) if errors.is_empty() => Ok(Some(fields)),
            _ => Err(errors),
        }
    }
}

/// Whether the form asks for the fields: it did already, or the profile lacks one. A form
/// asking for the first time is prefilled with what the profile has.
pub async fn ask(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    form: &mut ProfileFieldsForm,
) -> Result<bool, AppError> {
    if !form.profile_asked.is_empty() {
        return Ok(true);
    }
    let Some(stored) = profiles::profile_of(conn, user_id).await? else {
        return Ok(false);
    };
    if !stored.profile.lacks_programme_fields() {
        return Ok(false);
    }
    form.affiliation = stored.profile.affiliation;
    form.bio = stored.profile.bio;
    form.profile_asked = "1".into();
    Ok(true)
}

/// A draft submitted from the form: its fields are saved just before the draft's submission.
pub async fn save_before_draft(
    state: &AppState,
    user: &CurrentUser,
    fields: Option<ProgrammeFields>,
) -> Result<(), AppError> {
    let Some(fields) = fields else { return Ok(()) };
    let mut conn = state.pool.get().await?;
    crate::accounts::profile::save_programme_fields(&mut conn, user.id, &fields).await
}
