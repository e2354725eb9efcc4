//! Creating and configuring events: shared by the JSON API and the chairs' pages.

pub mod export;
mod invitations;
pub mod questions;

pub use invitations::{accept_member_invitation, cancel_member_invitation};

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::db::events::{self, Event, NewEvent};
use crate::domain::rules::{EVENT_DESCRIPTION, EVENT_TITLE, LABEL};
use crate::domain::{EventId, EventSlug, TimeZoneName, schema};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct CreateEventRequest {
    #[schema(schema_with = schema::slug)]
    pub slug: String,
    #[schema(schema_with = schema::event_title)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = schema::event_description)]
    pub description: String,
    #[schema(schema_with = schema::time_zone_name)]
    pub time_zone: String,
    pub cfp_opens_at: DateTime<Utc>,
    /// After `cfp_opens_at`.
    pub cfp_closes_at: DateTime<Utc>,
    #[serde(default)]
    pub blind_review: bool,
    /// The lowest score (1 when absent); below `score_max`.
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 0, maximum = 10)]
    pub score_min: Option<i16>,
    /// The highest score (5 when absent).
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 1, maximum = 10)]
    pub score_max: Option<i16>,
    /// The event's contact address: the Reply-To of every email the event sends.
    #[serde(default)]
    #[schema(schema_with = schema::email_or_null)]
    pub contact_email: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
pub struct EventPatch {
    #[schema(schema_with = schema::event_title_or_null)]
    pub title: Option<String>,
    #[schema(schema_with = schema::event_description_or_null)]
    pub description: Option<String>,
    #[schema(schema_with = schema::time_zone_or_null)]
    pub time_zone: Option<String>,
    pub cfp_opens_at: Option<DateTime<Utc>>,
    /// After `cfp_opens_at` (the one sent, or the event's).
    pub cfp_closes_at: Option<DateTime<Utc>>,
    pub blind_review: Option<bool>,
    /// Below `score_max`; the scale cannot change once reviews exist.
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 0, maximum = 10)]
    pub score_min: Option<i16>,
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 1, maximum = 10)]
    pub score_max: Option<i16>,
    /// The whole list of formats, replacing the current one.
    #[schema(min_items = 1)]
    pub formats: Option<Vec<crate::db::events::Format>>,
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 0, maximum = 20)]
    pub max_co_speakers: Option<i16>,
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 1, maximum = 100)]
    pub max_proposals_per_speaker: Option<i16>,
    /// The whole list of tracks, replacing the current one (keys kept stable where they match);
    /// no key twice, nor a subtopic key twice within a track.
    #[schema(min_items = 1)]
    pub tracks: Option<Vec<TrackInput>>,
    /// When reviewing opens; null: not yet.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub review_opens_at: Option<Option<DateTime<Utc>>>,
    /// When reviewing closes, after it opens; null: when a chair closes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub review_closes_at: Option<Option<DateTime<Utc>>>,
    /// `true` opens reviewing now (until closed), `false` closes it now.
    pub review_open: Option<bool>,
    /// Reviewers may review any proposal they are not conflicted with, not only assigned ones.
    pub reviewers_see_all: Option<bool>,
    /// A reviewer sharing a speaker's email domain (public mail providers excepted) is conflicted.
    pub conflict_same_domain: Option<bool>,
    /// Accepted speakers confirm by then; null: no deadline.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub confirm_by: Option<Option<DateTime<Utc>>>,
    /// Decision emails carry the reviewers' comments for the speakers.
    pub share_review_comments: Option<bool>,
    /// The programme's length in minutes (the budget accepted talks fill); null: none.
    #[serde(default, deserialize_with = "crate::domain::whole_number::present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100_000)]
    pub slot_minutes: Option<Option<i32>>,
    /// While reviewing is open, a new proposal is assigned reviewers on submission (balanced
    /// like the automatic run), and they are told in a digest email.
    pub auto_assign: Option<bool>,
    /// How many reviewers assignment on submission gives a proposal.
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 1, maximum = 20)]
    pub reviewers_per_proposal: Option<i16>,
    /// The event's contact address, the Reply-To of every email the event sends; null (or an
    /// empty string) clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::email_or_null)]
    pub contact_email: Option<Option<String>>,
    /// When an accepted talk frees its place (declined, withdrawn, or unconfirmed past
    /// `confirm_by`): `off` (nothing), `suggest` (the chairs are shown the best-ranked fitting
    /// waitlisted talk of the same track, to accept in one click) or `auto` (it is accepted and
    /// released at once).
    #[schema(value_type = Option<String>, pattern = "^(off|suggest|auto)$")]
    pub waitlist_promotion: Option<String>,
    /// Unconfirmed accepted speakers are reminded once, this many days before `confirm_by`;
    /// null: no automatic reminder.
    #[serde(default, deserialize_with = "crate::domain::whole_number::present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 60)]
    pub confirm_reminder_days: Option<Option<i32>>,
}

