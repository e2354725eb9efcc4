//! Events (microconferences): the row, its creation with the default tracks, and lookups;
//! tracks, members and member invitations in the files beside this one.

mod event_tracks;
mod invitations;
mod members;

pub use event_tracks::{TrackWithSubtopics, replace_tracks, tracks_of};
pub use invitations::{
    MemberInvitation, NewMemberInvitation, OpenMemberInvitation, delete_open_member_invitation,
    find_member_invitation, mark_member_invitation_accepted, member_invitation_accepted,
    open_member_invitations, upsert_member_invitation,
};
pub use members::{
    EventRoleKind, MemberRow, member_role, members_of, remove_member, roles_of_user, upsert_member,
};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::track::{SUBTOPICS, Track};
use crate::domain::{EventId, TrackId, UserId};
use crate::schema::{event_members, events, subtopics, tracks};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: EventId,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub time_zone: String,
    pub cfp_opens_at: DateTime<Utc>,
    pub cfp_closes_at: DateTime<Utc>,
    pub blind_review: bool,
    pub score_min: i16,
    pub score_max: i16,
    pub formats: serde_json::Value,
    pub max_co_speakers: i16,
    pub max_proposals_per_speaker: i16,
    pub review_opens_at: Option<DateTime<Utc>>,
    pub review_closes_at: Option<DateTime<Utc>>,
    pub reviewers_see_all: bool,
    pub conflict_same_domain: bool,
    pub confirm_by: Option<DateTime<Utc>>,
    pub share_review_comments: bool,
    pub published_at: Option<DateTime<Utc>>,
    /// The programme's length in minutes, which accepted talks fill.
    pub slot_minutes: Option<i32>,
    /// While reviewing is open, a new proposal is assigned reviewers on submission.
    pub auto_assign: bool,
    /// How many reviewers assignment on submission gives a proposal.
    pub reviewers_per_proposal: i16,
    /// `[{key, label, weight, position}]` (`review::criteria`); empty: a single score.
    pub review_criteria: serde_json::Value,
    /// The chairs' questions on the submission form (`domain::questions`), in order.
    pub questions: serde_json::Value,
    /// Questions removed from the form, kept so that their answers stay readable.
    pub retired_questions: serde_json::Value,
    /// The event's contact address: the Reply-To of every email the event sends.
    pub contact_email: Option<String>,
}

/// A talk format the event accepts, e.g. `talk` for 30 minutes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Format {
    #[schema(schema_with = crate::domain::schema::key)]
    pub key: String,
    #[schema(schema_with = crate::domain::schema::label)]
    pub name: String,
    #[serde(deserialize_with = "crate::domain::whole_number::required")]
    #[schema(minimum = 1, maximum = 480)]
    pub minutes: i32,
}

impl Event {
    pub fn formats(&self) -> Vec<Format> {
        serde_json::from_value(self.formats.clone()).unwrap_or_default()
    }

    /// The questions on the submission form, by position.
    pub fn questions(&self) -> Vec<crate::domain::questions::Question> {
        crate::domain::questions::questions_from(&self.questions)
    }

    /// The questions removed from the form (their answers stay readable to the chairs).
    pub fn retired_questions(&self) -> Vec<crate::domain::questions::Question> {
        crate::domain::questions::questions_from(&self.retired_questions)
    }

    pub fn cfp_open_at(&self, now: DateTime<Utc>) -> bool {
        self.cfp_opens_at <= now && now < self.cfp_closes_at
    }

    /// Reviews may be written and changed from the opening instant until just before the
    /// closing one; an event whose reviewing was never opened is not in its review phase.
    pub fn review_open_at(&self, now: DateTime<Utc>) -> bool {
        self.review_opens_at.is_some_and(|opens| opens <= now)
            && self.review_closes_at.is_none_or(|closes| now < closes)
    }

