//! The board's rows: the programme as the form shows it (from the stored view, or as typed), the
//! form read back into rows, the buttons' edits on them, and the rows turned into the
//! `ProgrammeInput` that `crate::programme::replace` validates.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};

use crate::domain::ProposalState;
use crate::error::FieldErrors;
use crate::programme::{BlockInput, BreakInput, ItemInput, Programme, ProgrammeInput, TalkInput};

/// An accepted, confirmed or placed talk of the event, as the board shows it.
pub struct Talk {
    pub id: uuid::Uuid,
    pub title: String,
    pub speakers: String,
    /// The track's name; empty when untracked.
    pub track: String,
    /// The minutes of its format, if it has one.
    pub minutes: Option<i32>,
    pub state: ProposalState,
}

impl Talk {
    pub fn placeable(&self) -> bool {
        matches!(
            self.state,
            ProposalState::Accepted | ProposalState::Confirmed
        )
    }
}

/// One item of a block, as shown or typed.
#[derive(Clone, Default)]
pub struct ItemRow {
    /// The index of its fields (`item_<n>_…`), in document order.
    pub n: usize,
    pub is_break: bool,
    /// The talk's proposal id, as text.
    pub talk: String,
    pub break_title: String,
    pub minutes: String,
    pub title: String,
    pub speakers: String,
    pub track: String,
    /// Computed local times, "09:30"; empty when they cannot be computed.
    pub starts: String,
    pub ends: String,
    /// Why a placed talk cannot stay (declined, withdrawn…).
    pub warning: Option<String>,
    pub errors: Vec<String>,
}

/// One block, as shown or typed.
#[derive(Clone, Default)]
pub struct BlockRow {
    pub index: usize,
    pub title: String,
    pub room: String,
    /// `datetime-local` values in the event's zone.
    pub starts: String,
    pub ends: String,
    pub items: Vec<ItemRow>,
    /// Minutes of its items, and between its start and end (0 when unreadable).
    pub used: i32,
    pub available: i32,
    pub errors: Vec<String>,
}

impl BlockRow {
    pub fn over(&self) -> bool {
        self.available > 0 && self.used > self.available
    }
    pub fn name(&self) -> String {
        if self.title.trim().is_empty() {
            format!("block {}", self.index + 1)
        } else {
            self.title.clone()
        }
    }
}

/// What the pressed button asks for, besides saving.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Save,
    Up(usize),
    Down(usize),
    Remove(usize),
    Place(uuid::Uuid),
    AddBreak(usize),
    AddBlock,
    RemoveBlock(usize),
}

impl Action {
    pub fn parse(text: &str) -> Action {
        let (verb, arg) = text.split_once(':').unwrap_or((text, ""));
        let n = arg.parse::<usize>();
        match (verb, n) {
            ("up", Ok(n)) => Action::Up(n),
            ("down", Ok(n)) => Action::Down(n),
            ("remove", Ok(n)) => Action::Remove(n),
            ("add_break", Ok(b)) => Action::AddBreak(b),
            ("remove_block", Ok(b)) => Action::RemoveBlock(b),
            ("add_block", _) => Action::AddBlock,
            ("place", _) => uuid::Uuid::parse_str(arg).map_or(Action::Save, Action::Place),
            _ => Action::Save,
        }
    }
}

pub type Fields = BTreeMap<String, String>;

/// Blocks read back from a form (the API allows 50; one more for a new one).
const MAX_BLOCKS: usize = 51;

fn local(at: &str) -> String {
    // "2026-06-10T09:00:00+02:00" → "2026-06-10T09:00"
    at.get(..16).unwrap_or(at).to_owned()
}

fn clock(at: &str) -> String {
    at.get(11..16).unwrap_or_default().to_owned()
}

/// The stored programme as rows, with the view's computed times.
pub fn from_view(view: &Programme) -> Vec<BlockRow> {
    let mut n = 0;
    view.blocks
        .iter()
        .enumerate()
        .map(|(index, block)| BlockRow {
            index,
            title: block.title.clone(),
            room: block.room.clone(),
            starts: local(&block.starts_at),
            ends: local(&block.ends_at),
            items: block
                .items
                .iter()
                .map(|item| {
                    n += 1;
                    ItemRow {
                        n: n - 1,
                        is_break: item.proposal_id.is_none(),
                        talk: item
                            .proposal_id
                            .map(|id| id.to_string())
                            .unwrap_or_default(),
                        break_title: if item.proposal_id.is_none() {
                            item.title.clone()
                        } else {
                            String::new()
                        },
                        minutes: item.minutes.to_string(),
                        starts: clock(&item.starts_at),
                        ends: clock(&item.ends_at),
                        ..Default::default()
                    }
                })
                .collect(),
            ..Default::default()
        })
        .collect()
}