/// An optional contact address: blank is none, otherwise a valid email address.
pub fn parse_contact_email(
    errors: &mut FieldErrors,
    input: Option<&str>,
) -> Option<Option<String>> {
    match input.map(str::trim) {
        None | Some("") => Some(None),
        Some(text) => errors
            .check("contact_email", crate::domain::EmailAddress::parse(text))
            .map(|email| Some(email.as_str().to_owned())),
    }
}

/// A field that is present, even as null, is `Some(..)`; an absent one is None (via `default`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, ToSchema, Clone)]
pub struct TrackInput {
    #[schema(schema_with = schema::key)]
    pub key: String,
    #[schema(schema_with = schema::label)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub subtopics: Vec<SubtopicInput>,
}

#[derive(Deserialize, ToSchema, Clone)]
pub struct SubtopicInput {
    #[schema(schema_with = schema::key)]
    pub key: String,
    pub name: String,
}

fn check_key(errors: &mut FieldErrors, field: &str, key: &str) {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !key.starts_with('-');
    if !ok {
        errors.add(field, "must be 1–64 characters of a–z, 0–9 and '-'");
    }
}

/// Creates an event with the default tracks (the caller has checked the creator is an admin).
#[tracing::instrument(skip_all)]
pub async fn create(
    state: &AppState,
    admin: &CurrentUser,
    body: CreateEventRequest,
) -> AppResult<Event> {
    let mut errors = FieldErrors::new();
    let slug = errors.check("slug", EventSlug::parse(&body.slug));
    let title = errors.check("title", EVENT_TITLE.clean(&body.title));
    let description = errors.check("description", EVENT_DESCRIPTION.clean(&body.description));
    let time_zone = errors.check("time_zone", TimeZoneName::parse(&body.time_zone));
    let contact_email = parse_contact_email(&mut errors, body.contact_email.as_deref()).flatten();
    if body.cfp_closes_at <= body.cfp_opens_at {
        errors.add("cfp_closes_at", "must be after cfp_opens_at");
    }
    let score_min = body.score_min.unwrap_or(1);
    let score_max = body.score_max.unwrap_or(5);
    if !(0..=10).contains(&score_min) || !(1..=10).contains(&score_max) || score_min >= score_max {
        errors.add(
            "score_max",
            "the score scale must satisfy 0 ≤ score_min < score_max ≤ 10",
        );
    }
    errors.clone().into_result()?;
    let (Some(slug), Some(title), Some(description), Some(time_zone)) =
        (slug, title, description, time_zone)
    else {
        return Err(AppError::Validation(errors));
    };
    let mut conn = state.pool.get().await?;
    if events::find_by_slug(&mut conn, slug.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "slug",
            "an event with this slug already exists",
        ));
    }
    let event = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let event = events::insert_event(
                conn,
                NewEvent {
                    id: EventId::new(),
                    slug: slug.as_str(),
                    title: &title,
                    description: &description,
                    time_zone: time_zone.name(),
                    cfp_opens_at: body.cfp_opens_at,
                    cfp_closes_at: body.cfp_closes_at,
                    blind_review: body.blind_review,
                    score_min,
                    score_max,
                    created_by: Some(admin.id),
                },
            )
            .await?;
            if contact_email.is_none() {
                return Ok(event);
            }
            let changes = events::EventChanges {
                contact_email: Some(contact_email.as_deref()),
                ..Default::default()
            };
            Ok(events::update_event(conn, event.id, &changes).await?)
        })
        .await
        .map_err(|e| match e {
            // two admins creating the same slug at once: the loser gets the same 409 as above
            AppError::Conflict { .. } => {
                AppError::conflict("slug", "an event with this slug already exists")
            }
            other => other,
        })?;
    tracing::info!(event.slug = %event.slug, "event created");
    Ok(event)
}

