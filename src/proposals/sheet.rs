//! The chairs' proposals CSV: one row per proposal of the event (drafts are not proposals yet;
//! withdrawn ones are listed with their state), its speakers with their affiliations, a column
//! per question (current ones, then removed ones, headed by the key) and the ranking's figures
//! (the same `RankingCache` the ranking page reads: calibration computed once, one way).

use std::collections::BTreeMap;

use diesel_async::AsyncPgConnection;

use super::tags::tags;
use crate::csv::{Cell, CsvWriter};
use crate::db::events::Event;
use crate::db::proposals::{self as db, sheet};
use crate::domain::questions::answer_text;
use crate::domain::{ProposalId, UserId};
use crate::error::AppResult;
use crate::review::RankingCache;

fn number(value: Option<f64>) -> Cell<'static> {
    Cell::Plain(value.map(|v| format!("{v:.3}")).unwrap_or_default())
}

/// The CSV (RFC 4180, UTF-8; cells a spreadsheet would run as formulas defused).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn proposals_csv(
    conn: &mut AsyncPgConnection,
    cache: &RankingCache,
    event: &Event,
) -> AppResult<String> {
    let ranked = cache.ranked(conn, event).await?;
    let proposals = sheet::all_of_event(conn, event.id).await?;
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let mut speakers: BTreeMap<ProposalId, Vec<(UserId, String)>> = BTreeMap::new();
    let mut user_ids = Vec::new();
    for chunk in ids.chunks(5_000) {
        for s in db::speakers_of(conn, chunk).await? {
            user_ids.push(s.user_id);
            speakers
                .entry(s.proposal_id)
                .or_default()
                .push((s.user_id, s.name));
        }
    }
    user_ids.sort();
    user_ids.dedup();
    let mut affiliations = std::collections::HashMap::new();
    for chunk in user_ids.chunks(5_000) {
        affiliations.extend(sheet::affiliations_of(conn, chunk).await?);
    }

    let mut questions = event.questions();
    questions.extend(event.retired_questions());
    let mut header = vec![
        "id",
        "title",
        "state",
        "decision",
        "format",
        "track",
        "subtopics",
        "speakers",
    ];
    header.extend(questions.iter().map(|q| q.key.as_str()));
    header.extend(["reviews", "mean", "calibrated"]);
    let mut csv = CsvWriter::new(&header);
    for p in &proposals {
        let names = speakers
            .get(&p.id)
            .map(|list| {
                list.iter()
                    .map(|(id, name)| match affiliations.get(id).map(|a| a.trim()) {
                        Some(a) if !a.is_empty() => format!("{name} ({a})"),
                        _ => name.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        let answers: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(p.answers.clone()).unwrap_or_default();
        let answer_cells: Vec<String> = questions
            .iter()
            .map(|q| answers.get(&q.key).map(answer_text).unwrap_or_default())
            .collect();
        let subtopics = tags(p).subtopics.join("; ");
        let figures = ranked.get(p.id).map(|r| r.aggregate());
        let mut row = vec![
            Cell::Plain(p.id.0.to_string()),
            Cell::Text(&p.title),
            Cell::Plain(p.state.to_string()),
            Cell::Plain(p.decision.map(|d| d.to_string()).unwrap_or_default()),
            Cell::Text(&p.format),
            Cell::Text(p.track().unwrap_or("")),
            Cell::Text(&subtopics),
            Cell::Text(&names),
        ];
        row.extend(answer_cells.iter().map(|a| Cell::Text(a)));
        row.push(Cell::Plain(figures.as_ref().map_or(0, |f| f.n).to_string()));
        row.push(number(figures.as_ref().and_then(|f| f.mean)));
        row.push(number(figures.as_ref().and_then(|f| f.calibrated)));
        csv.row(row);
    }
    Ok(csv.finish())
}
