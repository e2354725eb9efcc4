DROP INDEX outbox_event_kind;
DROP TABLE email_templates;
DROP TABLE decision_audit;
DROP TRIGGER co_speakers_touch_public ON co_speakers;
DROP FUNCTION touch_public_proposal_of_co_speaker();
DROP TRIGGER proposals_touch_public ON proposals;
DROP FUNCTION touch_public_proposal();
ALTER TABLE proposals
    DROP COLUMN public_touched_at,
    DROP COLUMN responded_at,
    DROP COLUMN released_at,
    DROP COLUMN released_decision,
    DROP COLUMN decided_at,
    DROP COLUMN decided_by,
    DROP COLUMN decision_note,
    DROP COLUMN decision;
ALTER TABLE events
    DROP COLUMN published_at,
    DROP COLUMN share_review_comments,
    DROP COLUMN confirm_by;
