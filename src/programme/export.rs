//! What the programme's exports (iCalendar, frab's schedule.xml, Indico's CSV) are made from:
//! the placed talks (breaks are no one's talk and no export lists them) with their absolute
//! times, room, format, track, abstract and speakers, loaded in a fixed number of queries
//! whatever the programme's size. Speakers' emails are in it: only the chairs' Indico CSV
//! writes them.

use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;

use crate::accounts::CurrentUser;
use crate::db::events::Event;
use crate::db::programme as db;
use crate::domain::ProposalId;
use crate::error::{AppError, AppResult};

pub struct Schedule {
    pub slug: String,
    pub title: String,
    /// The event's zone (UTC when it names none chrono-tz knows).
    pub zone: chrono_tz::Tz,
    pub published_at: Option<DateTime<Utc>>,
    /// The accepted list is public, so each talk has a public page (`talk_path`).
    pub talk_pages: bool,
    /// By start, then room.
    pub talks: Vec<Talk>,
}

pub struct Talk {
    pub proposal_id: ProposalId,
    pub title: String,
    pub abstract_text: String,
    /// The format's display name (its key when the event no longer has it).
    pub format_name: String,
    /// The effective track's name, if the talk has one.
    pub track_name: Option<String>,
    pub room: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub minutes: i32,
    /// The talk's last edit.
    pub updated_at: DateTime<Utc>,
    /// Submitter first, then accepted co-speakers.
    pub speakers: Vec<Speaker>,
}

pub struct Speaker {
    pub user_id: uuid::Uuid,
    /// The display name.
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub affiliation: String,
    pub email: String,
}

impl Speaker {
    /// Given and family name from the profile; without them, the display name split at its
    /// last space (a single word is a family name).
    pub fn split_name(&self) -> (String, String) {
        if !self.given_name.is_empty() || !self.family_name.is_empty() {
            return (self.given_name.clone(), self.family_name.clone());
        }
        let name = self.name.trim();
        match name.rsplit_once(' ') {
            Some((given, family)) => (given.trim_end().to_owned(), family.to_owned()),
            None => (String::new(), name.to_owned()),
        }
    }
}

impl Schedule {
    /// The path of the talk's public page (its entry in the accepted list), once that is public.
    pub fn talk_path(&self, talk: &Talk) -> Option<String> {
        self.talk_pages
            .then(|| format!("events/{}/accepted#talk-{}", self.slug, talk.proposal_id.0))
    }

    /// A time in the event's zone.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
        at.with_timezone(&self.zone)
    }
}

