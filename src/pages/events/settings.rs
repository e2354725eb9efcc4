//! Creating an event (site admins) and changing its settings (its chairs).

use actix_web::{HttpRequest, web};

use super::fields::{errors_to_rows, parse_local, parse_number, parse_optional_local};
use super::form::{EventForm, form_of, show_form};
use crate::accounts::policy::require_admin;
use crate::db::events;
use crate::error::{AppError, FieldErrors};
use crate::events::{self as event_service, CreateEventRequest, EventPatch};
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::{SignedIn, SignedInChair};
use crate::pages::flash::set_flash;
use crate::pages::respond::redirect;
use crate::state::AppState;

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
        contact_email: Some(form.contact_email.clone()),
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
    let mut form = form_of(&event, &tracks);
    let (promotion, days) = crate::db::promotion::settings_of(&mut conn, event.id).await?;
    form.waitlist_promotion = promotion;
    form.confirm_reminder_days = days.map(|d| d.to_string()).unwrap_or_default();
    show_form(page, Some(event), form, FieldErrors::new()).await
}

pub async fn save_settings(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<EventForm>,
) -> PageResult {
    let form = form.0.with_rows();
    let mut errors = FieldErrors::new();
    let (formats, format_rows) = form.rows.formats(&mut errors);
    let (tracks, track_rows) = form.rows.tracks(&mut errors);
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
        formats: Some(formats),
        max_co_speakers: parse_number(&mut errors, "max_co_speakers", &form.max_co_speakers),
        max_proposals_per_speaker: parse_number(
            &mut errors,
            "max_proposals_per_speaker",
            &form.max_proposals_per_speaker,
        ),
        tracks: Some(tracks),
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
        auto_assign: Some(form.auto_assign.is_some()),
        reviewers_per_proposal: None,
        contact_email: Some(Some(form.contact_email.clone())),
        slot_minutes: if form.slot_minutes.trim().is_empty() {
            Some(None)
        } else {
            parse_number(&mut errors, "slot_minutes", &form.slot_minutes).map(Some)
        },
        // a form without the field (an older page) leaves the setting alone
        waitlist_promotion: Some(form.waitlist_promotion.clone()).filter(|m| !m.is_empty()),
        confirm_reminder_days: if form.confirm_reminder_days.trim().is_empty() {
            Some(None)
        } else {
            parse_number(
                &mut errors,
                "confirm_reminder_days",
                &form.confirm_reminder_days,
            )
            .map(Some)
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
            let errors = errors_to_rows(errors, &format_rows, &track_rows);
            show_form(page, Some(event), form, errors).await
        }
        Err(other) => Err(PageError::App(other)),
    }
}