/// The rows the form posted, each block's items in the order of their positions.
pub fn from_form(fields: &Fields) -> Vec<BlockRow> {
    let get = |name: String| fields.get(&name).cloned().unwrap_or_default();
    let mut blocks: Vec<BlockRow> = Vec::new();
    for b in 0..=MAX_BLOCKS {
        if !fields.contains_key(&format!("block_{b}_title")) {
            continue;
        }
        blocks.push(BlockRow {
            index: b,
            title: get(format!("block_{b}_title")).trim().to_owned(),
            room: get(format!("block_{b}_room")).trim().to_owned(),
            starts: get(format!("block_{b}_starts")).trim().to_owned(),
            ends: get(format!("block_{b}_ends")).trim().to_owned(),
            ..Default::default()
        });
    }
    // items: (block index as posted, position, n, row)
    let mut items: Vec<(usize, usize, usize, ItemRow)> = fields
        .keys()
        .filter_map(|k| k.strip_prefix("item_")?.strip_suffix("_kind")?.parse().ok())
        .map(|n: usize| {
            let field = |f: &str| get(format!("item_{n}_{f}"));
            let row = ItemRow {
                n,
                is_break: field("kind") == "break",
                talk: field("talk").trim().to_owned(),
                break_title: field("break").trim().to_owned(),
                minutes: field("minutes").trim().to_owned(),
                ..Default::default()
            };
            let block = field("block").parse().unwrap_or(usize::MAX);
            let position = field("position").trim().parse().unwrap_or(usize::MAX);
            (block, position, n, row)
        })
        .collect();
    items.sort_by_key(|(_, position, n, _)| (*position, *n));
    for (block, _, _, row) in items {
        // an item of a block no longer posted goes to the last block (never silently lost)
        match blocks.iter_mut().find(|b| b.index == block) {
            Some(b) => b.items.push(row),
            None => {
                if let Some(last) = blocks.last_mut() {
                    last.items.push(row);
                }
            }
        }
    }
    let new = |f: &str| get(format!("new_{f}")).trim().to_owned();
    let added = BlockRow {
        index: blocks.len(),
        title: new("title"),
        room: new("room"),
        starts: new("starts"),
        ends: new("ends"),
        ..Default::default()
    };
    if !(added.title.is_empty() && added.starts.is_empty() && added.ends.is_empty()) {
        blocks.push(added);
    }
    blocks
}

/// Applies the button's edit; returns what to tell the chair once saved.
pub fn apply(
    blocks: &mut Vec<BlockRow>,
    action: &Action,
    fields: &Fields,
    talks: &[Talk],
) -> String {
    let title_of = |row: &ItemRow| -> String {
        if row.is_break {
            format!("Break “{}”", row.break_title)
        } else {
            let title = talks
                .iter()
                .find(|t| t.id.to_string() == row.talk)
                .map_or("(unknown)", |t| t.title.as_str());
            format!("Talk “{title}”")
        }
    };
    let find = |blocks: &[BlockRow], n: usize| {
        blocks
            .iter()
            .enumerate()
            .find_map(|(b, block)| block.items.iter().position(|i| i.n == n).map(|i| (b, i)))
    };
    match *action {
        Action::Save | Action::AddBlock => "The programme is saved.".into(),
        Action::Up(n) | Action::Down(n) => {
            let Some((b, i)) = find(blocks, n) else {
                return "The programme is saved.".into();
            };
            let block = &mut blocks[b];
            let to = match action {
                Action::Up(_) => i.saturating_sub(1),
                _ => (i + 1).min(block.items.len() - 1),
            };
            block.items.swap(i, to);
            format!(
                "{} moved to position {} of block “{}”.",
                title_of(&block.items[to]),
                to + 1,
                block.name()
            )
        }
        Action::Remove(n) => match find(blocks, n) {
            Some((b, i)) => {
                let row = blocks[b].items.remove(i);
                format!("{} removed from the programme.", title_of(&row))
            }
            None => "The programme is saved.".into(),
        },
        Action::RemoveBlock(b) => {
            if b < blocks.len() {
                let block = blocks.remove(b);
                format!("Block “{}” removed.", block.name())
            } else {
                "The programme is saved.".into()
            }
        }
        Action::AddBreak(b) => match blocks.get_mut(b) {
            Some(block) => {
                block.items.push(ItemRow {
                    n: usize::MAX,
                    is_break: true,
                    break_title: "Break".into(),
                    minutes: "15".into(),
                    ..Default::default()
                });
                format!("A break added to block “{}”.", block.name())
            }
            None => "The programme is saved.".into(),
        },
        Action::Place(id) => {
            let b = fields
                .get(&format!("place_{id}"))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            let row = ItemRow {
                n: usize::MAX,
                talk: id.to_string(),
                ..Default::default()
            };
            let title = title_of(&row);
            match blocks.get_mut(b) {
                Some(block) => {
                    block.items.push(row);
                    format!("{title} placed in block “{}”.", block.name())
                }
                None => "Add a block before placing talks.".into(),
            }
        }
    }
}

