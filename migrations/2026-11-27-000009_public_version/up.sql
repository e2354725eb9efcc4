-- The published list's cache is checked against one O(1) number per event instead of a hash over
-- every proposal of the event. Every change the public list can show bumps it, in the transaction
-- that makes the change: a listed proposal's public fields (state, title, abstract, tracks,
-- subtopics, format, co-speakers: see touch_public_proposal), a speaker's name, the event's
-- tracks and subtopics. Changes to the event row itself are covered by events.updated_at.
ALTER TABLE events ADD COLUMN public_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION bump_public_version_of_proposal() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN ('accepted', 'confirmed') THEN
            UPDATE events SET public_version = public_version + 1 WHERE id = OLD.event_id;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        IF NEW.state IN ('accepted', 'confirmed') THEN
            UPDATE events SET public_version = public_version + 1 WHERE id = NEW.event_id;
        END IF;
    ELSIF (NEW.public_touched_at IS DISTINCT FROM OLD.public_touched_at
            OR NEW.format IS DISTINCT FROM OLD.format)
        AND (NEW.state IN ('accepted', 'confirmed') OR OLD.state IN ('accepted', 'confirmed')) THEN
        UPDATE events SET public_version = public_version + 1 WHERE id = NEW.event_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_bump_public_version AFTER INSERT OR UPDATE OR DELETE ON proposals
    FOR EACH ROW EXECUTE FUNCTION bump_public_version_of_proposal();

-- the list names its speakers: a renamed speaker of a listed talk bumps that talk's event
CREATE FUNCTION bump_public_version_of_speaker() RETURNS trigger AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        UPDATE events SET public_version = public_version + 1
        WHERE id IN (
            SELECT p.event_id FROM proposals p
            WHERE p.state IN ('accepted', 'confirmed')
              AND (p.submitter_id = NEW.id
                   OR p.id IN (SELECT proposal_id FROM co_speakers WHERE user_id = NEW.id)));
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER users_bump_public_version AFTER UPDATE OF name ON users
    FOR EACH ROW EXECUTE FUNCTION bump_public_version_of_speaker();

-- the list groups talks by track, with the tracks' names
CREATE FUNCTION bump_public_version_of_track() RETURNS trigger AS $$
BEGIN
    UPDATE events SET public_version = public_version + 1
    WHERE id = COALESCE(NEW.event_id, OLD.event_id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER tracks_bump_public_version AFTER INSERT OR UPDATE OR DELETE ON tracks
    FOR EACH ROW EXECUTE FUNCTION bump_public_version_of_track();

CREATE FUNCTION bump_public_version_of_subtopic() RETURNS trigger AS $$
BEGIN
    UPDATE events SET public_version = public_version + 1
    WHERE id = (SELECT event_id FROM tracks WHERE id = COALESCE(NEW.track_id, OLD.track_id));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER subtopics_bump_public_version AFTER INSERT OR UPDATE OR DELETE ON subtopics
    FOR EACH ROW EXECUTE FUNCTION bump_public_version_of_subtopic();
