-- The programme: blocks of an event (a room and a time span), each holding talks and breaks in
-- order; each item's start follows from the block's start and the minutes of the items before it.
CREATE TABLE programme_blocks (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position int4 NOT NULL,
    title text NOT NULL,
    room text NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    CHECK (ends_at > starts_at),
    UNIQUE (event_id, position)
);

CREATE TABLE programme_items (
    id uuid PRIMARY KEY,
    block_id uuid NOT NULL REFERENCES programme_blocks (id) ON DELETE CASCADE,
    position int4 NOT NULL,
    proposal_id uuid NULL REFERENCES proposals (id) ON DELETE CASCADE,
    break_title text NULL,
    minutes int4 NOT NULL CHECK (minutes > 0),
    CHECK ((proposal_id IS NULL) <> (break_title IS NULL)),
    UNIQUE (block_id, position)
);

-- a talk is placed once
CREATE UNIQUE INDEX programme_items_proposal ON programme_items (proposal_id);

-- A published programme: one row per event whose programme is public (a table of its own, not a
-- column of events: diesel's table! takes 32 columns, and events has them).
CREATE TABLE programme_publications (
    event_id     uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    published_at timestamptz NOT NULL DEFAULT now()
);
