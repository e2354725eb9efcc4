-- Calls for proposals: event settings, proposals, co-speakers, revisions, idempotency keys.

ALTER TABLE events
    ADD COLUMN formats jsonb NOT NULL DEFAULT
        '[{"key": "talk", "name": "Talk", "minutes": 30},
          {"key": "lightning", "name": "Lightning talk", "minutes": 10},
          {"key": "discussion", "name": "Discussion", "minutes": 45}]',
    ADD COLUMN max_co_speakers smallint NOT NULL DEFAULT 4 CHECK (max_co_speakers BETWEEN 0 AND 20),
    ADD COLUMN max_proposals_per_speaker smallint NOT NULL DEFAULT 5 CHECK (max_proposals_per_speaker BETWEEN 1 AND 100);

CREATE TABLE proposals (
    id              uuid PRIMARY KEY,
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    submitter_id    uuid NOT NULL REFERENCES users (id),
    title           text NOT NULL CHECK (length(title) BETWEEN 5 AND 150),
    abstract        text NOT NULL CHECK (length(abstract) BETWEEN 50 AND 5000),
    notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    format          text NOT NULL,
    links           text[] NOT NULL DEFAULT '{}' CHECK (cardinality(links) <= 10),
    state           text NOT NULL DEFAULT 'submitted'
                    CHECK (state IN ('submitted', 'withdrawn', 'accepted', 'rejected', 'waitlisted', 'confirmed', 'declined')),
    -- the speaker's own choice of track (may be empty)
    speaker_track   text,
    -- what the tagger said, with its evidence
    auto_track      text,
    auto_confidence real CHECK (auto_confidence BETWEEN 0 AND 1),
    auto_subtopics  text[] NOT NULL DEFAULT '{}',
    auto_evidence   text[] NOT NULL DEFAULT '{}',
    -- a chair's override, which wins over both
    chair_track     text,
    chair_subtopics text[],
    chair_set_by    uuid REFERENCES users (id),
    chair_set_at    timestamptz,
    withdrawn_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposals_event ON proposals (event_id, created_at, id);
CREATE INDEX proposals_submitter ON proposals (submitter_id);

-- Co-speakers are invited by email; the row is linked to an account when the invitation is accepted.
CREATE TABLE co_speakers (
    id                uuid PRIMARY KEY,
    proposal_id       uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    email             text NOT NULL,
    email_normalized  text NOT NULL CHECK (email_normalized = lower(email_normalized)),
    user_id           uuid REFERENCES users (id),
    invite_token_hash bytea NOT NULL UNIQUE,
    invited_at        timestamptz NOT NULL DEFAULT now(),
    accepted_at       timestamptz,
    position          integer NOT NULL DEFAULT 0,
    UNIQUE (proposal_id, email_normalized)
);
CREATE INDEX co_speakers_user ON co_speakers (user_id);

-- Every edit: who, when, and each changed field's value before and after.
CREATE TABLE proposal_revisions (
    id          uuid PRIMARY KEY,
    proposal_id uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id),
    changes     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposal_revisions_proposal ON proposal_revisions (proposal_id, created_at);

-- Idempotency-Key on creating requests: the first response is kept and replayed for 24 h.
CREATE TABLE idempotency_keys (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash    bytea NOT NULL,
    response_status smallint,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
