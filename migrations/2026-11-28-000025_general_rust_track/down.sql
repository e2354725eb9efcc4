UPDATE tracks SET name = 'Rust' WHERE key = 'rust' AND name = 'General Rust';
