//! The questions page (chairs): the event's questions on the submission form as editable rows,
//! plus empty rows to add some; no JavaScript needed. A row with an empty key and label, or with
//! its "remove" box ticked, is dropped (its answers stay, readable to the chairs).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::db::events::{Event, Format};
use crate::domain::questions::{MAX_QUESTIONS, Question, QuestionKind};
use crate::error::{AppError, FieldErrors};
use crate::events::questions::set_questions;
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedInChair;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

/// Empty rows shown after the existing ones.
const EMPTY_ROWS: usize = 2;
const KINDS: [(&str, &str); 7] = [
    ("text", "Short text"),
    ("long_text", "Long text"),
    ("choice", "One of the options"),
    ("multiple_choice", "Some of the options"),
    ("boolean", "Yes or no"),
    ("number", "Number"),
    ("url", "Link"),
];

/// One row of the form, as typed.
#[derive(Clone, Default)]
pub struct QuestionRow {
    pub index: usize,
    pub key: String,
    pub label: String,
    pub help: String,
    pub kind: String,
    /// One option per line.
    pub options: String,
    pub required: bool,
    pub visible_to_reviewers: bool,
    /// The format keys ticked (none: every format).
    pub formats: Vec<String>,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "event_questions.html")]
struct QuestionsPage {
    page: PageContext,
    event: Event,
    formats: Vec<Format>,
    kinds: [(&'static str, &'static str); 7],
    rows: Vec<QuestionRow>,
    retired: Vec<Question>,
    general: Vec<String>,
}

fn rows_of(questions: &[Question]) -> Vec<QuestionRow> {
    let mut rows: Vec<QuestionRow> = questions
        .iter()
        .enumerate()
        .map(|(index, q)| QuestionRow {
            index,
            key: q.key.clone(),
            label: q.label.clone(),
            help: q.help.clone(),
            kind: q.kind.as_str().to_owned(),
            options: q.options.join("\n"),
            required: q.required,
            visible_to_reviewers: q.visible_to_reviewers,
            formats: q.formats.clone().unwrap_or_default(),
            errors: Vec::new(),
        })
        .collect();
    pad(&mut rows);
    rows
}

fn pad(rows: &mut Vec<QuestionRow>) {
    let filled = rows.len();
    for index in filled..(filled + EMPTY_ROWS).min(MAX_QUESTIONS.max(filled)) {
        rows.push(QuestionRow {
            index,
            kind: "text".into(),
            ..Default::default()
        });
    }
}

fn show(
    page: PageContext,
    event: Event,
    status: StatusCode,
    rows: Vec<QuestionRow>,
    general: Vec<String>,
) -> PageResult {
    render(
        status,
        &QuestionsPage {
            page,
            formats: event.formats(),
            kinds: KINDS,
            retired: event.retired_questions(),
            event,
            rows,
            general,
        },
    )
}

/// `GET /events/{slug}/questions` (chairs).
pub async fn questions_form(
    page: PageContext,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    let rows = rows_of(&event.questions());
    show(page, event, StatusCode::OK, rows, Vec::new())
}

#[derive(Deserialize)]
pub struct QuestionsForm {
    /// `key_<i>`, `label_<i>`, `help_<i>`, `kind_<i>`, `options_<i>`, `required_<i>`,
    /// `visible_<i>`, `format_<i>_<key>`, `remove_<i>` per row.
    #[serde(flatten)]
    fields: BTreeMap<String, String>,
}

fn kind_of(text: &str) -> Option<QuestionKind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// `POST /events/{slug}/questions` (chairs): replaces the questions with the filled rows.
pub async fn save_questions(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<QuestionsForm>,
) -> PageResult {
    let fields = &form.0.fields;
    let get = |name: String| fields.get(&name).cloned().unwrap_or_default();
    let formats = event.formats();
    let mut rows = Vec::new();
    for index in 0..MAX_QUESTIONS + EMPTY_ROWS {
        let row = QuestionRow {
            index,
            key: get(format!("key_{index}")).trim().to_owned(),
            label: get(format!("label_{index}")).trim().to_owned(),
            help: get(format!("help_{index}")).trim().to_owned(),
            kind: get(format!("kind_{index}")),
            options: get(format!("options_{index}")),
            required: fields.contains_key(&format!("required_{index}")),
            visible_to_reviewers: fields.contains_key(&format!("visible_{index}")),
            formats: formats
                .iter()
                .filter(|f| fields.contains_key(&format!("format_{index}_{}", f.key)))
                .map(|f| f.key.clone())
                .collect(),
            errors: Vec::new(),
        };
        let removed = fields.contains_key(&format!("remove_{index}"));
        let blank = row.key.is_empty() && row.label.is_empty();
        if !(removed || blank) {
            rows.push(row);
        }
    }
    let mut errors = FieldErrors::new();
    let questions: Vec<Question> = rows
        .iter()
        .enumerate()
        .map(|(position, row)| {
            let kind = kind_of(&row.kind).unwrap_or_else(|| {
                errors.add(&format!("questions[{position}].kind"), "choose a kind");
                QuestionKind::Text
            });
            Question {
                key: row.key.clone(),
                label: row.label.clone(),
                help: row.help.clone(),
                kind,
                options: row
                    .options
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                required: row.required,
                visible_to_reviewers: row.visible_to_reviewers,
                formats: (!row.formats.is_empty()).then(|| row.formats.clone()),
                position: position as i32,
            }
        })
        .collect();
    let slug = event.slug.clone();
    let outcome = if errors.is_empty() {
        set_questions(&state, &event, questions).await
    } else {
        Err(AppError::Validation(errors))
    };
    match outcome {
        Ok(_) => {
            set_flash(&req, "success", "The questions are saved.");
            Ok(redirect(&format!("/events/{slug}/questions")))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => {
            let (rows, general) = with_errors(rows, &errors);
            show(page, event, StatusCode::UNPROCESSABLE_ENTITY, rows, general)
        }
        Err(other) => Err(PageError::App(other)),
    }
}

/// Puts each `questions[i].field` message on its row (renumbered 0.. for the kept rows).
fn with_errors(
    mut rows: Vec<QuestionRow>,
    errors: &FieldErrors,
) -> (Vec<QuestionRow>, Vec<String>) {
    let (by_row, mut general) = errors.by_row("questions");
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
