-- The chairs' dashboard at 5,000 proposals: a text search and sortable columns.
--
-- Title and abstract as one stored tsvector, kept by PostgreSQL itself: English stems (so
-- "testing" finds "tests") and the words whole ('simple', for prefixes of names and short
-- words). Speakers' names are matched through users (the submitter, accepted co-speakers), by
-- an expression index, so a renamed account is found under its new name at once.
ALTER TABLE proposals ADD COLUMN search_text tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig, abstract), 'B')
    || to_tsvector('simple'::regconfig, title || ' ' || abstract)
) STORED;
CREATE INDEX proposals_search_text ON proposals USING gin (search_text);
CREATE INDEX users_name_search ON users USING gin (to_tsvector('simple'::regconfig, name));
CREATE INDEX co_speakers_accepted ON co_speakers (user_id, proposal_id) WHERE accepted_at IS NOT NULL;

-- The sorted pages walk these instead of sorting the event's proposals.
CREATE INDEX proposals_event_title ON proposals (event_id, lower(title), id);
CREATE INDEX proposals_event_confidence ON proposals (event_id, auto_confidence, id);
