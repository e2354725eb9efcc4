//! The chairs' own questions on the submission form ("Is this a talk or a discussion?"), and the
//! speakers' answers checked against them.
//!
//! A question has a kind, which says what its answer is: `text` (one line, at most 300
//! characters), `long_text` (at most 5000), `choice` (one of its options), `multiple_choice`
//! (some of its options, none twice), `boolean`, `number` (any JSON number) or `url` (http or
//! https). A question limited to some formats applies to proposals of those formats only; an
//! answer to a question that does not apply to the proposal's format is dropped (not stored,
//! not refused: a speaker who changes the format should not have to empty a hidden field).
//!
//! Answers are stored as given; changing a question never rewrites them. An answer is checked
//! when it is sent, against the question of the moment; an old answer that no longer fits stays
//! as it was until the speaker sends it again.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::text::TextRule;
use crate::error::{AppError, FieldErrors};

/// At most this many questions per event.
pub const MAX_QUESTIONS: usize = 20;
/// At most this many options per choice question.
pub const MAX_OPTIONS: usize = 20;

const TEXT_ANSWER: TextRule = TextRule::line(0, 300);
const LONG_TEXT_ANSWER: TextRule = TextRule::lines(0, 5000);
const LABEL: TextRule = TextRule::line(1, 200);
const HELP: TextRule = TextRule::lines(0, 1000);
const OPTION: TextRule = TextRule::line(1, 100);
const URL_MAX: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    LongText,
    Choice,
    MultipleChoice,
    Boolean,
    Number,
    Url,
}

impl QuestionKind {
    pub fn has_options(self) -> bool {
        matches!(self, QuestionKind::Choice | QuestionKind::MultipleChoice)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::LongText => "long_text",
            QuestionKind::Choice => "choice",
            QuestionKind::MultipleChoice => "multiple_choice",
            QuestionKind::Boolean => "boolean",
            QuestionKind::Number => "number",
            QuestionKind::Url => "url",
        }
    }
}

/// One question of an event's submission form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Question {
    /// Names the question in a proposal's `answers: {key: value}`: a lowercase letter, then
    /// lowercase letters, digits or `_`.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$", min_length = 1, max_length = 40)]
    pub key: String,
    #[schema(schema_with = label_schema)]
    pub label: String,
    #[serde(default)]
    #[schema(schema_with = help_schema)]
    pub help: String,
    pub kind: QuestionKind,
    #[serde(default)]
    #[schema(schema_with = options_schema)]
    pub options: Vec<String>,
    /// A submitted proposal must answer it (a draft may leave it empty).
    #[serde(default)]
    pub required: bool,
    /// Reviewers (blind or not) see the answers; otherwise only the speakers and the chairs.
    #[serde(default)]
    pub visible_to_reviewers: bool,
    /// Only proposals of these formats (keys of the event's formats) are asked it; null: all.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 20)]
    pub formats: Option<Vec<String>>,
    /// Order on the form, smallest first.
    #[serde(default, deserialize_with = "crate::domain::whole_number::required")]
    #[schema(minimum = 0, maximum = 1000)]
    pub position: i32,
}

// `schema_with` leaves out a field's doc comment: the fields' meaning is written here.
fn label_schema() -> utoipa::openapi::schema::ObjectBuilder {
    super::schema::text(LABEL, false, "the question as the form asks it")
}

fn help_schema() -> utoipa::openapi::schema::ObjectBuilder {
    super::schema::text(HELP, false, "a hint shown under the question")
}

fn options_schema() -> utoipa::openapi::schema::ArrayBuilder {
    use utoipa::openapi::schema::{ArrayBuilder, ArrayItems};
    let option = super::schema::text(OPTION, false, "one choice");
    ArrayBuilder::new()
        .items(ArrayItems::RefOrSchema(Box::new(option.into())))
        .max_items(Some(MAX_OPTIONS))
        .unique_items(true)
        .description(Some(
            "the choices of a `choice` or `multiple_choice` question (2 to 20, none twice once \
             trimmed); empty for every other kind",
        ))
}

impl Question {
    /// Whether a proposal of this format is asked it (an unknown format: a draft's, all are).
    pub fn applies_to(&self, format: Option<&str>) -> bool {
        match (&self.formats, format) {
            (Some(formats), Some(format)) if !format.is_empty() => {
                formats.iter().any(|f| f == format)
            }
            _ => true,
        }
    }
}

