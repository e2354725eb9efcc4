DROP TABLE tag_corrections;
