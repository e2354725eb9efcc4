-- The chairs' ranking (and the dashboard's review figures) are cached per event and checked
-- against an O(1) key: (events.review_version, the number of the event's proposals). Every change
-- that can change the ranking bumps review_version in the transaction that makes it, except the
-- insert of a new proposal (that would lock the event row on every submission): the key's count
-- of proposals catches those. Statement-level triggers bump each touched event once per statement.
ALTER TABLE events ADD COLUMN review_version bigint NOT NULL DEFAULT 0;

-- the score scale and the same-domain rule change every figure: bumped in the same row update
CREATE FUNCTION bump_review_version_of_event() RETURNS trigger AS $$
BEGIN
    NEW.review_version := NEW.review_version + 1;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_bump_review_version BEFORE UPDATE ON events
    FOR EACH ROW
    WHEN (OLD.conflict_same_domain IS DISTINCT FROM NEW.conflict_same_domain
          OR OLD.score_min IS DISTINCT FROM NEW.score_min
          OR OLD.score_max IS DISTINCT FROM NEW.score_max)
    EXECUTE FUNCTION bump_review_version_of_event();

-- rows keyed by proposal_id (reviews, assignments, conflicts, co-speakers): the events of the
-- proposals named in the statement's old and new rows
CREATE FUNCTION bump_review_version_by_proposal_ids(ids uuid[]) RETURNS void AS $$
BEGIN
    UPDATE events SET review_version = review_version + 1
    WHERE id IN (SELECT DISTINCT event_id FROM proposals WHERE proposals.id = ANY(ids));
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION bump_review_version_of_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM bump_review_version_by_proposal_ids(ARRAY(SELECT DISTINCT proposal_id FROM new_rows));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION bump_review_version_of_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM bump_review_version_by_proposal_ids(ARRAY(SELECT DISTINCT proposal_id FROM old_rows));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION bump_review_version_of_updated() RETURNS trigger AS $$
BEGIN
    PERFORM bump_review_version_by_proposal_ids(ARRAY(
        SELECT proposal_id FROM old_rows UNION SELECT proposal_id FROM new_rows));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- a review's score or confidence (a comment alone changes no figure)
CREATE FUNCTION bump_review_version_of_updated_review() RETURNS trigger AS $$
BEGIN
    PERFORM bump_review_version_by_proposal_ids(ARRAY(
        SELECT o.proposal_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.proposal_id, o.reviewer_id, o.score, o.confidence)
              IS DISTINCT FROM (n.proposal_id, n.reviewer_id, n.score, n.confidence)
        UNION SELECT n.proposal_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.proposal_id IS DISTINCT FROM o.proposal_id));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER reviews_bump_review_version_insert AFTER INSERT ON reviews
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_inserted();
CREATE TRIGGER reviews_bump_review_version_update AFTER UPDATE ON reviews
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_updated_review();
CREATE TRIGGER reviews_bump_review_version_delete AFTER DELETE ON reviews
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_deleted();

CREATE TRIGGER review_assignments_bump_review_version_insert AFTER INSERT ON review_assignments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_inserted();
CREATE TRIGGER review_assignments_bump_review_version_update AFTER UPDATE ON review_assignments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_updated();
CREATE TRIGGER review_assignments_bump_review_version_delete AFTER DELETE ON review_assignments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_deleted();

CREATE TRIGGER review_conflicts_bump_review_version_insert AFTER INSERT ON review_conflicts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_inserted();
CREATE TRIGGER review_conflicts_bump_review_version_update AFTER UPDATE ON review_conflicts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_updated();
CREATE TRIGGER review_conflicts_bump_review_version_delete AFTER DELETE ON review_conflicts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_deleted();

-- speakers' identities feed the conflicts
CREATE TRIGGER co_speakers_bump_review_version_insert AFTER INSERT ON co_speakers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_inserted();
CREATE TRIGGER co_speakers_bump_review_version_update AFTER UPDATE ON co_speakers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_updated();
CREATE TRIGGER co_speakers_bump_review_version_delete AFTER DELETE ON co_speakers
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_deleted();

-- a proposal's state, decision, effective track or needs-check inputs (what the ranking and the
-- dashboard's filters read), and its deletion; not its insert (see the key's count above)
CREATE FUNCTION bump_review_version_of_updated_proposal() RETURNS trigger AS $$
BEGIN
    UPDATE events SET review_version = review_version + 1
    WHERE id IN (
        SELECT n.event_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.event_id, o.state, o.decision, o.chair_track, o.speaker_track, o.auto_track,
               o.auto_confidence, o.submitter_id)
              IS DISTINCT FROM
              (n.event_id, n.state, n.decision, n.chair_track, n.speaker_track, n.auto_track,
               n.auto_confidence, n.submitter_id)
        UNION
        SELECT o.event_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE o.event_id IS DISTINCT FROM n.event_id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_bump_review_version_update AFTER UPDATE ON proposals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_updated_proposal();

CREATE FUNCTION bump_review_version_of_deleted_proposal() RETURNS trigger AS $$
BEGIN
    UPDATE events SET review_version = review_version + 1
    WHERE id IN (SELECT DISTINCT event_id FROM old_rows);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_bump_review_version_delete AFTER DELETE ON proposals
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_review_version_of_deleted_proposal();

-- a reviewer's or speaker's email decides who is conflicted: rare, so every event
CREATE FUNCTION bump_review_version_of_user() RETURNS trigger AS $$
BEGIN
    UPDATE events SET review_version = review_version + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER users_bump_review_version AFTER UPDATE OF email_normalized ON users
    FOR EACH ROW WHEN (OLD.email_normalized IS DISTINCT FROM NEW.email_normalized)
    EXECUTE FUNCTION bump_review_version_of_user();
