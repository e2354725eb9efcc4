DROP INDEX proposals_event_confidence;
DROP INDEX proposals_event_title;
DROP INDEX co_speakers_accepted;
DROP INDEX users_name_search;
DROP INDEX proposals_search_text;
ALTER TABLE proposals DROP COLUMN search_text;
