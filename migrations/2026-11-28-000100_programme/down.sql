ALTER TABLE events DROP COLUMN programme_published_at;
DROP TABLE programme_items;
DROP TABLE programme_blocks;
