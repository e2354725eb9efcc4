//! The review criteria page (chairs): the event's criteria as editable rows, plus empty rows to
//! add some; no JavaScript needed. A row with an empty key and label is dropped.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::db::events::Event;
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedInChair;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::review::{self, Criterion, MAX_CRITERIA};
use crate::state::AppState;

/// Empty rows shown after the existing ones.
const EMPTY_ROWS: usize = 3;

/// One row of the form, as typed.
#[derive(Clone, Default)]
pub struct CriterionRow {
    pub index: usize,
    pub key: String,
    pub label: String,
    pub weight: String,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "review_criteria.html")]
struct CriteriaPage {
    page: PageContext,
    event: Event,
    rows: Vec<CriterionRow>,
    general: Vec<String>,
}

fn rows_of(criteria: &[Criterion]) -> Vec<CriterionRow> {
    let mut rows: Vec<CriterionRow> = criteria
        .iter()
        .enumerate()
        .map(|(index, c)| CriterionRow {
            index,
            key: c.key.clone(),
            label: c.label.clone(),
            weight: c.weight.to_string(),
            errors: Vec::new(),
        })
        .collect();
    pad(&mut rows);
    rows
}

fn pad(rows: &mut Vec<CriterionRow>) {
    let filled = rows.len();
    for index in filled..(filled + EMPTY_ROWS).min(MAX_CRITERIA.max(filled)) {
        rows.push(CriterionRow {
            index,
            weight: "1".into(),
            ..Default::default()
        });
    }
}

fn show(
    page: PageContext,
    event: Event,
    status: StatusCode,
    rows: Vec<CriterionRow>,
    general: Vec<String>,
) -> PageResult {
    render(
        status,
        &CriteriaPage {
            page,
            event,
            rows,
            general,
        },
    )
}

/// `GET /events/{slug}/review-criteria` (chairs).
pub async fn criteria_form(
    page: PageContext,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    let rows = rows_of(&review::criteria_of(&event));
    show(page, event, StatusCode::OK, rows, Vec::new())
}

#[derive(Deserialize)]
pub struct CriteriaForm {
    /// `key_<i>`, `label_<i>`, `weight_<i>` per row.
    #[serde(flatten)]
    fields: BTreeMap<String, String>,
}

/// `POST /events/{slug}/review-criteria` (chairs): replaces the criteria with the filled rows.
pub async fn save_criteria(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<CriteriaForm>,
) -> PageResult {
    let get = |name: String| form.0.fields.get(&name).cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for index in 0..MAX_CRITERIA + EMPTY_ROWS {
        let row = CriterionRow {
            index,
            key: get(format!("key_{index}")).trim().to_owned(),
            label: get(format!("label_{index}")).trim().to_owned(),
            weight: get(format!("weight_{index}")).trim().to_owned(),
            errors: Vec::new(),
        };
        if !(row.key.is_empty() && row.label.is_empty()) {
            rows.push(row);
        }
    }
    let criteria: Vec<Criterion> = rows
        .iter()
        .enumerate()
        .map(|(position, row)| Criterion {
            key: row.key.clone(),
            label: row.label.clone(),
            weight: row.weight.parse().unwrap_or(f64::NAN),
            position: position as i32,
        })
        .collect();
    let slug = event.slug.clone();
    match review::set_criteria(&state, &event, criteria).await {
        Ok(_) => {
            set_flash(&req, "success", "The review criteria are saved.");
            Ok(redirect(&format!("/events/{slug}/review-criteria")))
        }
        Err(AppError::Validation(errors)) => {
            let (rows, general) = with_errors(rows, &errors);
            show(page, event, StatusCode::UNPROCESSABLE_ENTITY, rows, general)
        }
        Err(other) => Err(PageError::App(other)),
    }
}

/// Puts each `criteria[i].field` message on its row (renumbered 0.. for the kept rows).
fn with_errors(
    mut rows: Vec<CriterionRow>,
    errors: &FieldErrors,
) -> (Vec<CriterionRow>, Vec<String>) {
    let (by_row, mut general) = errors.by_row("criteria");
    for (i, messages) in by_row {
        match rows.get_mut(i) {
            Some(row) => row.errors.extend(messages),
            None => general.extend(messages),
        }
    }
    for (i, row) in rows.iter_mut().enumerate() {
        row.index = i;
    }
    pad(&mut rows);
    (rows, general)
}
