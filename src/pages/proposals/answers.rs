//! The event's questions on the proposal form, and answers on the proposal page.
//!
//! On the form each question is one field named `answer_<key>` (a multiple choice: one box per
//! option, `answer_<key>__<i>`); a boolean is a pair of radios (yes, no) so that "not answered"
//! stays possible. Every question is sent, so an emptied field clears its answer; a question
//! limited to other formats is dropped by the service.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::db::events::{Event, Format};
use crate::domain::questions::{Question, QuestionKind, answer_text};
use crate::error::FieldErrors;
use crate::proposals::Viewer;

fn name(key: &str) -> String {
    format!("answer_{key}")
}

fn option_name(key: &str, i: usize) -> String {
    format!("answer_{key}__{i}")
}

/// The answers the form carries, as the API takes them.
pub fn from_form(
    questions: &[Question],
    raw: &BTreeMap<String, String>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for q in questions {
        let typed = raw.get(&name(&q.key)).map(|v| v.trim()).unwrap_or("");
        let value = match q.kind {
            QuestionKind::MultipleChoice => Value::Array(
                q.options
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| raw.contains_key(&option_name(&q.key, *i)))
                    .map(|(_, o)| Value::String(o.clone()))
                    .collect(),
            ),
            _ if typed.is_empty() => Value::Null,
            QuestionKind::Boolean => match typed {
                "yes" => Value::Bool(true),
                "no" => Value::Bool(false),
                other => Value::String(other.to_owned()),
            },
            // a whole number stays whole (25, not 25.0), as the API stores it
            QuestionKind::Number => typed
                .parse::<i64>()
                .ok()
                .map(serde_json::Number::from)
                .or_else(|| {
                    typed
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                })
                .map_or_else(|| Value::String(typed.to_owned()), Value::Number),
            _ => Value::String(typed.to_owned()),
        };
        out.insert(q.key.clone(), value);
    }
    out
}

/// The form's fields for stored answers.
pub fn to_form(
    questions: &[Question],
    answers: &BTreeMap<String, Value>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for q in questions {
        let Some(value) = answers.get(&q.key) else {
            continue;
        };
        match (q.kind, value) {
            (QuestionKind::MultipleChoice, Value::Array(items)) => {
                for (i, option) in q.options.iter().enumerate() {
                    if items.iter().any(|v| v.as_str() == Some(option)) {
                        out.insert(option_name(&q.key, i), "on".into());
                    }
                }
            }
            (QuestionKind::Boolean, Value::Bool(b)) => {
                out.insert(name(&q.key), if *b { "yes" } else { "no" }.into());
            }
            (_, Value::String(s)) => {
                out.insert(name(&q.key), s.clone());
            }
            (_, other) => {
                out.insert(name(&q.key), answer_text(other));
            }
        }
    }
    out
}

/// One option of a choice on the form.
pub struct OptionField {
    pub name: String,
    pub id: String,
    pub label: String,
    pub checked: bool,
}

/// One question as the form shows it.
pub struct QuestionField {
    pub key: String,
    pub name: String,
    pub label: String,
    pub help: String,
    pub kind: &'static str,
    pub required: bool,
    /// "Talk, Discussion" when limited to some formats (empty: all).
    pub only_for: String,
    /// The format keys it applies to, space-separated (for the script); empty: all.
    pub formats: String,
    pub value: String,
    pub options: Vec<OptionField>,
    pub errors: Vec<String>,
}

/// The event's questions as fields, filled from what the form carries, with their errors.
pub fn fields(
    event: &Event,
    raw: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Vec<QuestionField> {
    let formats: Vec<Format> = event.formats();
    event
        .questions()
        .into_iter()
        .map(|q| {
            let value = raw.get(&name(&q.key)).cloned().unwrap_or_default();
            let options = q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| OptionField {
                    name: option_name(&q.key, i),
                    id: format!("answer_{}_{i}", q.key),
                    label: o.clone(),
                    checked: match q.kind {
                        QuestionKind::MultipleChoice => raw.contains_key(&option_name(&q.key, i)),
                        _ => &value == o,
                    },
                })
                .collect();
            let only_for = q
                .formats
                .as_ref()
                .map(|keys| {
                    keys.iter()
                        .map(|k| {
                            formats
                                .iter()
                                .find(|f| &f.key == k)
                                .map_or(k.clone(), |f| f.name.clone())
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            QuestionField {
                name: name(&q.key),
                label: q.label.clone(),
                help: q.help.clone(),
                kind: q.kind.as_str(),
                required: q.required,
                only_for,
                formats: q.formats.as_ref().map(|f| f.join(" ")).unwrap_or_default(),
                value,
                options,
                errors: errors
                    .get(&format!("answers.{}", q.key))
                    .map(<[String]>::to_vec)
                    .unwrap_or_default(),
                key: q.key,
            }
        })
        .collect()
}

/// One answer as the proposal page shows it.
pub struct AnswerShown {
    pub label: String,
    pub text: String,
    /// The question was removed from the form (chairs only see these).
    pub removed: bool,
}

/// The answers this viewer may read (`proposals::answers_for`, the one place that decides),
/// labelled, in the form's order, removed questions' last.
pub fn shown(event: &Event, viewer: Viewer, stored: &Value) -> Vec<AnswerShown> {
    let questions = event.questions();
    let answers = crate::proposals::answers_for(viewer, &questions, stored);
    let mut out = Vec::new();
    for q in &questions {
        if let Some(v) = answers.get(&q.key) {
            out.push(AnswerShown {
                label: q.label.clone(),
                text: answer_text(v),
                removed: false,
            });
        }
    }
    if viewer == Viewer::Chair {
        for q in event.retired_questions() {
            if let Some(v) = answers.get(&q.key) {
                out.push(AnswerShown {
                    label: q.label.clone(),
                    text: answer_text(v),
                    removed: true,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_number_is_whole_when_it_is_and_text_when_it_is_not_a_number() {
        let question: Question = serde_json::from_value(serde_json::json!({
            "key": "minutes", "label": "Minutes", "kind": "number", "position": 0
        }))
        .expect("a question");
        let typed = |text: &str| {
            let raw = BTreeMap::from([("answer_minutes".to_owned(), text.to_owned())]);
            from_form(std::slice::from_ref(&question), &raw)["minutes"].clone()
        };
        assert_eq!(typed("25"), serde_json::json!(25));
        assert_eq!(typed(" 2.5 "), serde_json::json!(2.5));
        assert_eq!(typed("many"), serde_json::json!("many"));
        assert_eq!(typed(""), Value::Null);
    }
}
