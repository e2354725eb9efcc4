-- The second default track was named a bare "Rust", which reads as the language rather than the
-- track; events still carrying that default name get the new one (renamed tracks are left alone).
UPDATE tracks SET name = 'General Rust' WHERE key = 'rust' AND name = 'Rust';