/// Validates and applies a chair's change to the event (and its tracks), in one transaction.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn apply_patch(state: &AppState, event: Event, patch: EventPatch) -> AppResult<Event> {
    let mut conn = state.pool.get().await?;

    let mut errors = FieldErrors::new();
    let title = patch
        .title
        .as_deref()
        .and_then(|t| errors.check("title", EVENT_TITLE.clean(t)));
    let description = patch
        .description
        .as_deref()
        .and_then(|d| errors.check("description", EVENT_DESCRIPTION.clean(d)));
    let time_zone = patch
        .time_zone
        .as_deref()
        .and_then(|z| errors.check("time_zone", TimeZoneName::parse(z)));
    let contact_email = match &patch.contact_email {
        None => None,
        Some(value) => parse_contact_email(&mut errors, value.as_deref()),
    };
    let opens = patch.cfp_opens_at.unwrap_or(event.cfp_opens_at);
    let closes = patch.cfp_closes_at.unwrap_or(event.cfp_closes_at);
    if closes <= opens {
        errors.add("cfp_closes_at", "must be after cfp_opens_at");
    }
    let score_min = patch.score_min.unwrap_or(event.score_min);
    let score_max = patch.score_max.unwrap_or(event.score_max);
    if !(0..=10).contains(&score_min) || !(1..=10).contains(&score_max) || score_min >= score_max {
        errors.add(
            "score_max",
            "the score scale must satisfy 0 ≤ score_min < score_max ≤ 10",
        );
    }
    let scale_changes = score_min != event.score_min || score_max != event.score_max;
    let now = Utc::now();
    let (mut review_opens, mut review_closes) = (
        patch.review_opens_at.unwrap_or(event.review_opens_at),
        patch.review_closes_at.unwrap_or(event.review_closes_at),
    );
    match patch.review_open {
        Some(true) if !event.review_open_at(now) => {
            review_opens = Some(now);
            review_closes = None;
        }
        Some(false) if event.review_open_at(now) => review_closes = Some(now),
        _ => {}
    }
    if let (Some(opens), Some(closes)) = (review_opens, review_closes)
        && closes <= opens
    {
        errors.add("review_closes_at", "must be after review_opens_at");
    }
    if let Some(formats) = &patch.formats {
        if formats.is_empty() {
            errors.add("formats", "at least one format");
        }
        for (i, f) in formats.iter().enumerate() {
            check_key(&mut errors, &format!("formats[{i}].key"), &f.key);
            if formats[..i].iter().any(|other| other.key == f.key) {
                errors.add(&format!("formats[{i}].key"), "is listed twice");
            }
            if !(1..=480).contains(&f.minutes) {
                errors.add(&format!("formats[{i}].minutes"), "must be from 1 to 480");
            }
            if LABEL.clean(&f.name).is_err() {
                errors.add(&format!("formats[{i}].name"), "must be 1–100 characters");
            }
        }
    }
    if patch
        .slot_minutes
        .flatten()
        .is_some_and(|n| !(1..=100_000).contains(&n))
    {
        errors.add("slot_minutes", "must be from 1 to 100000 minutes");
    }
    if patch
        .reviewers_per_proposal
        .is_some_and(|n| !(1..=20).contains(&n))
    {
        errors.add("reviewers_per_proposal", "must be from 1 to 20");
    }
    if patch
        .max_co_speakers
        .is_some_and(|n| !(0..=20).contains(&n))
    {
        errors.add("max_co_speakers", "must be from 0 to 20");
    }
    if patch
        .max_proposals_per_speaker
        .is_some_and(|n| !(1..=100).contains(&n))
    {
        errors.add("max_proposals_per_speaker", "must be from 1 to 100");
    }
    if let Some(tracks) = &patch.tracks {
        if tracks.is_empty() {
            errors.add("tracks", "at least one track");
        }
        let mut keys = std::collections::HashSet::new();
        for (i, t) in tracks.iter().enumerate() {
            check_key(&mut errors, &format!("tracks[{i}].key"), &t.key);
            if !keys.insert(t.key.clone()) {
                errors.add(&format!("tracks[{i}].key"), "is listed twice");
            }
            if LABEL.clean(&t.name).is_err() {
                errors.add(&format!("tracks[{i}].name"), "must be 1–100 characters");
            }
            let mut sub_keys = std::collections::HashSet::new();
            for (j, s) in t.subtopics.iter().enumerate() {
                check_key(
                    &mut errors,
                    &format!("tracks[{i}].subtopics[{j}].key"),
                    &s.key,
                );
                if !sub_keys.insert(s.key.clone()) {
                    errors.add(
                        &format!("tracks[{i}].subtopics[{j}].key"),
                        "is listed twice",
                    );
                }
            }
        }
    }
    if let Some(mode) = &patch.waitlist_promotion
        && !crate::decisions::promotion::MODES.contains(&mode.as_str())
    {
        errors.add(
            "waitlist_promotion",
            "must be \"off\", \"suggest\" or \"auto\"",
        );
    }
    if patch
        .confirm_reminder_days
        .flatten()
        .is_some_and(|n| !(1..=60).contains(&n))
    {
        errors.add("confirm_reminder_days", "must be from 1 to 60 days");
    }
    errors.into_result()?;
    if scale_changes && crate::db::reviews::count_reviews_of_event(&mut conn, event.id).await? > 0 {
        return Err(AppError::conflict(
            "score_max",
            "the score scale cannot change once reviews exist",
        ));
    }

    let formats_json = match &patch.formats {
        Some(f) => Some(serde_json::to_value(f).map_err(AppError::internal)?),
        None => None,
    };
    let changes = events::EventChanges {
        title: title.as_deref(),
        description: description.as_deref(),
        time_zone: time_zone.map(|z| z.name()),
        cfp_opens_at: patch.cfp_opens_at,
        cfp_closes_at: patch.cfp_closes_at,
        blind_review: patch.blind_review,
        score_min: patch.score_min,
        score_max: patch.score_max,
        formats: formats_json,
        max_co_speakers: patch.max_co_speakers,
        max_proposals_per_speaker: patch.max_proposals_per_speaker,
        review_opens_at: (review_opens != event.review_opens_at).then_some(review_opens),
        review_closes_at: (review_closes != event.review_closes_at).then_some(review_closes),
        reviewers_see_all: patch.reviewers_see_all,
        conflict_same_domain: patch.conflict_same_domain,
        confirm_by: patch.confirm_by,
        share_review_comments: patch.share_review_comments,
        slot_minutes: patch.slot_minutes,
        auto_assign: patch.auto_assign,
        reviewers_per_proposal: patch.reviewers_per_proposal,
        contact_email: contact_email.as_ref().map(|c| c.as_deref()),
        updated_at: Some(now),
    };
    let tracks = patch.tracks.clone();
    let (promotion, reminder_days) = (
        patch.waitlist_promotion.clone(),
        patch.confirm_reminder_days,
    );
    let event = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let event = events::update_event(conn, event.id, &changes).await?;
            crate::db::promotion::save_settings(
                conn,
                event.id,
                promotion.as_deref(),
                reminder_days,
            )
            .await?;
            if let Some(tracks) = tracks {
                let replacement: Vec<events::TrackWithSubtopics> = tracks
                    .into_iter()
                    .map(|t| events::TrackWithSubtopics {
                        key: t.key,
                        name: t.name,
                        description: t.description,
                        subtopics: t.subtopics.into_iter().map(|s| (s.key, s.name)).collect(),
                    })
                    .collect();
                events::replace_tracks(conn, event.id, &replacement).await?;
            }
            Ok(event)
        })
        .await?;
    Ok(event)
}

