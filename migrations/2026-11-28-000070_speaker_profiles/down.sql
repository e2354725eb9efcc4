DROP TABLE user_photos;
ALTER TABLE users
    DROP COLUMN given_name,
    DROP COLUMN family_name,
    DROP COLUMN affiliation,
    DROP COLUMN bio,
    DROP COLUMN pronouns;
