-- A chair's correction of a proposal's track, kept as a labelled example for retraining the tagger.
CREATE TABLE tag_corrections (
    id              uuid PRIMARY KEY,
    proposal_id     uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    chair_id        uuid NOT NULL REFERENCES users (id),
    title           text NOT NULL,
    abstract        text NOT NULL,
    auto_track      text,
    auto_confidence real,
    -- NULL when the chair removed an earlier override
    corrected_track text,
    subtopics       text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tag_corrections_event ON tag_corrections (event_id, created_at);
