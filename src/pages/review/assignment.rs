//! Assigning reviewers: a chair picks a proposal's reviewers, or has the service assign every
//! proposal of the event at once.

use std::collections::HashMap;

use actix_web::{HttpRequest, web};
use serde::Deserialize;

use crate::domain::{ProposalId, UserId};
use crate::error::AppError;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::extract::{SignedIn, SignedInChair};
use crate::pages::flash::{flash_or_fail_in, set_flash_in};
use crate::pages::respond::redirect;
use crate::review;
use crate::state::AppState;

/// `POST /proposals/{id}/assignments`: one checkbox per member, named `reviewer_<id>`.
pub async fn set_assignments(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let mut ids = Vec::new();
    for key in form.0.keys() {
        if let Some(raw) = key.strip_prefix("reviewer_") {
            let id = uuid::Uuid::parse_str(raw)
                .map_err(|_| AppError::BadRequest(format!("malformed form: {key}")))?;
            ids.push(UserId(id));
        }
    }
    if ids.len() > 50 {
        return Err(AppError::BadRequest("at most 50 reviewers".into()).into());
    }
    match review::set_assignments(&state, &user.0, *id, ids).await {
        Ok(view) => {
            let names: Vec<&str> = view.reviewers.iter().map(|r| r.name.as_str()).collect();
            let message = if names.is_empty() {
                "The proposal has no assigned reviewers now.".to_owned()
            } else {
                format!("Assigned: {}.", names.join(", "))
            };
            set_flash_in(&req, "assignments", "success", &message);
        }
        Err(e) => flash_or_fail_in(&req, "assignments", e)?,
    }
    Ok(redirect(&format!("/proposals/{}#assignments", *id)))
}

#[derive(Deserialize)]
pub struct AutoAssignForm {
    #[serde(default)]
    reviewers_per_proposal: String,
}

/// `POST /events/{slug}/assignments/auto`.
pub async fn auto_assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<AutoAssignForm>,
) -> PageResult {
    let back = format!("/events/{}/dashboard#assign", event.slug);
    let per_proposal = match form.0.reviewers_per_proposal.trim().parse::<usize>() {
        Ok(k) if (1..=20).contains(&k) => k,
        _ => {
            set_flash_in(
                &req,
                "assign",
                "error",
                "Reviewers per proposal must be a whole number from 1 to 20.",
            );
            return Ok(redirect(&back));
        }
    };
    match review::auto_assign(&state, &user, &event, per_proposal).await {
        Ok(outcome) => {
            let mut message = format!(
                "{} assignment{} made.",
                outcome.assigned,
                if outcome.assigned == 1 { "" } else { "s" }
            );
            if !outcome.short.is_empty() {
                let short: Vec<String> = outcome
                    .short
                    .iter()
                    .map(|s| format!("“{}” ({})", s.title, s.reviewers))
                    .collect();
                message.push_str(&format!(
                    " Too few eligible reviewers for {} proposal{}: {}.",
                    short.len(),
                    if short.len() == 1 { "" } else { "s" },
                    short.join(", ")
                ));
            }
            let kind = if outcome.short.is_empty() {
                "success"
            } else {
                "info"
            };
            set_flash_in(&req, "assign", kind, &message);
        }
        Err(e) => flash_or_fail_in(&req, "assign", e)?,
    }
    Ok(redirect(&back))
}
