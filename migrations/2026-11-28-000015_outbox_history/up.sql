-- An event's emails as history: what an export carries of the outbox (never a body or a sealed
-- secret), restored by an import into a table of its own that no worker reads, so an imported
-- email is never sent again, whatever its state was when it was exported. `message_id` is the
-- Message-ID the email was (or would have been) sent with, kept as it was exported.
CREATE TABLE outbox_history (
    id            uuid PRIMARY KEY,
    event_id      uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    proposal_id   uuid REFERENCES proposals (id) ON DELETE SET NULL,
    message_id    text NOT NULL,
    kind          text NOT NULL,
    recipient     text NOT NULL,
    subject       text NOT NULL,
    state         text NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts      integer NOT NULL CHECK (attempts >= 0),
    last_error    text,
    last_error_at timestamptz,
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz
);
CREATE INDEX outbox_history_event ON outbox_history (event_id, created_at);

-- When the last failed attempt happened (last_error says what it was).
ALTER TABLE outbox ADD COLUMN last_error_at timestamptz;
