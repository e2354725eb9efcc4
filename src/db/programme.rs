//! The programme's blocks and items (migration 000100): replaced whole, read whole.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{EventId, ProposalId};
use crate::schema::{events, programme_blocks, programme_items, programme_publications};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programme_blocks)]
pub struct Block {
    pub id: uuid::Uuid,
    pub title: String,
    pub room: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programme_items)]
pub struct Item {
    pub block_id: uuid::Uuid,
    pub proposal_id: Option<ProposalId>,
    pub break_title: Option<String>,
    pub minutes: i32,
}

/// A block to write, with its items in order.
pub struct NewBlock {
    pub title: String,
    pub room: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub items: Vec<NewItem>,
}

pub struct NewItem {
    pub proposal_id: Option<ProposalId>,
    pub break_title: Option<String>,
    pub minutes: i32,
}

/// The event's blocks in order, each with its items in order.
pub async fn load(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(Block, Vec<Item>)>> {
    let blocks: Vec<Block> = programme_blocks::table
        .filter(programme_blocks::event_id.eq(event_id))
        .order(programme_blocks::position)
        .select(Block::as_select())
        .load(conn)
        .await?;
    let ids: Vec<uuid::Uuid> = blocks.iter().map(|b| b.id).collect();
    let items: Vec<Item> = programme_items::table
        .filter(programme_items::block_id.eq_any(&ids))
        .order((programme_items::block_id, programme_items::position))
        .select(Item::as_select())
        .load(conn)
        .await?;
    Ok(blocks
        .into_iter()
        .map(|b| {
            let of_block = items
                .iter()
                .filter(|i| i.block_id == b.id)
                .cloned()
                .collect();
            (b, of_block)
        })
        .collect())
}

/// Replaces the event's whole programme; the caller holds the event's row lock.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    blocks: &[NewBlock],
) -> QueryResult<()> {
    diesel::delete(programme_blocks::table.filter(programme_blocks::event_id.eq(event_id)))
        .execute(conn)
        .await?;
    for (position, block) in blocks.iter().enumerate() {
        let block_id = uuid::Uuid::new_v4();
        diesel::insert_into(programme_blocks::table)
            .values((
                programme_blocks::id.eq(block_id),
                programme_blocks::event_id.eq(event_id),
                programme_blocks::position.eq(position as i32),
                programme_blocks::title.eq(&block.title),
                programme_blocks::room.eq(&block.room),
                programme_blocks::starts_at.eq(block.starts_at),
                programme_blocks::ends_at.eq(block.ends_at),
            ))
            .execute(conn)
            .await?;
        let rows: Vec<_> = block
            .items
            .iter()
            .enumerate()
            .map(|(position, item)| {
                (
                    programme_items::id.eq(uuid::Uuid::new_v4()),
                    programme_items::block_id.eq(block_id),
                    programme_items::position.eq(position as i32),
                    programme_items::proposal_id.eq(item.proposal_id),
                    programme_items::break_title.eq(item.break_title.clone()),
                    programme_items::minutes.eq(item.minutes),
                )
            })
            .collect();
        if !rows.is_empty() {
            diesel::insert_into(programme_items::table)
                .values(rows)
                .execute(conn)
                .await?;
        }
    }
    bump_public_version(conn, event_id).await
}

/// Whatever the public sees of the event changed: moves its ETags (migration 000009).
pub async fn bump_public_version(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<()> {
    diesel::update(events::table.find(event_id))
        .set(events::public_version.eq(events::public_version + 1))
        .execute(conn)
        .await
        .map(|_| ())
}

/// When the event's programme was published, if it is.
pub async fn published_at(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Option<DateTime<Utc>>> {
    programme_publications::table
        .find(event_id)
        .select(programme_publications::published_at)
        .first(conn)
        .await
        .optional()
}

/// Publishes (now, unless already published) or unpublishes the programme, moving the ETags.
pub async fn set_published(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    published: bool,
) -> QueryResult<Option<DateTime<Utc>>> {
    if published {
        diesel::insert_into(programme_publications::table)
            .values(programme_publications::event_id.eq(event_id))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    } else {
        diesel::delete(programme_publications::table.find(event_id))
            .execute(conn)
            .await?;
    }
    bump_public_version(conn, event_id).await?;
    published_at(conn, event_id).await
}

/// The promoted talk takes the freed talk's programme item (same block and position) for
/// `minutes`; false when the freed talk was not placed. Moves the ETags when it changes.
pub async fn hand_over_item(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    freed: ProposalId,
    promoted: ProposalId,
    minutes: i32,
) -> QueryResult<bool> {
    let blocks = programme_blocks::table
        .filter(programme_blocks::event_id.eq(event_id))
        .select(programme_blocks::id);
    let changed = diesel::update(
        programme_items::table
            .filter(programme_items::proposal_id.eq(freed))
            .filter(programme_items::block_id.eq_any(blocks)),
    )
    .set((
        programme_items::proposal_id.eq(Some(promoted)),
        programme_items::minutes.eq(minutes),
    ))
    .execute(conn)
    .await?;
    if changed > 0 {
        bump_public_version(conn, event_id).await?;
    }
    Ok(changed > 0)
}

/// The minutes of the talk's programme item, if it is placed.
pub async fn item_minutes(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
) -> QueryResult<Option<i32>> {
    programme_items::table
        .filter(programme_items::proposal_id.eq(proposal_id))
        .select(programme_items::minutes)
        .first(conn)
        .await
        .optional()
}
