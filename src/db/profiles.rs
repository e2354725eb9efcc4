//! Speakers' profiles (columns of `users`) and their photos (`user_photos`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{Profile, UserId};
use crate::schema::{user_photos, users};

/// A user's profile as stored, with the display name and the photo's name (when there is one).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProfile {
    pub user_id: UserId,
    pub name: String,
    pub profile: Profile,
    pub photo: Option<PhotoRef>,
}

/// What names a stored photo in its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRef {
    pub digest: String,
    pub content_type: String,
}

type ProfileRow = (
    UserId,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn stored(
    (user_id, name, given, family, affiliation, bio, pronouns, digest, ty): ProfileRow,
) -> StoredProfile {
    StoredProfile {
        user_id,
        name,
        profile: Profile {
            given_name: given,
            family_name: family,
            affiliation,
            bio,
            pronouns,
        },
        photo: digest.zip(ty).map(|(digest, content_type)| PhotoRef {
            digest,
            content_type,
        }),
    }
}

/// The profiles of these users (in no particular order), in one query.
pub async fn profiles_of(
    conn: &mut AsyncPgConnection,
    ids: &[UserId],
) -> QueryResult<Vec<StoredProfile>> {
    let rows: Vec<ProfileRow> = users::table
        .left_join(user_photos::table)
        .filter(users::id.eq_any(ids))
        .select((
            users::id,
            users::name,
            users::given_name,
            users::family_name,
            users::affiliation,
            users::bio,
            users::pronouns,
            user_photos::digest.nullable(),
            user_photos::content_type.nullable(),
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(stored).collect())
}

pub async fn profile_of(
    conn: &mut AsyncPgConnection,
    id: UserId,
) -> QueryResult<Option<StoredProfile>> {
    Ok(profiles_of(conn, &[id]).await?.pop())
}

/// Stores the profile and the display name.
pub async fn set_profile(
    conn: &mut AsyncPgConnection,
    id: UserId,
    profile: &Profile,
    name: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(name),
            users::given_name.eq(&profile.given_name),
            users::family_name.eq(&profile.family_name),
            users::affiliation.eq(&profile.affiliation),
            users::bio.eq(&profile.bio),
            users::pronouns.eq(&profile.pronouns),
            users::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The published lists show their speakers' profiles: the events where this user speaks on an
/// accepted or confirmed talk have a new public version (their cached lists are rebuilt).
/// (A display name change is covered by the trigger on `users.name`, migration 000009.)
pub async fn bump_public_version_of_speaker(
    conn: &mut AsyncPgConnection,
    id: UserId,
) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE events SET public_version = public_version + 1 \
         WHERE id IN (SELECT p.event_id FROM proposals p \
                      WHERE p.state IN ('accepted', 'confirmed') \
                        AND (p.submitter_id = $1 \
                             OR p.id IN (SELECT proposal_id FROM co_speakers \
                                         WHERE user_id = $1 AND accepted_at IS NOT NULL)))",
    )
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_photos)]
pub struct Photo {
    pub user_id: UserId,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub width: i32,
    pub height: i32,
    pub digest: String,
    pub updated_at: DateTime<Utc>,
}

/// Stores the user's photo, replacing the one before.
pub async fn put_photo(conn: &mut AsyncPgConnection, photo: &Photo) -> QueryResult<()> {
    diesel::insert_into(user_photos::table)
        .values(photo)
        .on_conflict(user_photos::user_id)
        .do_update()
        .set((
            user_photos::content_type.eq(&photo.content_type),
            user_photos::bytes.eq(&photo.bytes),
            user_photos::width.eq(photo.width),
            user_photos::height.eq(photo.height),
            user_photos::digest.eq(&photo.digest),
            user_photos::updated_at.eq(photo.updated_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes the user's photo; false when there was none.
pub async fn delete_photo(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<bool> {
    diesel::delete(user_photos::table.find(id))
        .execute(conn)
        .await
        .map(|n| n > 0)
}

pub async fn photo(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<Photo>> {
    user_photos::table
        .find(id)
        .select(Photo::as_select())
        .first(conn)
        .await
        .optional()
}
