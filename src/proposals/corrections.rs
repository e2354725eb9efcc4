//! The chairs' track corrections: overriding a proposal's track, and the corrections as CSV
//! (labelled examples for retraining the tagger).

use diesel_async::AsyncConnection;
use serde_json::json;

use super::{Viewer, lock_with_event, view};
use crate::accounts::CurrentUser;
use crate::db::events;
use crate::db::proposals as db;
use crate::domain::ProposalId;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// A chair sets (or with `None` removes) the proposal's track. Recorded with who and when, as a
/// revision, and as a labelled example for retraining the tagger.
#[tracing::instrument(skip_all, fields(user.id = %chair.id))]
pub async fn override_track(
    state: &AppState,
    chair: &CurrentUser,
    id: ProposalId,
    track: Option<String>,
    subtopics: Vec<String>,
) -> Result<serde_json::Value, AppError> {
    let mut conn = state.pool.get().await?;
    let chair = chair.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = lock_with_event(conn, id).await?;
        match crate::accounts::policy::proposal_access(conn, &event, &proposal, &chair).await? {
            Some(crate::accounts::policy::ProposalAccess::Chair) => {}
            Some(_) => {
                return Err(AppError::Forbidden(
                    "only this event's chairs may set the track".into(),
                ));
            }
            None => return Err(AppError::NotFound),
        }
        let tracks = events::tracks_of(conn, event.id).await?;
        let mut errors = FieldErrors::new();
        let track = track.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(key) = &track {
            match tracks.iter().find(|t| &t.key == key) {
                None => errors.add(
                    "track",
                    format!(
                        "must be one of: {}",
                        tracks
                            .iter()
                            .map(|t| t.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                Some(found) => {
                    for (i, s) in subtopics.iter().enumerate() {
                        if !found.subtopics.iter().any(|(k, _)| k == s) {
                            errors.add(
                                &format!("subtopics[{i}]"),
                                format!("`{s}` is not a subtopic of {}", found.name),
                            );
                        }
                    }
                }
            }
        } else if !subtopics.is_empty() {
            errors.add("subtopics", "need a track");
        }
        errors.into_result()?;
        let updated =
            db::set_chair_track(conn, &proposal, chair.id, track.as_deref(), &subtopics).await?;
        db::insert_revision(
            conn,
            proposal.id,
            chair.id,
            &json!({"track (chair)": {"before": proposal.chair_track, "after": track}}),
        )
        .await?;
        tracing::info!(proposal.id = %proposal.id, track = ?track, "track set by a chair");
        serde_json::to_value(view(conn, &event, &updated, Viewer::Chair).await?)
            .map_err(AppError::internal)
    })
    .await
}

/// The chairs' corrections as CSV (`label,title,abstract,…`, the tagger corpus's first columns),
/// cells that a spreadsheet would run as formulas defused with a leading quote.
pub fn corrections_csv(rows: &[db::TagCorrection]) -> String {
    use crate::csv::{Cell, CsvWriter};
    let mut csv = CsvWriter::quoting_all_text(&[
        "label",
        "title",
        "abstract",
        "auto_track",
        "auto_confidence",
        "chair",
        "corrected_at",
    ]);
    for row in rows {
        let Some(label) = &row.corrected_track else {
            continue;
        };
        csv.row([
            Cell::Text(label),
            Cell::Text(&row.title),
            Cell::Text(&row.abstract_text),
            Cell::Text(row.auto_track.as_deref().unwrap_or("")),
            Cell::Plain(
                row.auto_confidence
                    .map_or_else(String::new, |c| format!("{c:.3}")),
            ),
            Cell::Text(&row.chair_name),
            Cell::Plain(row.created_at.to_rfc3339()),
        ]);
    }
    csv.finish()
}
