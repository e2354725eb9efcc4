//! What is on now and next in each room, at an instant: for the live page and
//! `GET …/programme/now`. Computed from the published programme in memory.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Programme, ProgrammeItem};

/// An item of the programme with the room and block it is in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveItem {
    pub room: String,
    /// The block's title.
    pub block: String,
    #[serde(flatten)]
    pub item: ProgrammeItem,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeNow {
    /// The instant asked about, RFC 3339 in the event's zone's offset.
    #[schema(format = DateTime)]
    pub at: String,
    /// The event's IANA time zone.
    pub time_zone: String,
    /// Per room, what runs at `at` (talks and breaks), in room order of first appearance.
    pub now: Vec<LiveItem>,
    /// Per room, the first item starting after `at` (at most one per room).
    pub next: Vec<LiveItem>,
}

/// Rooms in the order they first appear in the programme; a block without a room is "".
fn rooms(programme: &Programme) -> Vec<&str> {
    let mut rooms: Vec<&str> = Vec::new();
    for block in &programme.blocks {
        if !rooms.contains(&block.room.as_str()) {
            rooms.push(&block.room);
        }
    }
    rooms
}

/// What runs at `at`, and what comes next, in each room.
pub fn at(programme: &Programme, at: DateTime<Utc>, time_zone: &str) -> ProgrammeNow {
    let mut now = Vec::new();
    let mut next = Vec::new();
    for room in rooms(programme) {
        let items = programme
            .blocks
            .iter()
            .filter(|block| block.room == room)
            .flat_map(|block| {
                block.items.iter().map(move |item| LiveItem {
                    room: block.room.clone(),
                    block: block.title.clone(),
                    item: item.clone(),
                })
            });
        let mut upcoming: Option<LiveItem> = None;
        for live in items {
            let (starts, ends) = live.item.span;
            if starts <= at && at < ends {
                now.push(live);
            } else if starts > at && upcoming.as_ref().is_none_or(|u| starts < u.item.span.0) {
                upcoming = Some(live);
            }
        }
        next.extend(upcoming);
    }
    ProgrammeNow {
        at: super::shown(at, time_zone),
        time_zone: time_zone.to_owned(),
        now,
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::{ItemKind, ProgrammeBlock};

    fn instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn item(title: &str, starts: &str, ends: &str) -> ProgrammeItem {
        ProgrammeItem {
            kind: ItemKind::Talk,
            proposal_id: None,
            title: title.into(),
            track: None,
            speakers: Vec::new(),
            starts_at: starts.into(),
            ends_at: ends.into(),
            minutes: 30,
            span: (instant(starts), instant(ends)),
        }
    }

    fn block(room: &str, items: Vec<ProgrammeItem>) -> ProgrammeBlock {
        ProgrammeBlock {
            title: format!("{room} block"),
            room: room.into(),
            starts_at: String::new(),
            ends_at: String::new(),
            items,
        }
    }

    #[test]
    fn each_room_has_its_current_and_its_next_item() {
        let programme = Programme {
            published_at: None,
            blocks: vec![
                block(
                    "A",
                    vec![
                        item("a1", "2026-11-13T09:00:00Z", "2026-11-13T09:30:00Z"),
                        item("a2", "2026-11-13T09:30:00Z", "2026-11-13T10:00:00Z"),
                        item("a3", "2026-11-13T10:00:00Z", "2026-11-13T10:30:00Z"),
                    ],
                ),
                block(
                    "B",
                    vec![item("b1", "2026-11-13T11:00:00Z", "2026-11-13T11:30:00Z")],
                ),
            ],
        };
        let live = at(&programme, instant("2026-11-13T09:30:00Z"), "UTC");
        let titles = |items: &[LiveItem]| {
            items
                .iter()
                .map(|i| i.item.title.clone())
                .collect::<Vec<_>>()
        };
        // an item starts at its start and is over at its end
        assert_eq!(titles(&live.now), ["a2"]);
        assert_eq!(titles(&live.next), ["a3", "b1"]);
        let after = at(&programme, instant("2026-11-13T12:00:00Z"), "UTC");
        assert!(after.now.is_empty() && after.next.is_empty());
        assert_eq!(after.at, "2026-11-13T12:00:00+00:00");
    }
}