fn key_ok(key: &str) -> bool {
    let bytes = key.as_bytes();
    (1..=40).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// Reads a stored list (an event's `questions` or `retired_questions`), by position.
pub fn questions_from(value: &Value) -> Vec<Question> {
    let mut list: Vec<Question> = serde_json::from_value(value.clone()).unwrap_or_default();
    list.sort_by(|a, b| a.position.cmp(&b.position).then(a.key.cmp(&b.key)));
    list
}

/// Checks a list of questions against the event's format keys. Errors name
/// `questions[i].field` (422); a repeated key is a 409 naming the later one.
pub fn parse_questions(
    mut list: Vec<Question>,
    format_keys: &[String],
) -> Result<Vec<Question>, AppError> {
    let mut errors = FieldErrors::new();
    if list.len() > MAX_QUESTIONS {
        errors.add("questions", format!("at most {MAX_QUESTIONS} questions"));
    }
    let mut seen = HashSet::new();
    let mut duplicates = FieldErrors::new();
    for (i, q) in list.iter_mut().enumerate() {
        let field = |name: &str| format!("questions[{i}].{name}");
        q.key = q.key.trim().to_owned();
        if !key_ok(&q.key) {
            errors.add(
                &field("key"),
                "must be 1–40 lowercase letters, digits or _, starting with a letter",
            );
        } else if !seen.insert(q.key.clone()) {
            duplicates.add(&field("key"), "is used by another question");
        }
        if let Some(label) = errors.check(&field("label"), LABEL.clean(&q.label)) {
            q.label = label;
        }
        if let Some(help) = errors.check(&field("help"), HELP.clean(&q.help)) {
            q.help = help;
        }
        if q.kind.has_options() {
            let mut options = HashSet::new();
            if !(2..=MAX_OPTIONS).contains(&q.options.len()) {
                errors.add(
                    &field("options"),
                    format!("a choice needs 2 to {MAX_OPTIONS} options"),
                );
            }
            for (j, option) in q.options.iter_mut().enumerate() {
                match OPTION.clean(option) {
                    Ok(clean) => {
                        if !options.insert(clean.clone()) {
                            errors.add(&format!("questions[{i}].options[{j}]"), "is listed twice");
                        }
                        *option = clean;
                    }
                    Err(e) => errors.add(&format!("questions[{i}].options[{j}]"), e.to_string()),
                }
            }
        } else if !q.options.is_empty() {
            errors.add(
                &field("options"),
                "only a choice or multiple_choice question has options",
            );
        }
        if let Some(formats) = &q.formats {
            if formats.is_empty() || formats.len() > 20 {
                errors.add(
                    &field("formats"),
                    "list 1 to 20 of the event's formats, or null for all",
                );
            }
            for (j, f) in formats.iter().enumerate() {
                if !format_keys.iter().any(|k| k == f) {
                    errors.add(
                        &format!("questions[{i}].formats[{j}]"),
                        format!("must be one of: {}", format_keys.join(", ")),
                    );
                }
            }
        }
        if !(0..=1000).contains(&q.position) {
            errors.add(&field("position"), "must be from 0 to 1000");
        }
    }
    errors.into_result()?;
    if !duplicates.is_empty() {
        return Err(AppError::Conflict {
            message: "two questions share a key".into(),
            errors: duplicates,
        });
    }
    list.sort_by(|a, b| a.position.cmp(&b.position).then(a.key.cmp(&b.key)));
    Ok(list)
}

/// Whether a stored answer counts as an answer (an empty text or list does not).
pub fn is_answered(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

/// Checks one answer against its question; the value to store (None: no answer).
fn check_answer(q: &Question, value: &Value) -> Result<Option<Value>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let text = |rule: TextRule| -> Result<Option<Value>, String> {
        let Value::String(s) = value else {
            return Err("must be a text".into());
        };
        let clean = rule.clean(s).map_err(|e| e.to_string())?;
        Ok((!clean.is_empty()).then_some(Value::String(clean)))
    };
    match q.kind {
        QuestionKind::Text => text(TEXT_ANSWER),
        QuestionKind::LongText => text(LONG_TEXT_ANSWER),
        QuestionKind::Choice => match value {
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) if q.options.iter().any(|o| o == s) => Ok(Some(value.clone())),
            _ => Err(format!("must be one of: {}", q.options.join(", "))),
        },
        QuestionKind::MultipleChoice => {
            let Value::Array(items) = value else {
                return Err("must be a list of options".into());
            };
            let mut seen = HashSet::new();
            for item in items {
                match item {
                    Value::String(s) if q.options.iter().any(|o| o == s) => {
                        if !seen.insert(s.as_str()) {
                            return Err(format!("lists `{s}` twice"));
                        }
                    }
                    _ => return Err(format!("each must be one of: {}", q.options.join(", "))),
                }
            }
            Ok((!items.is_empty()).then(|| value.clone()))
        }
        QuestionKind::Boolean => match value {
            Value::Bool(_) => Ok(Some(value.clone())),
            _ => Err("must be true or false".into()),
        },
        QuestionKind::Number => match value {
            Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(Some(value.clone())),
            _ => Err("must be a number".into()),
        },
        QuestionKind::Url => {
            let Value::String(s) = value else {
                return Err("must be an http:// or https:// link".into());
            };
            let trimmed = s.trim();
            if trimmed.is_empty() {
                return Ok(None);
            }
            if trimmed.chars().count() > URL_MAX {
                return Err(format!("must be at most {URL_MAX} characters"));
            }
            match url::Url::parse(trimmed) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                    Ok(Some(Value::String(url.to_string())))
                }
                _ => Err("must be an http:// or https:// link".into()),
            }
        }
    }
}

