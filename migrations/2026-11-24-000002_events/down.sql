DROP TABLE event_members;
DROP TABLE subtopics;
DROP TABLE tracks;
DROP TABLE events;
