-- A speaker's profile travels with every talk: the programme and Indico need the affiliation and
-- the bio. `name` stays the display name.
ALTER TABLE users
    ADD COLUMN given_name  text NOT NULL DEFAULT '',
    ADD COLUMN family_name text NOT NULL DEFAULT '',
    ADD COLUMN affiliation text NOT NULL DEFAULT '',
    ADD COLUMN bio         text NOT NULL DEFAULT '',
    ADD COLUMN pronouns    text NOT NULL DEFAULT '';

-- The optional photo, already decoded and re-encoded (no metadata survives). `digest` names the
-- bytes, so the photo's URL changes with them and can be cached forever.
CREATE TABLE user_photos (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    content_type text NOT NULL,
    bytes        bytea NOT NULL,
    width        int4 NOT NULL,
    height       int4 NOT NULL,
    digest       text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
