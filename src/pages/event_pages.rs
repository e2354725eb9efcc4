//! Event configuration pages: a site admin creates an event, its chairs change its settings.
//! Times are typed in the event's own time zone; formats and tracks are edited as text lines.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use super::SignedInChair;
use super::{CsrfForm, PageContext, PageError, PageResult, SignedIn, redirect, render, set_flash};
use crate::accounts::policy::require_admin;
use crate::db::events::{self, Event, Format};
use crate::error::{AppError, FieldErrors};
use crate::events::{
    self as event_service, CreateEventRequest, EventPatch, SubtopicInput, TrackInput,
};
use crate::state::AppState;

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";

#[derive(Deserialize, Default, Clone)]
pub struct EventForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    cfp_opens_at: String,
    #[serde(default)]
    cfp_closes_at: String,
    /// Present (any value) when the box is ticked.
    blind_review: Option<String>,
    #[serde(default)]
    score_min: String,
    #[serde(default)]
    score_max: String,
    #[serde(default)]
    max_co_speakers: String,
    #[serde(default)]
    max_proposals_per_speaker: String,
    #[serde(default)]
    formats: String,
    #[serde(default)]
    tracks: String,
    /// Empty: not set.
    #[serde(default)]
    review_opens_at: String,
    #[serde(default)]
    review_closes_at: String,
    reviewers_see_all: Option<String>,
    conflict_same_domain: Option<String>,
    #[serde(default)]
    confirm_by: String,
    /// Empty: no budget.
    #[serde(default)]
    slot_minutes: String,
    share_review_comments: Option<String>,
}

#[derive(Template)]
#[template(path = "event_form.html")]
struct EventFormPage {
    page: PageContext,
    /// None: creating a new event.
    event: Option<Event>,
    form: EventForm,
    errors: FieldErrors,
}

type FieldRow = (&'static str, &'static str, &'static str, String);

impl EventFormPage {
    fn text_fields(&self) -> Vec<FieldRow> {
        vec![
            ("title", "Title", "text", self.form.title.clone()),
            (
                "time_zone",
                "Time zone (IANA name, e.g. America/New_York)",
                "text",
                self.form.time_zone.clone(),
            ),
            (
                "cfp_opens_at",
                "The call opens (in the event's time zone: YYYY-MM-DD HH:MM)",
                "text",
                self.form.cfp_opens_at.clone(),
            ),
            (
                "cfp_closes_at",
                "The call closes (in the event's time zone: YYYY-MM-DD HH:MM)",
                "text",
                self.form.cfp_closes_at.clone(),
            ),
        ]
    }
    fn score_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "score_min",
                "Lowest score",
                "number",
                self.form.score_min.clone(),
            ),
            (
                "score_max",
                "Highest score",
                "number",
                self.form.score_max.clone(),
            ),
        ]
    }
    fn review_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "review_opens_at",
                "Reviewing opens (YYYY-MM-DD HH:MM; empty: when a chair opens it)",
                "text",
                self.form.review_opens_at.clone(),
            ),
            (
                "review_closes_at",
                "Reviewing closes (YYYY-MM-DD HH:MM; empty: when a chair closes it)",
                "text",
                self.form.review_closes_at.clone(),
            ),
        ]
    }
    fn decision_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "confirm_by",
                "Accepted speakers confirm by (YYYY-MM-DD HH:MM; empty: no deadline)",
                "text",
                self.form.confirm_by.clone(),
            ),
            (
                "slot_minutes",
                "Minutes in the programme, for the track balance (empty: no budget)",
                "number",
                self.form.slot_minutes.clone(),
            ),
        ]
    }
    fn limit_fields(&self) -> Vec<FieldRow> {
        vec![
            (
                "max_co_speakers",
                "Co-speakers per proposal, at most",
                "number",
                self.form.max_co_speakers.clone(),
            ),
            (
                "max_proposals_per_speaker",
                "Proposals per speaker, at most",
                "number",
                self.form.max_proposals_per_speaker.clone(),
            ),
        ]
    }

    fn messages(&self, field: &str) -> Vec<String> {
        self.errors
            .0
            .iter()
            .filter(|(key, _)| *key == field || key.starts_with(&format!("{field}[")))
            .flat_map(|(key, messages)| {
                messages.iter().map(move |m| {
                    if key == field {
                        m.clone()
                    } else {
                        format!("{key}: {m}")
                    }
                })
            })
            .collect()
    }
}