    pub fn score_scale(&self) -> crate::domain::Scale {
        crate::domain::Scale {
            min: self.score_min,
            max: self.score_max,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent<'a> {
    pub id: EventId,
    pub slug: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub time_zone: &'a str,
    pub cfp_opens_at: DateTime<Utc>,
    pub cfp_closes_at: DateTime<Utc>,
    pub blind_review: bool,
    pub score_min: i16,
    pub score_max: i16,
    pub created_by: Option<UserId>,
}

/// The two tracks every event starts with, from the Rust microconference's CfP.
pub fn default_tracks() -> [(Track, &'static str); 2] {
    [
        (
            Track::RustForLinux,
            "The Linux kernel: the Rust for Linux project, kernel abstractions, drivers, \
             integration with kernel infrastructure, and its subprojects.",
        ),
        (
            Track::Rust,
            "Rust beyond the kernel: language and standard library, compilers and codegen, \
             tooling, educational material, and Rust elsewhere in the Linux ecosystem.",
        ),
    ]
}

/// Inserts the event with the default tracks and subtopics.
pub async fn insert_event(conn: &mut AsyncPgConnection, new: NewEvent<'_>) -> QueryResult<Event> {
    let event = diesel::insert_into(events::table)
        .values(&new)
        .returning(Event::as_returning())
        .get_result(conn)
        .await?;
    for (position, (track, description)) in default_tracks().into_iter().enumerate() {
        let track_id = TrackId::new();
        diesel::insert_into(tracks::table)
            .values((
                tracks::id.eq(track_id),
                tracks::event_id.eq(event.id),
                tracks::key.eq(track.key()),
                tracks::name.eq(track.name()),
                tracks::description.eq(description),
                tracks::position.eq(position as i32),
            ))
            .execute(conn)
            .await?;
        let rows: Vec<_> = SUBTOPICS
            .iter()
            .filter(|s| s.track == track)
            .enumerate()
            .map(|(i, s)| {
                (
                    subtopics::id.eq(uuid::Uuid::now_v7()),
                    subtopics::track_id.eq(track_id),
                    subtopics::key.eq(s.key),
                    subtopics::name.eq(s.name),
                    subtopics::position.eq(i as i32),
                )
            })
            .collect();
        diesel::insert_into(subtopics::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(event)
}

/// None for a slug no event can have (a NUL or other control character, or too long) without
/// asking the database: every slug route answers 404 for it.
pub async fn find_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<Event>> {
    if slug.len() > 64 || slug.chars().any(char::is_control) {
        return Ok(None);
    }
    events::table
        .filter(events::slug.eq(slug))
        .select(Event::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn list_events(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Event>> {
    events::table
        .order(events::cfp_closes_at.desc())
        .select(Event::as_select())
        .load(conn)
        .await
}

/// One event of the page header's navigation: see [`nav_events`].
#[derive(Debug, Clone, Queryable)]
pub struct NavEventRow {
    pub slug: String,
    pub title: String,
    pub cfp_opens_at: DateTime<Utc>,
    pub cfp_closes_at: DateTime<Utc>,
    /// The user's role there ("chair", "reviewer"), if any.
    pub role: Option<String>,
}

/// The events a signed-in user's header links to, in one query: those the user is a member of
/// (with the role), those whose call for proposals is open at `now`, and `also` (the event a
/// site admin is looking at), by title.
pub async fn nav_events(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
    also: Option<&str>,
) -> QueryResult<Vec<NavEventRow>> {
    events::table
        .left_join(
            event_members::table.on(event_members::event_id
                .eq(events::id)
                .and(event_members::user_id.eq(user_id))),
        )
        .filter(
            event_members::user_id
                .is_not_null()
                .or(events::cfp_opens_at
                    .le(now)
                    .and(events::cfp_closes_at.gt(now)))
                .or(events::slug.eq(also.unwrap_or_default())),
        )
        .order((events::title.asc(), events::slug.asc()))
        .select((
            events::slug,
            events::title,
            events::cfp_opens_at,
            events::cfp_closes_at,
            event_members::role.nullable(),
        ))
        .load(conn)
        .await
}

pub async fn find_by_id(conn: &mut AsyncPgConnection, id: EventId) -> QueryResult<Option<Event>> {
    events::table
        .find(id)
        .select(Event::as_select())
        .first(conn)
        .await
        .optional()
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = events)]
pub struct EventChanges<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    pub cfp_opens_at: Option<DateTime<Utc>>,
    pub cfp_closes_at: Option<DateTime<Utc>>,
    pub blind_review: Option<bool>,
    pub score_min: Option<i16>,
    pub score_max: Option<i16>,
    pub formats: Option<serde_json::Value>,
    pub max_co_speakers: Option<i16>,
    pub max_proposals_per_speaker: Option<i16>,
    pub review_opens_at: Option<Option<DateTime<Utc>>>,
    pub review_closes_at: Option<Option<DateTime<Utc>>>,
    pub reviewers_see_all: Option<bool>,
    pub conflict_same_domain: Option<bool>,
    pub confirm_by: Option<Option<DateTime<Utc>>>,
    pub share_review_comments: Option<bool>,
    pub slot_minutes: Option<Option<i32>>,
    pub auto_assign: Option<bool>,
    pub reviewers_per_proposal: Option<i16>,
    pub contact_email: Option<Option<&'a str>>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn update_event(
    conn: &mut AsyncPgConnection,
    id: EventId,
    changes: &EventChanges<'_>,
) -> QueryResult<Event> {
    diesel::update(events::table.find(id))
        .set(changes)
        .returning(Event::as_returning())
        .get_result(conn)
        .await
}

/// Replaces the event's review criteria (checked by `review::criteria`).
pub async fn set_review_criteria(
    conn: &mut AsyncPgConnection,
    id: EventId,
    criteria: &serde_json::Value,
) -> QueryResult<Event> {
    diesel::update(events::table.find(id))
        .set((
            events::review_criteria.eq(criteria),
            events::updated_at.eq(Utc::now()),
        ))
        .returning(Event::as_returning())
        .get_result(conn)
        .await
}

/// Replaces the event's questions and retired questions (checked by `events::questions`).
pub async fn set_questions(
    conn: &mut AsyncPgConnection,
    id: EventId,
    questions: &serde_json::Value,
    retired: &serde_json::Value,
) -> QueryResult<Event> {
    diesel::update(events::table.find(id))
        .set((
            events::questions.eq(questions),
            events::retired_questions.eq(retired),
            events::updated_at.eq(Utc::now()),
        ))
        .returning(Event::as_returning())
        .get_result(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(opens: DateTime<Utc>, closes: DateTime<Utc>) -> Event {
        Event {
            id: EventId::new(),
            slug: "rust-mc".into(),
            title: "Rust MC".into(),
            description: String::new(),
            time_zone: "America/New_York".into(),
            cfp_opens_at: opens,
            cfp_closes_at: closes,
            blind_review: false,
            score_min: 1,
            score_max: 5,
            formats: serde_json::Value::Null,
            max_co_speakers: 4,
            max_proposals_per_speaker: 5,
            review_opens_at: None,
            review_closes_at: None,
            reviewers_see_all: false,
            conflict_same_domain: false,
            confirm_by: None,
            share_review_comments: false,
            published_at: None,
            slot_minutes: None,
            auto_assign: true,
            reviewers_per_proposal: 3,
            review_criteria: serde_json::json!([]),
            questions: serde_json::json!([]),
            retired_questions: serde_json::json!([]),
            contact_email: None,
        }
    }

    #[test]
    fn the_cfp_is_open_from_the_opening_second_until_just_before_the_closing_one() {
        let opens = Utc
            .with_ymd_and_hms(2026, 9, 1, 12, 0, 0)
            .single()
            .expect("time");
        let closes = Utc
            .with_ymd_and_hms(2026, 9, 30, 23, 59, 59)
            .single()
            .expect("time");
        let e = event(opens, closes);
        let second = chrono::Duration::seconds(1);
        assert!(!e.cfp_open_at(opens - second), "one second before opening");
        assert!(e.cfp_open_at(opens), "at the opening second");
        assert!(e.cfp_open_at(closes - second), "one second before closing");
        assert!(!e.cfp_open_at(closes), "at the closing second");
        assert!(!e.cfp_open_at(closes + second), "after closing");
    }

    #[test]
    fn unknown_formats_json_reads_as_no_formats() {
        let e = event(Utc::now(), Utc::now() + chrono::Duration::days(1));
        assert!(e.formats().is_empty());
    }
}
