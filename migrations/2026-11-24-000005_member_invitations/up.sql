-- Chairs and reviewers invited by an email that has no account yet. The emailed link carries a
-- token (stored hashed); accepting it, signed in, makes the account a member.
CREATE TABLE member_invitations (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    email            text NOT NULL,
    email_normalized text NOT NULL CHECK (email_normalized = lower(email_normalized)),
    role             text NOT NULL CHECK (role IN ('chair', 'reviewer')),
    tracks           text[],
    token_hash       bytea NOT NULL UNIQUE,
    invited_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    accepted_at      timestamptz,
    accepted_by      uuid REFERENCES users (id) ON DELETE SET NULL
);
-- one open invitation per event and email; inviting again updates it
CREATE UNIQUE INDEX member_invitations_open ON member_invitations (event_id, email_normalized) WHERE accepted_at IS NULL;