fn local_text(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format(TIME_FORMAT).to_string(),
        Err(_) => at.format(TIME_FORMAT).to_string(),
    }
}

fn form_of(event: &Event, tracks: &[events::TrackWithSubtopics]) -> EventForm {
    EventForm {
        slug: event.slug.clone(),
        title: event.title.clone(),
        description: event.description.clone(),
        time_zone: event.time_zone.clone(),
        cfp_opens_at: local_text(event.cfp_opens_at, &event.time_zone),
        cfp_closes_at: local_text(event.cfp_closes_at, &event.time_zone),
        blind_review: event.blind_review.then(|| "on".to_owned()),
        score_min: event.score_min.to_string(),
        score_max: event.score_max.to_string(),
        max_co_speakers: event.max_co_speakers.to_string(),
        max_proposals_per_speaker: event.max_proposals_per_speaker.to_string(),
        formats: event
            .formats()
            .iter()
            .map(|f| format!("{} | {} | {}", f.key, f.name, f.minutes))
            .collect::<Vec<_>>()
            .join("\n"),
        tracks: tracks
            .iter()
            .map(|t| {
                let mut lines = vec![format!("{} | {}", t.key, t.name)];
                lines.extend(t.subtopics.iter().map(|(k, n)| format!("  {k} | {n}")));
                lines.join("\n")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        review_opens_at: event
            .review_opens_at
            .map(|at| local_text(at, &event.time_zone))
            .unwrap_or_default(),
        review_closes_at: event
            .review_closes_at
            .map(|at| local_text(at, &event.time_zone))
            .unwrap_or_default(),
        reviewers_see_all: event.reviewers_see_all.then(|| "on".to_owned()),
        conflict_same_domain: event.conflict_same_domain.then(|| "on".to_owned()),
        confirm_by: event
            .confirm_by
            .map(|at| local_text(at, &event.time_zone))
            .unwrap_or_default(),
        share_review_comments: event.share_review_comments.then(|| "on".to_owned()),
        slot_minutes: event
            .slot_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
    }
}

/// An optional instant: empty text clears it.
fn parse_optional_local(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    zone: &str,
) -> Option<Option<DateTime<Utc>>> {
    if text.trim().is_empty() {
        return Some(None);
    }
    errors.check(field, parse_local(text, zone)).map(Some)
}

/// `2026-11-13 09:00` in the named zone → UTC.
fn parse_local(text: &str, zone: &str) -> Result<DateTime<Utc>, String> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), TIME_FORMAT)
        .map_err(|_| format!("`{}` is not a time like 2026-11-13 09:00", text.trim()))?;
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| "needs a valid time zone".to_owned())?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| "does not exist in this time zone (a daylight-saving gap)".to_owned())
}

fn parse_number<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
) -> Option<T> {
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add(field, "must be a whole number");
            None
        }
    }
}

/// `key | name | minutes`, one format a line.
fn parse_formats(errors: &mut FieldErrors, text: &str) -> Vec<Format> {
    let mut formats = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        match parts.as_slice() {
            [key, name, minutes] => match minutes.parse() {
                Ok(minutes) => formats.push(Format {
                    key: (*key).to_owned(),
                    name: (*name).to_owned(),
                    minutes,
                }),
                Err(_) => errors.add(
                    &format!("formats[{i}].minutes"),
                    "must be a whole number of minutes",
                ),
            },
            _ => errors.add(
                &format!("formats[{i}]"),
                "write each format as: key | name | minutes",
            ),
        }
    }
    formats
}

