-- Optimistic concurrency for speakers' edits: every edit of a proposal's speaker-editable content
-- (title, abstract, notes, format, links, track, co-speakers) bumps the version in the statement
-- that writes it; the API sends it as the ETag and refuses a PATCH whose If-Match is stale (412).
ALTER TABLE proposals ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version >= 1);