/// The answers a proposal keeps after `sent` is applied to `stored`: each sent answer is checked
/// against its question (errors name `answers.<key>`; an unknown key is refused), null or empty
/// clears it, answers not sent stay as they were (those to removed questions too), and answers
/// to questions that do not apply to `format` are dropped from what was sent. With `submitting`,
/// every required question that applies must be answered.
pub fn apply_answers(
    questions: &[Question],
    format: Option<&str>,
    stored: &BTreeMap<String, Value>,
    sent: Option<&BTreeMap<String, Value>>,
    submitting: bool,
) -> Result<BTreeMap<String, Value>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut kept = stored.clone();
    if let Some(sent) = sent {
        for (key, value) in sent {
            let Some(q) = questions.iter().find(|q| &q.key == key) else {
                let shown: String = key.chars().take(40).collect();
                errors.add(
                    &format!("answers.{shown}"),
                    "is not a question of this event",
                );
                continue;
            };
            if !q.applies_to(format) {
                kept.remove(key);
                continue;
            }
            match check_answer(q, value) {
                Ok(Some(value)) => {
                    kept.insert(key.clone(), value);
                }
                Ok(None) => {
                    kept.remove(key);
                }
                Err(message) => errors.add(&format!("answers.{key}"), message),
            }
        }
    }
    if submitting {
        for q in questions
            .iter()
            .filter(|q| q.required && q.applies_to(format))
        {
            if errors.get(&format!("answers.{}", q.key)).is_none()
                && !kept.get(&q.key).is_some_and(is_answered)
            {
                errors.add(&format!("answers.{}", q.key), "is required");
            }
        }
    }
    if errors.is_empty() {
        Ok(kept)
    } else {
        Err(errors)
    }
}

/// The chairs' list filter `answer=<key>:<option>`: a choice or multiple-choice question of
/// the event and one of its options. Returns (key, option).
pub fn parse_answer_filter(text: &str, questions: &[Question]) -> Result<(String, String), String> {
    let choices: Vec<&Question> = questions.iter().filter(|q| q.kind.has_options()).collect();
    let Some((key, option)) = text.split_once(':') else {
        return Err("must be <key>:<option> for a choice question".into());
    };
    let Some(q) = choices.iter().find(|q| q.key == key) else {
        let keys: Vec<&str> = choices.iter().map(|q| q.key.as_str()).collect();
        return Err(format!(
            "names no choice question; these do: {}",
            keys.join(", ")
        ));
    };
    if !q.options.iter().any(|o| o == option) {
        return Err(format!("{key} has these options: {}", q.options.join(", ")));
    }
    Ok((key.to_owned(), option.to_owned()))
}

/// An answer as one line of text (pages and the CSV): options joined with "; ".
pub fn answer_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Array(items) => items.iter().map(answer_text).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(key: &str, kind: QuestionKind) -> Question {
        Question {
            key: key.into(),
            label: key.into(),
            help: String::new(),
            kind,
            options: if kind.has_options() {
                vec!["a".into(), "b".into()]
            } else {
                Vec::new()
            },
            required: false,
            visible_to_reviewers: false,
            formats: None,
            position: 0,
        }
    }

    #[test]
    fn each_kind_takes_its_own_answers() {
        let cases = [
            (QuestionKind::Text, json!("x"), json!("a\nb")),
            (QuestionKind::LongText, json!("a\nb"), json!(3)),
            (QuestionKind::Choice, json!("a"), json!("c")),
            (
                QuestionKind::MultipleChoice,
                json!(["a", "b"]),
                json!(["a", "a"]),
            ),
            (QuestionKind::Boolean, json!(false), json!("yes")),
            (QuestionKind::Number, json!(2.5), json!("2")),
            (
                QuestionKind::Url,
                json!("https://x.org/a"),
                json!("ftp://x.org"),
            ),
        ];
        for (kind, good, bad) in cases {
            let list = [q("k", kind)];
            let sent = |v: &Value| BTreeMap::from([("k".to_owned(), v.clone())]);
            assert!(
                apply_answers(&list, None, &BTreeMap::new(), Some(&sent(&good)), true).is_ok(),
                "{kind:?}"
            );
            assert!(
                apply_answers(&list, None, &BTreeMap::new(), Some(&sent(&bad)), false).is_err(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn keys_are_checked_and_unique() {
        assert!(
            parse_questions(
                vec![q("a", QuestionKind::Text), q("a", QuestionKind::Text)],
                &[]
            )
            .is_err()
        );
        assert!(parse_questions(vec![q("A", QuestionKind::Text)], &[]).is_err());
        assert!(parse_questions(vec![q("a", QuestionKind::Choice)], &[]).is_ok());
    }
}
