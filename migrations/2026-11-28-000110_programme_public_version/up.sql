-- The published programme is cached in memory like the accepted list (`db::public_changes`):
-- every change to its blocks, items or publication bumps the event's public_version in the
-- transaction that makes it, which notifies every process through the events trigger
-- (migration 000020). An item whose block is being deleted finds no block: the block's own
-- trigger has bumped the version already.
CREATE FUNCTION bump_public_version_of_programme_block() RETURNS trigger AS $$
BEGIN
    UPDATE events SET public_version = public_version + 1
    WHERE id = COALESCE(NEW.event_id, OLD.event_id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER programme_blocks_bump_public_version AFTER INSERT OR UPDATE OR DELETE ON programme_blocks
    FOR EACH ROW EXECUTE FUNCTION bump_public_version_of_programme_block();
CREATE TRIGGER programme_publications_bump_public_version AFTER INSERT OR UPDATE OR DELETE ON programme_publications
    FOR EACH ROW EXECUTE FUNCTION bump_public_version_of_programme_block();

CREATE FUNCTION bump_public_version_of_programme_item() RETURNS trigger AS $$
BEGIN
    UPDATE events SET public_version = public_version + 1
    WHERE id = (SELECT event_id FROM programme_blocks
                WHERE id = COALESCE(NEW.block_id, OLD.block_id));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER programme_items_bump_public_version AFTER INSERT OR UPDATE OR DELETE ON programme_items
    FOR EACH ROW EXECUTE FUNCTION bump_public_version_of_programme_item();
