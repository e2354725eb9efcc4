//! The programme board (chairs): the unplaced accepted and confirmed talks beside the blocks,
//! each with its items and their computed times, minutes used per block and per track, and
//! the publication. One form edits it all without JavaScript; every button (move, remove,
//! place, add, save) posts the whole form, which is edited and saved through
//! `crate::programme::replace`: one transaction, its 422s shown next to the item they name
//! with what was typed kept. `templates/static/programme-board.js` posts the same form in the
//! background, for keyboard moves without a reload and for drag and drop.

pub mod rows;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use self::rows::{Action, BlockRow, Fields, Talk};
use super::balance::{TrackBalance, track_balance};
use crate::db::events::Event;
use crate::domain::ProposalId;
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedInChair;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::programme;
use crate::state::AppState;

/// Placed minutes of a track against its accepted minutes.
pub struct TrackMinutes {
    pub name: String,
    pub placed: i32,
    pub accepted: i32,
}

#[derive(Template)]
#[template(path = "programme_board.html")]
struct BoardPage {
    page: PageContext,
    event: Event,
    blocks: Vec<BlockRow>,
    /// The accepted and confirmed talks, and any placed one; an item's select offers its own
    /// talk and the unplaced ones (not every talk: that grows with the square of the talks).
    talks: Vec<Talk>,
    /// Indexes into `talks` of the placeable ones not placed.
    unplaced: Vec<usize>,
    balance: TrackBalance,
    tracks: Vec<TrackMinutes>,
    /// When published, in the event's zone.
    published: Option<String>,
    general: Vec<String>,
}

impl BoardPage {
    fn talk(&self, i: &usize) -> Option<&Talk> {
        self.talks.get(*i)
    }
}

fn zone_of(event: &Event) -> chrono_tz::Tz {
    event.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

/// The accepted and confirmed talks of the event, plus the placed ones among `placed` that no
/// longer are; with speakers, track names and their format's minutes; and the event's track
/// names in order. Four queries, five with a talk no longer accepted.
async fn talks_of(
    conn: &mut AsyncPgConnection,
    event: &Event,
    placed: &[ProposalId],
) -> Result<(Vec<Talk>, Vec<String>), PageError> {
    let mut proposals = crate::db::decisions::accepted_of(conn, event.id).await?;
    let missing: Vec<ProposalId> = placed
        .iter()
        .filter(|id| !proposals.iter().any(|p| p.id == **id))
        .copied()
        .collect();
    if !missing.is_empty() {
        proposals.extend(crate::db::proposals::of_event_by_ids(conn, event.id, &missing).await?);
    }
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let speakers = crate::db::proposals::speakers_of(conn, &ids).await?;
    let tracks = crate::db::events::tracks_of(conn, event.id).await?;
    let formats = event.formats();
    let talks = proposals
        .iter()
        .map(|p| {
            let track = crate::proposals::tags(p)
                .track
                .map_or_else(String::new, |key| {
                    tracks
                        .iter()
                        .find(|t| t.key == key)
                        .map_or(key, |t| t.name.clone())
                });
            Talk {
                id: p.id.0,
                title: p.title.clone(),
                speakers: speakers
                    .iter()
                    .filter(|s| s.proposal_id == p.id)
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                track,
                minutes: formats
                    .iter()
                    .find(|f| f.key == p.format)
                    .map(|f| f.minutes),
                state: p.state,
            }
        })
        .collect();
    Ok((talks, tracks.into_iter().map(|t| t.name).collect()))
}

fn placed_ids(blocks: &[BlockRow]) -> Vec<ProposalId> {
    blocks
        .iter()
        .flat_map(|b| &b.items)
        .filter(|i| !i.is_break)
        .filter_map(|i| uuid::Uuid::parse_str(&i.talk).ok().map(ProposalId))
        .collect()
}

/// What the board is drawn from besides the rows.
struct Loaded {
    talks: Vec<Talk>,
    track_names: Vec<String>,
    published_at: Option<DateTime<Utc>>,
}

fn show(
    page: PageContext,
    event: Event,
    status: StatusCode,
    mut blocks: Vec<BlockRow>,
    Loaded {
        talks,
        track_names: names,
        published_at,
    }: Loaded,
    general: Vec<String>,
) -> PageResult {
    let zone = zone_of(&event);
    rows::decorate(&mut blocks, &talks, &zone);
    let placed: Vec<&str> = blocks
        .iter()
        .flat_map(|b| &b.items)
        .filter(|i| !i.is_break)
        .map(|i| i.talk.as_str())
        .collect();
    let unplaced = talks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.placeable() && !placed.contains(&t.id.to_string().as_str()))
        .map(|(i, _)| i)
        .collect();
    let track_name = |name: &str| {
        if name.is_empty() {
            "Other".to_owned()
        } else {
            name.to_owned()
        }
    };
    let placed_minutes: Vec<(String, i32)> = blocks
        .iter()
        .flat_map(|b| &b.items)
        .filter(|i| !i.is_break)
        .filter_map(|i| {
            let talk = talks.iter().find(|t| t.id.to_string() == i.talk)?;
            let minutes = i.minutes.parse().ok().or(talk.minutes)?;
            Some((track_name(&talk.track), minutes))
        })
        .collect();
    let mut tracks: Vec<TrackMinutes> = names
        .iter()
        .map(|name| TrackMinutes {
            name: name.clone(),
            placed: 0,
            accepted: 0,
        })
        .collect();
    let mut add =
        |name: String, placed: i32, accepted: i32| match tracks.iter_mut().find(|t| t.name == name)
        {
            Some(t) => {
                t.placed += placed;
                t.accepted += accepted;
            }
            None => tracks.push(TrackMinutes {
                name,
                placed,
                accepted,
            }),
        };
    for talk in talks.iter().filter(|t| t.placeable()) {
        add(track_name(&talk.track), 0, talk.minutes.unwrap_or(0));
    }
    for (name, minutes) in &placed_minutes {
        add(name.clone(), *minutes, 0);
    }
    // the track's share: the programme's minutes when the chairs set them (as on the
    // dashboard), else what the blocks hold
    let available: i32 = blocks.iter().map(|b| b.available).sum();
    let budget = event.slot_minutes.or((available > 0).then_some(available));
    let balance = track_balance(&names, &placed_minutes, budget);
    let published =
        published_at.map(|at| at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string());
    render(
        status,
        &BoardPage {
            page,
            event,
            blocks,
            talks,
            unplaced,
            balance,
            tracks,
            published,
            general,
        },
    )
}

