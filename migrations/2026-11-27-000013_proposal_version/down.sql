ALTER TABLE proposals DROP COLUMN version;
