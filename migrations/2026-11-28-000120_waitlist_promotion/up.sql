-- Waitlist promotion and the automatic confirmation reminder (issue 16). `events` is at diesel's
-- 32-column limit, so the event's two settings live in a table of their own (no row: defaults).
CREATE TABLE event_confirmations (
    event_id           uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    waitlist_promotion text NOT NULL DEFAULT 'off'
                       CHECK (waitlist_promotion IN ('off', 'suggest', 'auto')),
    -- days before confirm_by when unconfirmed speakers are reminded; null: no automatic reminder
    reminder_days      integer CHECK (reminder_days BETWEEN 1 AND 60)
);

-- One automatic reminder per proposal: the row is inserted with the outbox rows, and ON CONFLICT
-- DO NOTHING decides which round sends it.
CREATE TABLE confirmation_reminders (
    proposal_id uuid PRIMARY KEY REFERENCES proposals (id) ON DELETE CASCADE,
    sent_at     timestamptz NOT NULL
);

-- A place an accepted talk freed (declined, withdrawn, or its speakers missed confirm_by), and
-- what became of it: the waitlisted talk promoted into it, or dismissed by a chair.
CREATE TABLE vacancies (
    id                   uuid PRIMARY KEY,
    event_id             uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    freed_proposal_id    uuid NOT NULL UNIQUE REFERENCES proposals (id) ON DELETE CASCADE,
    reason               text NOT NULL CHECK (reason IN ('declined', 'withdrawn', 'lapsed')),
    track                text,
    minutes              integer NOT NULL CHECK (minutes >= 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    -- unique: one talk is never promoted twice
    promoted_proposal_id uuid UNIQUE REFERENCES proposals (id) ON DELETE SET NULL,
    resolved_at          timestamptz,
    dismissed            boolean NOT NULL DEFAULT false,
    CHECK ((resolved_at IS NULL) = (promoted_proposal_id IS NULL AND NOT dismissed))
);
CREATE INDEX vacancies_open ON vacancies (event_id, created_at) WHERE resolved_at IS NULL;

-- a promotion from the waitlist is audited as such (who: the chair, or none for `auto`)
ALTER TABLE decision_audit DROP CONSTRAINT decision_audit_action_check;
ALTER TABLE decision_audit ADD CONSTRAINT decision_audit_action_check
    CHECK (action IN ('decide', 'release', 'confirm', 'decline', 'promote'));
