//! The programme: blocks (title, room, start and end) holding accepted and confirmed talks and
//! breaks in order. Each item starts where the one before it ends: minutes are added to the
//! absolute instant, so a DST change in the event's zone moves the local clock, never a duration.
//! Times are shown in the event's zone's offset (`2026-10-25T02:30:00+01:00`).

// the exports: what they read, and one file per format
pub mod export;
pub mod frab;
pub mod ics;
pub mod indico;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::events::Event;
use crate::db::programme::{self as db, NewBlock, NewItem};
use crate::domain::{ProposalId, ProposalState};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;

pub mod live;
pub mod public;

/// Longest item, in minutes.
pub const MAX_MINUTES: i32 = 600;

/// The whole programme, as chairs write it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    #[schema(max_items = 50)]
    pub blocks: Vec<BlockInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockInput {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    #[schema(max_length = 200)]
    pub room: String,
    /// RFC 3339 with an offset.
    pub starts_at: DateTime<FixedOffset>,
    /// RFC 3339 with an offset; after `starts_at`.
    pub ends_at: DateTime<FixedOffset>,
    #[schema(max_items = 200)]
    pub items: Vec<ItemInput>,
}

/// A talk (`proposal_id`, minutes defaulting to its format's) or a break (`break`, minutes).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ItemInput {
    Talk(TalkInput),
    Break(BreakInput),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TalkInput {
    pub proposal_id: uuid::Uuid,
    /// Defaults to the minutes of the proposal's format.
    #[schema(minimum = 1, maximum = 600)]
    pub minutes: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakInput {
    /// The break's title, e.g. "Coffee".
    #[serde(rename = "break")]
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    #[schema(minimum = 1, maximum = 600)]
    pub minutes: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Talk,
    Break,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeSpeaker {
    pub name: String,
    pub affiliation: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeItem {
    pub kind: ItemKind,
    /// The talk's proposal; null for a break.
    pub proposal_id: Option<uuid::Uuid>,
    /// The talk's title, or the break's.
    pub title: String,
    /// The talk's effective track key; null for a break or an untracked talk.
    pub track: Option<String>,
    /// Submitter, then accepted co-speakers; empty for a break. Never an email.
    pub speakers: Vec<ProgrammeSpeaker>,
    /// RFC 3339 in the event's zone's offset.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// RFC 3339 in the event's zone's offset.
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub minutes: i32,
    /// The item's span as instants, for what compares times (the live view, the exports).
    #[serde(skip)]
    pub span: (DateTime<Utc>, DateTime<Utc>),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeBlock {
    pub title: String,
    pub room: String,
    /// RFC 3339 in the event's zone's offset.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// RFC 3339 in the event's zone's offset.
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub items: Vec<ProgrammeItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Programme {
    /// When the programme was published; null while it is not public (chairs only see it then).
    pub published_at: Option<DateTime<Utc>>,
    pub blocks: Vec<ProgrammeBlock>,
}

impl Programme {
    /// A strong ETag naming this exact content.
    pub fn etag(&self) -> AppResult<(String, String)> {
        let body = serde_json::to_string(self).map_err(AppError::internal)?;
        let digest = Sha256::digest(body.as_bytes());
        let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Ok((format!("\"programme-{tag}\""), body))
    }
}

pub(crate) fn shown(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).fixed_offset().to_rfc3339(),
        Err(_) => at.to_rfc3339(),
    }
}

fn bounded(errors: &mut FieldErrors, field: &str, text: &str, required: bool) {
    if required && text.trim().is_empty() {
        errors.add(field, "must not be empty");
    }
    if text.chars().count() > 200 {
        errors.add(field, "must be at most 200 characters");
    }
}

/// Replaces the event's programme (validated whole first: every error at once), in one
/// transaction holding the event's row; returns it with its computed times.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn replace(
    state: &AppState,
    event: &Event,
    input: ProgrammeInput,
) -> AppResult<Programme> {
    let mut conn = state.pool.get().await?;
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        crate::db::reviews::lock_event(conn, event_id).await?;
        let event = crate::db::events::find_by_id(conn, event_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let formats = event.formats();
        let mut errors = FieldErrors::new();
        let mut placed: Vec<uuid::Uuid> = Vec::new();
        let mut blocks = Vec::new();
        // every talk named, in one query (another event's or an unknown id is absent)
        let named: Vec<ProposalId> = input
            .blocks
            .iter()
            .flat_map(|block| &block.items)
            .filter_map(|item| match item {
                ItemInput::Talk(talk) => Some(ProposalId(talk.proposal_id)),
                ItemInput::Break(_) => None,
            })
            .collect();
        let talks = crate::db::proposals::of_event_by_ids(conn, event_id, &named).await?;
        for (b, block) in input.blocks.iter().enumerate() {
            let at = |f: &str| format!("blocks[{b}].{f}");
            bounded(&mut errors, &at("title"), &block.title, true);
            bounded(&mut errors, &at("room"), &block.room, false);
            let starts_at = block.starts_at.with_timezone(&Utc);
            let ends_at = block.ends_at.with_timezone(&Utc);
            if ends_at <= starts_at {
                errors.add(&at("ends_at"), "must be after starts_at");
            }
            let mut clock = starts_at;
            let mut overflowed = false;
            let mut items = Vec::new();
            for (i, item) in block.items.iter().enumerate() {
                let field = |f: &str| format!("blocks[{b}].items[{i}].{f}");
                let (new, minutes_given) = match item {
                    ItemInput::Break(br) => {
                        bounded(&mut errors, &field("break"), &br.title, true);
                        (
                            NewItem {
                                proposal_id: None,
                                break_title: Some(br.title.clone()),
                                minutes: br.minutes,
                            },
                            Some(br.minutes),
                        )
                    }
                    ItemInput::Talk(talk) => {
                        let proposal = talks.iter().find(|p| p.id.0 == talk.proposal_id);
                        let default = match proposal {
                            None => {
                                errors
                                    .add(&field("proposal_id"), "is not a proposal of this event");
                                None
                            }
                            Some(p) => {
                                if !matches!(
                                    p.state,
                                    ProposalState::Accepted | ProposalState::Confirmed
                                ) {
                                    errors.add(
                                        &field("proposal_id"),
                                        format!(
                                            "is {}, not accepted or confirmed",
                                            p.state.as_str()
                                        ),
                                    );
                                }
                                formats
                                    .iter()
                                    .find(|f| f.key == p.format)
                                    .map(|f| f.minutes)
                            }
                        };
                        if placed.contains(&talk.proposal_id) {
                            errors.add(&field("proposal_id"), "is placed twice");
                        }
                        placed.push(talk.proposal_id);
                        let minutes = talk.minutes.or(default);
                        if minutes.is_none() && default.is_none() {
                            errors
                                .add(&field("minutes"), "is required: the talk's format has none");
                        }
                        (
                            NewItem {
                                proposal_id: Some(ProposalId(talk.proposal_id)),
                                break_title: None,
                                minutes: minutes.unwrap_or(1),
                            },
                            minutes,
                        )
                    }
                };
                if let Some(m) = minutes_given
                    && !(1..=MAX_MINUTES).contains(&m)
                {
                    errors.add(&field("minutes"), "must be between 1 and 600");
                }
                clock += Duration::minutes(i64::from(new.minutes.clamp(1, MAX_MINUTES)));
                if clock > ends_at && !overflowed && ends_at > starts_at {
                    overflowed = true;
                    let name = if new.proposal_id.is_some() {
                        field("proposal_id")
                    } else {
                        field("break")
                    };
                    errors.add(
                        &name,
                        format!(
                            "ends at {}, after the block's end",
                            shown(clock, &event.time_zone)
                        ),
                    );
                }
                items.push(new);
            }
            blocks.push(NewBlock {
                title: block.title.clone(),
                room: block.room.clone(),
                starts_at,
                ends_at,
                items,
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        db::replace(conn, event_id, &blocks).await?;
        tracing::info!(blocks = blocks.len(), "programme replaced");
        view(conn, &event).await
    })
    .await
}

/// The programme of the event with its computed times.
pub async fn view(
    conn: &mut diesel_async::AsyncPgConnection,
    event: &Event,
) -> AppResult<Programme> {
    let published_at = db::published_at(conn, event.id).await?;
    let stored = db::load(conn, event.id).await?;
    let ids: Vec<ProposalId> = stored
        .iter()
        .flat_map(|(_, items)| items.iter().filter_map(|i| i.proposal_id))
        .collect();
    let speakers = crate::db::proposals::speakers_of(conn, &ids).await?;
    let proposals = crate::db::proposals::of_event_by_ids(conn, event.id, &ids).await?;
    let zone = &event.time_zone;
    let blocks = stored
        .into_iter()
        .map(|(block, items)| {
            let mut clock = block.starts_at;
            let items = items
                .into_iter()
                .map(|item| {
                    let starts_at = clock;
                    clock += Duration::minutes(i64::from(item.minutes));
                    let proposal = item
                        .proposal_id
                        .and_then(|id| proposals.iter().find(|p| p.id == id));
                    ProgrammeItem {
                        kind: if item.proposal_id.is_some() {
                            ItemKind::Talk
                        } else {
                            ItemKind::Break
                        },
                        proposal_id: item.proposal_id.map(|id| id.0),
                        title: proposal.map_or_else(
                            || item.break_title.clone().unwrap_or_default(),
                            |p| p.title.clone(),
                        ),
                        track: proposal.and_then(|p| crate::proposals::tags(p).track),
                        speakers: speakers
                            .iter()
                            .filter(|s| Some(s.proposal_id) == item.proposal_id)
                            .map(|s| ProgrammeSpeaker {
                                name: s.name.clone(),
                                affiliation: s.profile.affiliation.clone(),
                            })
                            .collect(),
                        starts_at: shown(starts_at, zone),
                        ends_at: shown(clock, zone),
                        minutes: item.minutes,
                        span: (starts_at, clock),
                    }
                })
                .collect();
            ProgrammeBlock {
                title: block.title,
                room: block.room,
                starts_at: shown(block.starts_at, zone),
                ends_at: shown(block.ends_at, zone),
                items,
            }
        })
        .collect();
    Ok(Programme {
        published_at,
        blocks,
    })
}

/// Publishes the programme (409 while it has no block) or takes it down.
pub async fn set_published(
    state: &AppState,
    event: &Event,
    published: bool,
) -> AppResult<Option<DateTime<Utc>>> {
    let mut conn = state.pool.get().await?;
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        crate::db::reviews::lock_event(conn, event_id).await?;
        if published && db::load(conn, event_id).await?.is_empty() {
            return Err(AppError::Conflict {
                message: "the programme is empty: place blocks before publishing it".into(),
                errors: FieldErrors::new(),
            });
        }
        Ok(db::set_published(conn, event_id, published).await?)
    })
    .await
}
