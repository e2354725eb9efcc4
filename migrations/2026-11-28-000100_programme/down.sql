DROP TABLE programme_publications;
DROP TABLE programme_items;
DROP TABLE programme_blocks;
