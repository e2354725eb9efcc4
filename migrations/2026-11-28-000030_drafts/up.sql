-- Drafts: a speaker's unfinished proposal, in a table of its own so that no chair's list, count,
-- ranking, assignment or statistic over `proposals` can ever see one. Submitting a draft moves it
-- into `proposals` under the same id (and deletes it here) in one transaction. Only the
-- maximum lengths apply here; everything required is checked when the draft is submitted.
CREATE TABLE proposal_drafts (
    id            uuid PRIMARY KEY,
    event_id      uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    submitter_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         text NOT NULL DEFAULT '' CHECK (length(title) <= 150),
    abstract      text NOT NULL DEFAULT '' CHECK (length(abstract) <= 5000),
    notes         text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    format        text NOT NULL DEFAULT '' CHECK (length(format) <= 100),
    speaker_track text CHECK (length(speaker_track) <= 100),
    -- emails as typed: invited only when the draft is submitted
    co_speakers   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(co_speakers) <= 20),
    links         text[] NOT NULL DEFAULT '{}' CHECK (cardinality(links) <= 10),
    version       bigint NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposal_drafts_submitter ON proposal_drafts (submitter_id, updated_at);

-- A form posted without a valid session (or with a stale CSRF token): its fields, kept for a
-- few hours under the hash of a random token, so that they are restored into the form after
-- sign-in. Only ever restored into a form, never acted on. Sealed with the server key.
CREATE TABLE pending_forms (
    token_hash  bytea PRIMARY KEY,
    -- who was signed in when it was posted, if anyone: only they may restore it
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    -- the form page it belongs to
    target      text NOT NULL CHECK (length(target) BETWEEN 1 AND 300),
    sealed      bytea NOT NULL CHECK (length(sealed) <= 100000),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_forms_expiry ON pending_forms (expires_at);