/// What adding a member did.
#[derive(Debug)]
pub enum MemberOutcome {
    /// The email's account is a member now, with this role.
    Member(crate::db::users::User),
    /// No account has the email: an invitation was emailed; `again` when it renewed the open
    /// one (a fresh link; the one sent before stops working).
    Invited {
        invitation_id: uuid::Uuid,
        again: bool,
    },
}

/// Makes the email's account a member with this role; an email without an account gets an
/// invitation (emailed in the same transaction) instead, and inviting it again renews it.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn set_member(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    email: &crate::domain::EmailAddress,
    role: events::EventRoleKind,
    tracks: Option<Vec<String>>,
) -> AppResult<MemberOutcome> {
    let mut conn = state.pool.get().await?;
    if let Some(user) = crate::db::users::find_by_email(&mut conn, email.normalized()).await? {
        events::upsert_member(&mut conn, event.id, user.id, role, tracks).await?;
        return Ok(MemberOutcome::Member(user));
    }
    drop(conn);
    let (invitation_id, again) =
        invitations::invite(state, chair, event, email, role, tracks).await?;
    Ok(MemberOutcome::Invited {
        invitation_id,
        again,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_schema_admits_exactly_the_keys_check_key_accepts() {
        let pattern = regex::Regex::new(schema::KEY).expect("compiles");
        let alphabet = ['a', 'z', '0', '9', '-', 'A', '_', ' ', 'é'];
        let mut keys = vec![String::new(), "a".repeat(64), "a".repeat(65)];
        // every string of up to four characters over the alphabet
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            frontier = frontier
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            keys.extend(frontier.iter().cloned());
        }
        for key in keys {
            let mut errors = FieldErrors::new();
            check_key(&mut errors, "key", &key);
            assert_eq!(
                pattern.is_match(&key),
                errors.into_result().is_ok(),
                "{key:?}"
            );
        }
    }
}
