DELETE FROM decision_audit WHERE action = 'promote';
ALTER TABLE decision_audit DROP CONSTRAINT decision_audit_action_check;
ALTER TABLE decision_audit ADD CONSTRAINT decision_audit_action_check
    CHECK (action IN ('decide', 'release', 'confirm', 'decline'));
DROP TABLE vacancies;
DROP TABLE confirmation_reminders;
DROP TABLE event_confirmations;