/// A `datetime-local` value read in the event's zone (the earlier instant when the clock goes
/// back; an error when the time does not exist there).
pub fn parse_local(text: &str, zone: &chrono_tz::Tz) -> Result<DateTime<FixedOffset>, String> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| "must be a date and time".to_owned())?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|at| at.fixed_offset())
        .ok_or_else(|| format!("does not exist in {zone} (the clocks change then)"))
}

/// The rows as the programme's input; errors named as `replace` names its own.
pub fn to_input(blocks: &[BlockRow], zone: &chrono_tz::Tz) -> (ProgrammeInput, FieldErrors) {
    let mut errors = FieldErrors::new();
    let epoch = DateTime::<Utc>::UNIX_EPOCH.fixed_offset();
    let input = ProgrammeInput {
        blocks: blocks
            .iter()
            .enumerate()
            .map(|(b, block)| {
                let mut at = |field: &str, text: &str| {
                    errors
                        .check(&format!("blocks[{b}].{field}"), parse_local(text, zone))
                        .unwrap_or(epoch)
                };
                let starts_at = at("starts_at", &block.starts);
                let ends_at = at("ends_at", &block.ends);
                let items = block
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let field = |f: &str| format!("blocks[{b}].items[{i}].{f}");
                        let minutes = if item.minutes.is_empty() {
                            None
                        } else {
                            errors.check(
                                &field("minutes"),
                                item.minutes
                                    .parse::<i32>()
                                    .map_err(|_| "must be a whole number"),
                            )
                        };
                        if item.is_break {
                            if item.minutes.is_empty() {
                                errors.add(&field("minutes"), "is required");
                            }
                            ItemInput::Break(BreakInput {
                                title: item.break_title.clone(),
                                minutes: minutes.unwrap_or(1),
                            })
                        } else {
                            let proposal_id = errors
                                .check(
                                    &field("proposal_id"),
                                    uuid::Uuid::parse_str(&item.talk).map_err(|_| "choose a talk"),
                                )
                                .unwrap_or_default();
                            ItemInput::Talk(TalkInput {
                                proposal_id,
                                minutes,
                            })
                        }
                    })
                    .collect();
                BlockInput {
                    title: block.title.clone(),
                    room: block.room.clone(),
                    starts_at,
                    ends_at,
                    items,
                }
            })
            .collect(),
    };
    (input, errors)
}

