-- Microconferences (events), their tracks and subtopics, and per-event roles.

CREATE TABLE events (
    id            uuid PRIMARY KEY,
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$'),
    title         text NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
    description   text NOT NULL DEFAULT '',
    time_zone     text NOT NULL,
    cfp_opens_at  timestamptz NOT NULL,
    cfp_closes_at timestamptz NOT NULL,
    blind_review  boolean NOT NULL DEFAULT false,
    score_min     smallint NOT NULL DEFAULT 1,
    score_max     smallint NOT NULL DEFAULT 5,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (cfp_opens_at < cfp_closes_at),
    CHECK (score_min < score_max)
);

CREATE TABLE tracks (
    id          uuid PRIMARY KEY,
    event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    key         text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]*$'),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    position    integer NOT NULL DEFAULT 0,
    UNIQUE (event_id, key)
);

CREATE TABLE subtopics (
    id       uuid PRIMARY KEY,
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    key      text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]*$'),
    name     text NOT NULL,
    position integer NOT NULL DEFAULT 0,
    UNIQUE (track_id, key)
);

CREATE TABLE event_members (
    event_id   uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('chair', 'reviewer')),
    -- a reviewer restricted to these track keys; NULL means every track
    tracks     text[],
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_members_user ON event_members (user_id);