/// `GET /events/{slug}/programme` (chairs).
pub async fn board(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let view = programme::view(&mut conn, &event).await?;
    let blocks = rows::from_view(&view);
    let (talks, track_names) = talks_of(&mut conn, &event, &placed_ids(&blocks)).await?;
    let loaded = Loaded {
        talks,
        track_names,
        published_at: view.published_at,
    };
    show(page, event, StatusCode::OK, blocks, loaded, Vec::new())
}

#[derive(Deserialize)]
pub struct BoardForm {
    /// `block_<b>_{title,room,starts,ends}`, `new_{title,room,starts,ends}`,
    /// `item_<n>_{kind,talk,break,minutes,block,position}`, `place_<proposal id>` (a block
    /// index) and `action` (the button: `save`, `up:<n>`, `down:<n>`, `remove:<n>`,
    /// `place:<proposal id>`, `add_break:<b>`, `remove_block:<b>`, `add_block`).
    #[serde(flatten)]
    fields: Fields,
}

/// `POST /events/{slug}/programme` (chairs): applies the button's edit to the posted programme
/// and saves it whole.
pub async fn save_board(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<BoardForm>,
) -> PageResult {
    let fields = &form.0.fields;
    let action = Action::parse(fields.get("action").map_or("save", String::as_str));
    let mut blocks = rows::from_form(fields);
    let mut wanted = placed_ids(&blocks);
    if let Action::Place(id) = action {
        wanted.push(ProposalId(id));
    }
    let mut conn = state.pool.get().await?;
    let (talks, track_names) = talks_of(&mut conn, &event, &wanted).await?;
    let said = rows::apply(&mut blocks, &action, fields, &talks);
    let (input, mut errors) = rows::to_input(&blocks, &zone_of(&event));
    let blank = |f: &str| {
        fields
            .get(&format!("new_{f}"))
            .is_none_or(|v| v.trim().is_empty())
    };
    if action == Action::AddBlock && blank("title") && blank("starts") && blank("ends") {
        errors.add(
            "new_block",
            "To add a block, fill in its title, start and end.",
        );
    }
    let outcome = if errors.is_empty() {
        programme::replace(&state, &event, input).await
    } else {
        Err(AppError::Validation(errors))
    };
    match outcome {
        Ok(_) => {
            set_flash(&req, "success", &said);
            Ok(redirect(&format!("/events/{}/programme", event.slug)))
        }
        Err(AppError::Validation(errors)) => {
            let general = rows::place_errors(&mut blocks, &errors);
            let general = if general.is_empty() {
                vec!["Not saved: see the errors below.".to_owned()]
            } else {
                general
            };
            let loaded = Loaded {
                talks,
                track_names,
                published_at: crate::db::programme::published_at(&mut conn, event.id).await?,
            };
            show(
                page,
                event,
                StatusCode::UNPROCESSABLE_ENTITY,
                blocks,
                loaded,
                general,
            )
        }
        Err(other) => Err(PageError::App(other)),
    }
}

#[derive(Deserialize)]
pub struct PublishForm {
    /// `1` publishes, anything else takes the programme down.
    publish: String,
}

/// `POST /events/{slug}/programme/publish` (chairs).
pub async fn publish_board(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<PublishForm>,
) -> PageResult {
    let publish = form.0.publish == "1";
    match programme::set_published(&state, &event, publish).await {
        Ok(_) if publish => set_flash(&req, "success", "The programme is published."),
        Ok(_) => set_flash(&req, "success", "The programme is no longer public."),
        Err(AppError::Conflict { message, .. }) => set_flash(&req, "error", &message),
        Err(other) => return Err(PageError::App(other)),
    }
    Ok(redirect(&format!("/events/{}/programme", event.slug)))
}

/// `/events/{slug}/programme` and its publication.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/programme", web::get().to(board))
        .route("/events/{slug}/programme", web::post().to(save_board))
        .route(
            "/events/{slug}/programme/publish",
            web::post().to(publish_board),
        );
}