/// The event's schedule, for whom may read it: the public once the programme is published,
/// the event's chairs (and site admins) always, as `GET /api/v1/events/{slug}/programme`
/// decides. Also says whether the reader chairs the event (their copy is private to caches).
pub async fn for_reader(
    conn: &mut AsyncPgConnection,
    slug: &str,
    user: Option<&CurrentUser>,
) -> AppResult<(Schedule, bool)> {
    let chaired = super::public::chaired_event(conn, slug, user).await;
    let chair = chaired.is_some();
    let event = match chaired {
        Some(event) => event,
        None => crate::db::events::find_by_slug(conn, slug)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let schedule = load(conn, &event).await?;
    if schedule.published_at.is_none() && !chair {
        return Err(AppError::NotFound);
    }
    Ok((schedule, chair))
}

/// The event's placed talks: nine queries, however many talks there are.
pub async fn load(conn: &mut AsyncPgConnection, event: &Event) -> AppResult<Schedule> {
    let published_at = db::published_at(conn, event.id).await?;
    let stored = db::load(conn, event.id).await?;
    let ids: Vec<ProposalId> = stored
        .iter()
        .flat_map(|(_, items)| items.iter().filter_map(|i| i.proposal_id))
        .collect();
    let proposals = crate::db::proposals::of_event_by_ids(conn, event.id, &ids).await?;
    let speakers = crate::db::proposals::speakers_of(conn, &ids).await?;
    let tracks = crate::db::events::tracks_of(conn, event.id).await?;
    let formats = event.formats();
    let mut talks = Vec::new();
    for (block, items) in stored {
        // each item starts where the one before it ends (as `programme::view` computes)
        let mut clock = block.starts_at;
        for item in items {
            let starts_at = clock;
            clock += Duration::minutes(i64::from(item.minutes));
            let Some(proposal) = item
                .proposal_id
                .and_then(|id| proposals.iter().find(|p| p.id == id))
            else {
                continue;
            };
            let track = crate::proposals::tags(proposal).track;
            talks.push(Talk {
                proposal_id: proposal.id,
                title: proposal.title.clone(),
                abstract_text: proposal.abstract_text.clone(),
                format_name: formats
                    .iter()
                    .find(|f| f.key == proposal.format)
                    .map_or_else(|| proposal.format.clone(), |f| f.name.clone()),
                track_name: track.map(|key| {
                    tracks
                        .iter()
                        .find(|t| t.key == key)
                        .map_or(key.clone(), |t| t.name.clone())
                }),
                room: block.room.clone(),
                starts_at,
                ends_at: clock,
                minutes: item.minutes,
                updated_at: proposal.updated_at,
                speakers: speakers
                    .iter()
                    .filter(|s| s.proposal_id == proposal.id)
                    .map(|s| Speaker {
                        user_id: s.user_id.0,
                        name: s.name.clone(),
                        given_name: s.profile.given_name.clone(),
                        family_name: s.profile.family_name.clone(),
                        affiliation: s.profile.affiliation.clone(),
                        email: s.email.clone(),
                    })
                    .collect(),
            });
        }
    }
    talks.sort_by(|a, b| (a.starts_at, &a.room).cmp(&(b.starts_at, &b.room)));
    Ok(Schedule {
        slug: event.slug.clone(),
        title: event.title.clone(),
        zone: event.time_zone.parse().unwrap_or(chrono_tz::UTC),
        published_at,
        talk_pages: event.published_at.is_some(),
        talks,
    })
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A schedule for the renderers' unit tests.

    use super::*;

    pub fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("a time")
            .with_timezone(&Utc)
    }

    pub fn talk(title: &str, starts_at: &str, minutes: i32) -> Talk {
        let starts_at = at(starts_at);
        Talk {
            proposal_id: ProposalId(uuid::Uuid::from_u128(0x1234)),
            title: title.to_owned(),
            abstract_text: "An abstract.".to_owned(),
            format_name: "Talk".to_owned(),
            track_name: Some("Rust for Linux".to_owned()),
            room: "Hall A".to_owned(),
            starts_at,
            ends_at: starts_at + Duration::minutes(i64::from(minutes)),
            minutes,
            updated_at: at("2026-05-01T12:00:00Z"),
            speakers: vec![Speaker {
                user_id: uuid::Uuid::from_u128(0x5678),
                name: "Ada Lovelace".to_owned(),
                given_name: String::new(),
                family_name: String::new(),
                affiliation: "Analytical Engines, Ltd".to_owned(),
                email: "ada@example.org".to_owned(),
            }],
        }
    }

    pub fn schedule(talks: Vec<Talk>) -> Schedule {
        Schedule {
            slug: "rust-mc".to_owned(),
            title: "Rust MC".to_owned(),
            zone: chrono_tz::Europe::Berlin,
            published_at: Some(at("2026-05-02T08:00:00Z")),
            talk_pages: true,
            talks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::talk;

    #[test]
    fn a_display_name_splits_at_its_last_space_when_the_profile_has_no_names() {
        let mut speaker = talk("t", "2026-06-10T09:00:00+02:00", 30)
            .speakers
            .remove(0);
        speaker.name = "Ada King Lovelace".into();
        assert_eq!(speaker.split_name(), ("Ada King".into(), "Lovelace".into()));
        speaker.name = "Plato".into();
        assert_eq!(speaker.split_name(), (String::new(), "Plato".into()));
        speaker.family_name = "Lovelace, Countess".into();
        assert_eq!(
            speaker.split_name(),
            (String::new(), "Lovelace, Countess".into())
        );
    }
}
