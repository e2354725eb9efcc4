-- The event's contact address: the Reply-To of every email the event sends, copied into each
-- outbox row when it is written (the address that was true then).
ALTER TABLE events ADD COLUMN contact_email text;
ALTER TABLE outbox ADD COLUMN reply_to text;

-- A chairs' message to a selection of speakers: what was written, to whom, by whom. Each
-- recipient's email is an outbox row keyed by (mailing, recipient).
CREATE TABLE speaker_mailings (
    id         uuid PRIMARY KEY,
    event_id   uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    sent_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    selection  jsonb NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    recipients int4 NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX speaker_mailings_event ON speaker_mailings (event_id, created_at);

-- How many times a co-speaker's invitation went out: a resend is a new email (its own dedupe key).
ALTER TABLE co_speakers ADD COLUMN invitations_sent int4 NOT NULL DEFAULT 1;
