DROP TABLE pending_forms;
DROP TABLE proposal_drafts;
