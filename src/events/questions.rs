//! The chairs' questions on the submission form (`domain::questions`): the list, replaced as a
//! whole. A question whose key disappears from the list moves to the event's retired questions,
//! with its label, so the answers already given stay readable to the chairs; a key that comes
//! back leaves them. No answer is ever rewritten.

use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::events::{self as events_db, Event};
use crate::domain::questions::{Question, parse_questions};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct QuestionsRequest {
    /// The event's questions, replacing the current list; empty: none.
    #[schema(max_items = 20)]
    pub questions: Vec<Question>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionsView {
    /// Ordered by position.
    pub questions: Vec<Question>,
    /// Questions removed from the form whose answers stay readable to the chairs; chairs only
    /// (absent from the public view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_questions: Option<Vec<Question>>,
}

/// The event's questions as anyone sees them (the submission form needs them).
pub fn public_view(event: &Event) -> QuestionsView {
    QuestionsView {
        questions: event.questions(),
        retired_questions: None,
    }
}

/// The event's questions and retired questions (chairs; the caller checked).
pub fn chairs_view(event: &Event) -> QuestionsView {
    QuestionsView {
        questions: event.questions(),
        retired_questions: Some(event.retired_questions()),
    }
}

/// The retired list after `list` replaces `current`: what disappeared joins it (replacing an
/// older retired question of the same key), what came back leaves it.
fn retire(current: Vec<Question>, retired: Vec<Question>, list: &[Question]) -> Vec<Question> {
    let is_kept = |key: &str| list.iter().any(|q| q.key == key);
    let mut out: Vec<Question> = retired
        .into_iter()
        .filter(|r| !is_kept(&r.key) && !current.iter().any(|c| c.key == r.key))
        .collect();
    out.extend(current.into_iter().filter(|c| !is_kept(&c.key)));
    out
}

/// Replaces the event's questions (chairs; the caller checked). One transaction, with the
/// event's row locked so two saves do not lose a retired question.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn set_questions(
    state: &AppState,
    event: &Event,
    list: Vec<Question>,
) -> AppResult<QuestionsView> {
    let format_keys: Vec<String> = event.formats().into_iter().map(|f| f.key).collect();
    let list = parse_questions(list, &format_keys)?;
    let mut conn = state.pool.get().await?;
    let event_id = event.id;
    let event = conn
        .transaction::<_, AppError, _>(async move |conn| {
            crate::db::reviews::lock_event(conn, event_id).await?;
            let current = events_db::find_by_id(conn, event_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let retired = retire(current.questions(), current.retired_questions(), &list);
            let questions = serde_json::to_value(&list).map_err(AppError::internal)?;
            let retired = serde_json::to_value(&retired).map_err(AppError::internal)?;
            Ok(events_db::set_questions(conn, event_id, &questions, &retired).await?)
        })
        .await?;
    tracing::info!(event.slug = %event.slug, "questions saved");
    Ok(chairs_view(&event))
}
