-- Tells every mcfp process, on channel mcfp_public, that something the public sees of an event
-- may have changed (payload: the event's id), so the processes can serve the published list and
-- the call-for-proposals page from memory without asking the database per request. It fires
-- after any change to the event row except its review_version (bumped by every review save,
-- which the public never sees); changes to proposals, speakers' names, tracks and subtopics
-- reach the event row through public_version (migration 000009). PostgreSQL delivers at commit
-- and folds identical notifications of one transaction into one.
CREATE FUNCTION notify_public_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('mcfp_public', OLD.id::text);
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT'
       OR (to_jsonb(NEW) - 'review_version') IS DISTINCT FROM (to_jsonb(OLD) - 'review_version') THEN
        PERFORM pg_notify('mcfp_public', NEW.id::text);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_notify_public_change AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION notify_public_change();