/// Fills in what the rows show beside their inputs: talk titles, speakers, tracks and
/// warnings, times (where not given by the view), minutes used; renumbers blocks and items.
pub fn decorate(blocks: &mut [BlockRow], talks: &[Talk], zone: &chrono_tz::Tz) {
    let mut n = 0;
    for (index, block) in blocks.iter_mut().enumerate() {
        block.index = index;
        let starts = parse_local(&block.starts, zone).ok();
        let ends = parse_local(&block.ends, zone).ok();
        block.available = match (starts, ends) {
            (Some(s), Some(e)) if e > s => ((e - s).num_minutes()) as i32,
            _ => 0,
        };
        let mut clock = starts.map(|s| s.with_timezone(&Utc));
        block.used = 0;
        for item in &mut block.items {
            item.n = n;
            n += 1;
            let talk = (!item.is_break)
                .then(|| talks.iter().find(|t| t.id.to_string() == item.talk))
                .flatten();
            let minutes = item
                .minutes
                .parse::<i32>()
                .ok()
                .or_else(|| talk.and_then(|t| t.minutes))
                .filter(|m| (1..=crate::programme::MAX_MINUTES).contains(m));
            block.used += minutes.unwrap_or(0);
            if let Some(t) = talk {
                item.title = t.title.clone();
                item.speakers = t.speakers.clone();
                item.track = t.track.clone();
                item.warning = (!t.placeable()).then(|| {
                    format!(
                        "This talk is {} now, no longer accepted or confirmed: remove it from the programme.",
                        t.state.as_str()
                    )
                });
            } else if item.is_break {
                item.title = item.break_title.clone();
            }
            if item.starts.is_empty() {
                match (clock, minutes) {
                    (Some(at), Some(m)) => {
                        let end = at + Duration::minutes(i64::from(m));
                        item.starts = at.with_timezone(zone).format("%H:%M").to_string();
                        item.ends = end.with_timezone(zone).format("%H:%M").to_string();
                        clock = Some(end);
                    }
                    _ => clock = None,
                }
            }
        }
    }
}

/// Puts each error next to the block or item it names; returns the rest.
pub fn place_errors(blocks: &mut [BlockRow], errors: &FieldErrors) -> Vec<String> {
    let friendly = |m: String| {
        m.replacen("proposal_id ", "talk ", 1)
            .replacen("starts_at ", "start ", 1)
            .replacen("ends_at ", "end ", 1)
            .replacen("break ", "break title ", 1)
    };
    let (by_block, mut general) = errors.by_row("blocks");
    for (b, messages) in by_block {
        let Some(block) = blocks.get_mut(b) else {
            general.extend(messages);
            continue;
        };
        block.errors.extend(
            messages
                .into_iter()
                .filter(|m| !m.starts_with("items["))
                .map(friendly),
        );
        let (by_item, _) = errors.by_row(&format!("blocks[{b}].items"));
        for (i, messages) in by_item {
            match block.items.get_mut(i) {
                Some(item) => item.errors.extend(messages.into_iter().map(friendly)),
                None => block.errors.extend(messages.into_iter().map(friendly)),
            }
        }
    }
    general
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn items_follow_their_positions_and_moves_swap_neighbours() {
        let posted = fields(&[
            ("block_0_title", "Morning"),
            ("block_0_starts", "2026-06-10T09:00"),
            ("block_0_ends", "2026-06-10T10:00"),
            ("item_0_kind", "break"),
            ("item_0_break", "Coffee"),
            ("item_0_minutes", "10"),
            ("item_0_block", "0"),
            ("item_0_position", "2"),
            ("item_1_kind", "break"),
            ("item_1_break", "Lunch"),
            ("item_1_minutes", "20"),
            ("item_1_block", "0"),
            ("item_1_position", "1"),
        ]);
        let mut blocks = from_form(&posted);
        assert_eq!(blocks.len(), 1, "the empty new block is dropped");
        let order = |b: &[BlockRow]| -> Vec<String> {
            b[0].items.iter().map(|i| i.break_title.clone()).collect()
        };
        assert_eq!(order(&blocks), ["Lunch", "Coffee"]);
        let said = apply(&mut blocks, &Action::parse("down:1"), &posted, &[]);
        assert_eq!(order(&blocks), ["Coffee", "Lunch"]);
        assert_eq!(
            said,
            "Break “Lunch” moved to position 2 of block “Morning”."
        );
        let zone: chrono_tz::Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        decorate(&mut blocks, &[], &zone);
        assert_eq!(blocks[0].items[1].starts, "09:10");
        assert_eq!((blocks[0].used, blocks[0].available), (30, 60));
        let (input, errors) = to_input(&blocks, &zone);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            input.blocks[0].starts_at.to_rfc3339(),
            "2026-06-10T09:00:00+02:00"
        );
    }

    #[test]
    fn a_local_time_the_clocks_skip_is_refused() {
        let zone: chrono_tz::Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        assert!(parse_local("2026-03-29T02:30", &zone).is_err());
        assert_eq!(
            parse_local("2026-10-25T02:30", &zone)
                .map(|t| t.to_rfc3339())
                .as_deref(),
            Ok("2026-10-25T02:30:00+02:00"),
            "the earlier of the two"
        );
    }
}
