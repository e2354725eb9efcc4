ALTER TABLE events DROP COLUMN slot_minutes;