/// `key | name` for a track; indented `key | name` lines below it are its subtopics.
fn parse_tracks(errors: &mut FieldErrors, text: &str) -> Vec<TrackInput> {
    let mut tracks: Vec<TrackInput> = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let Some((key, name)) = line
            .split_once('|')
            .map(|(k, n)| (k.trim().to_owned(), n.trim().to_owned()))
        else {
            errors.add(
                &format!("tracks[{i}]"),
                "write each line as: key | name (indent subtopics)",
            );
            continue;
        };
        match (indented, tracks.last_mut()) {
            (true, Some(track)) => track.subtopics.push(SubtopicInput { key, name }),
            (true, None) => errors.add(
                &format!("tracks[{i}]"),
                "a subtopic needs a track line above it",
            ),
            (false, _) => tracks.push(TrackInput {
                key,
                name,
                description: String::new(),
                subtopics: Vec::new(),
            }),
        }
    }
    tracks
}

async fn show_form(
    page: PageContext,
    event: Option<Event>,
    form: EventForm,
    errors: FieldErrors,
) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &EventFormPage {
            page,
            event,
            form,
            errors,
        },
    )
}

pub async fn new_form(page: PageContext, user: SignedIn) -> PageResult {
    require_admin(&user.0)?;
    let form = EventForm {
        time_zone: "UTC".into(),
        score_min: "1".into(),
        score_max: "5".into(),
        ..Default::default()
    };
    show_form(page, None, form, FieldErrors::new()).await
}

