-- Decisions, their release and the speakers' confirmation; chair-edited email templates; the
-- published list of accepted talks.

ALTER TABLE events
    -- accepted speakers confirm by then (NULL: no deadline)
    ADD COLUMN confirm_by timestamptz,
    -- decision emails carry the reviewers' comments for the speakers
    ADD COLUMN share_review_comments boolean NOT NULL DEFAULT false,
    -- the accepted list is public from then (NULL: not published)
    ADD COLUMN published_at timestamptz;

ALTER TABLE proposals
    -- the chairs' current decision; speakers see it only once released (then it is `state`)
    ADD COLUMN decision text CHECK (decision IN ('accept', 'reject', 'waitlist')),
    ADD COLUMN decision_note text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 5000),
    ADD COLUMN decided_by uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN decided_at timestamptz,
    -- the decision as last released
    ADD COLUMN released_decision text CHECK (released_decision IN ('accept', 'reject', 'waitlist')),
    ADD COLUMN released_at timestamptz,
    -- when an accepted speaker confirmed or declined
    ADD COLUMN responded_at timestamptz,
    -- moved by a trigger whenever something the public accepted list shows changes; the list's
    -- cache compares a fingerprint of these (never shown: decisions must not leak through it)
    ADD COLUMN public_touched_at timestamptz NOT NULL DEFAULT clock_timestamp();

CREATE FUNCTION touch_public_proposal() RETURNS trigger AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state
        OR NEW.title IS DISTINCT FROM OLD.title
        OR NEW."abstract" IS DISTINCT FROM OLD."abstract"
        OR NEW.speaker_track IS DISTINCT FROM OLD.speaker_track
        OR NEW.auto_track IS DISTINCT FROM OLD.auto_track
        OR NEW.auto_subtopics IS DISTINCT FROM OLD.auto_subtopics
        OR NEW.chair_track IS DISTINCT FROM OLD.chair_track
        OR NEW.chair_subtopics IS DISTINCT FROM OLD.chair_subtopics THEN
        NEW.public_touched_at := clock_timestamp();
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_touch_public BEFORE UPDATE ON proposals
    FOR EACH ROW EXECUTE FUNCTION touch_public_proposal();

-- co-speakers are shown too: a change to them touches their proposal
CREATE FUNCTION touch_public_proposal_of_co_speaker() RETURNS trigger AS $$
BEGIN
    UPDATE proposals SET public_touched_at = clock_timestamp()
        WHERE id = COALESCE(NEW.proposal_id, OLD.proposal_id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER co_speakers_touch_public AFTER INSERT OR UPDATE OR DELETE ON co_speakers
    FOR EACH ROW EXECUTE FUNCTION touch_public_proposal_of_co_speaker();

-- Who changed a decision, released it, or confirmed or declined it, and when: before → after.
CREATE TABLE decision_audit (
    id          uuid PRIMARY KEY,
    proposal_id uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    action      text NOT NULL CHECK (action IN ('decide', 'release', 'confirm', 'decline')),
    before      text,
    after       text NOT NULL,
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decision_audit_proposal ON decision_audit (proposal_id, created_at);

-- An event's own wording of a decision email; without a row the default in templates/email/.
CREATE TABLE email_templates (
    event_id   uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('acceptance', 'rejection', 'waitlist')),
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, kind)
);

CREATE INDEX outbox_event_kind ON outbox (event_id, kind, state);
