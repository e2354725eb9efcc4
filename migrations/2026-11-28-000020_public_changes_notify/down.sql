DROP TRIGGER events_notify_public_change ON events;
DROP FUNCTION notify_public_change();