pub async fn create(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<EventForm>,
) -> PageResult {
    require_admin(&user.0)?;
    let form = form.0;
    let mut errors = FieldErrors::new();
    let opens = errors.check(
        "cfp_opens_at",
        parse_local(&form.cfp_opens_at, &form.time_zone),
    );
    let closes = errors.check(
        "cfp_closes_at",
        parse_local(&form.cfp_closes_at, &form.time_zone),
    );
    let score_min = parse_number(&mut errors, "score_min", &form.score_min);
    let score_max = parse_number(&mut errors, "score_max", &form.score_max);
    let (Some(opens), Some(closes)) = (opens, closes) else {
        return show_form(page, None, form, errors).await;
    };
    let request = CreateEventRequest {
        slug: form.slug.clone(),
        title: form.title.clone(),
        description: form.description.clone(),
        time_zone: form.time_zone.clone(),
        cfp_opens_at: opens,
        cfp_closes_at: closes,
        blind_review: form.blind_review.is_some(),
        score_min,
        score_max,
    };
    if !errors.is_empty() {
        return show_form(page, None, form, errors).await;
    }
    match event_service::create(&state, &user.0, request).await {
        Ok(event) => {
            set_flash(
                &req,
                "success",
                "The event is created. Appoint its chairs and open the call.",
            );
            Ok(redirect(&format!("/events/{}/settings", event.slug)))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            show_form(page, None, form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn settings_form(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let form = form_of(&event, &tracks);
    show_form(page, Some(event), form, FieldErrors::new()).await
}

pub async fn save_settings(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<EventForm>,
) -> PageResult {
    let form = form.0;
    let mut errors = FieldErrors::new();
    let zone = if form.time_zone.trim().is_empty() {
        event.time_zone.clone()
    } else {
        form.time_zone.trim().to_owned()
    };
    let patch = EventPatch {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        time_zone: Some(zone.clone()),
        cfp_opens_at: errors.check("cfp_opens_at", parse_local(&form.cfp_opens_at, &zone)),
        cfp_closes_at: errors.check("cfp_closes_at", parse_local(&form.cfp_closes_at, &zone)),
        blind_review: Some(form.blind_review.is_some()),
        score_min: parse_number(&mut errors, "score_min", &form.score_min),
        score_max: parse_number(&mut errors, "score_max", &form.score_max),
        formats: Some(parse_formats(&mut errors, &form.formats)),
        max_co_speakers: parse_number(&mut errors, "max_co_speakers", &form.max_co_speakers),
        max_proposals_per_speaker: parse_number(
            &mut errors,
            "max_proposals_per_speaker",
            &form.max_proposals_per_speaker,
        ),
        tracks: Some(parse_tracks(&mut errors, &form.tracks)),
        review_opens_at: parse_optional_local(
            &mut errors,
            "review_opens_at",
            &form.review_opens_at,
            &zone,
        ),
        review_closes_at: parse_optional_local(
            &mut errors,
            "review_closes_at",
            &form.review_closes_at,
            &zone,
        ),
        review_open: None,
        reviewers_see_all: Some(form.reviewers_see_all.is_some()),
        conflict_same_domain: Some(form.conflict_same_domain.is_some()),
        confirm_by: parse_optional_local(&mut errors, "confirm_by", &form.confirm_by, &zone),
        share_review_comments: Some(form.share_review_comments.is_some()),
        slot_minutes: if form.slot_minutes.trim().is_empty() {
            Some(None)
        } else {
            parse_number(&mut errors, "slot_minutes", &form.slot_minutes).map(Some)
        },
    };
    if !errors.is_empty() {
        return show_form(page, Some(event), form, errors).await;
    }
    match event_service::apply_patch(&state, event.clone(), patch).await {
        Ok(_) => {
            set_flash(&req, "success", "The settings are saved.");
            Ok(redirect(&format!("/events/{}/settings", event.slug)))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            show_form(page, Some(event), form, errors).await
        }
        Err(other) => Err(PageError::App(other)),
    }
}

/// The accept page of a chair or reviewer invitation; signed-out visitors sign in or register first.
pub async fn member_invitation(
    page: PageContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let invitation = events::find_member_invitation(&mut conn, &crate::crypto::hash_token(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(&mut conn, invitation.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(
        StatusCode::OK,
        &super::InvitationPage {
            page,
            offer: format!(
                "You are invited to be a {} of {}.",
                invitation.role, event.title
            ),
            path: format!("/member-invitations/{}", token.into_inner()),
        },
    )
}

pub async fn accept_member_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    token: web::Path<String>,
    _form: CsrfForm<super::EmptyForm>,
) -> PageResult {
    let event = event_service::accept_member_invitation(&state, &user.0, &token).await?;
    set_flash(
        &req,
        "success",
        &format!("Welcome aboard: you are now part of {}.", event.title),
    );
    Ok(redirect(&format!("/events/{}", event.slug)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_formats_and_tracks_parse() {
        let at = parse_local("2026-07-01 12:00", "America/New_York").expect("time");
        assert_eq!(at.to_rfc3339(), "2026-07-01T16:00:00+00:00");
        assert!(
            parse_local("2026-03-08 02:30", "America/New_York").is_err(),
            "DST gap"
        );
        assert!(parse_local("tomorrow", "UTC").is_err());
        let mut errors = FieldErrors::new();
        let formats = parse_formats(
            &mut errors,
            "talk | Talk | 30\n\nbof | Birds of a feather | 60",
        );
        assert_eq!(formats.len(), 2);
        assert!(errors.is_empty());
        parse_formats(&mut errors, "broken line");
        assert!(errors.get("formats[0]").is_some());
        let mut errors = FieldErrors::new();
        let tracks = parse_tracks(
            &mut errors,
            "rust-for-linux | Rust for Linux\n  drivers | Drivers\nrust | Rust",
        );
        assert_eq!(tracks.len(), 2);
        assert_eq!(tracks[0].subtopics.len(), 1);
        assert!(errors.is_empty());
        parse_tracks(&mut errors, "  orphan | Orphan");
        assert!(errors.get("tracks[0]").is_some());
    }
}
