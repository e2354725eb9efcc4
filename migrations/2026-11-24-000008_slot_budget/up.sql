-- The microconference's programme length, in minutes: the budget the accepted talks fill.
ALTER TABLE events ADD COLUMN slot_minutes integer CHECK (slot_minutes BETWEEN 1 AND 100000);
