CREATE OR REPLACE FUNCTION bump_review_version_of_updated_proposal() RETURNS trigger AS $$
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
