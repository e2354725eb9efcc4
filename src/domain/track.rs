//! The two tracks of the Rust microconference and their default subtopics.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Track {
    RustForLinux,
    Rust,
}

impl Track {
    pub fn key(self) -> &'static str {
        match self {
            Track::RustForLinux => "rust-for-linux",
            Track::Rust => "rust",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Track::RustForLinux => "Rust for Linux",
            // Not a bare "Rust": every talk here is about Rust; this is the non-kernel one.
            Track::Rust => "General Rust",
        }
    }

    /// The track a `name()` names, also the bare "Rust" of evidence stored before the rename.
    pub fn from_name(name: &str) -> Option<Track> {
        match name {
            "Rust for Linux" => Some(Track::RustForLinux),
            "General Rust" | "Rust" => Some(Track::Rust),
            _ => None,
        }
    }

    pub fn from_key(key: &str) -> Option<Track> {
        match key {
            "rust-for-linux" => Some(Track::RustForLinux),
            "rust" => Some(Track::Rust),
            _ => None,
        }
    }
}

pub struct Subtopic {
    pub key: &'static str,
    pub name: &'static str,
    pub track: Track,
}

/// The default tracks' subtopics, from the seed CfP (both tracks). Keys are lowercase-kebab.
pub const SUBTOPICS: &[Subtopic] = &[
    Subtopic {
        key: "kernel-status",
        name: "Rust in the kernel: status and next steps",
        track: Track::RustForLinux,
    },
    Subtopic {
        key: "drivers-and-subsystems",
        name: "Use cases: subsystems, drivers and other modules",
        track: Track::RustForLinux,
    },
    Subtopic {
        key: "abstractions-api-design",
        name: "Safe abstractions, API design and coding guidelines",
        track: Track::RustForLinux,
    },
    Subtopic {
        key: "kernel-infrastructure",
        name: "Integration with kernel infrastructure: build system, documentation, testing and CI, maintenance, unstable features, architecture support, stable/LTS releases, Rust versioning, third-party crates",
        track: Track::RustForLinux,
    },
    Subtopic {
        key: "subprojects",
        name: "Subprojects (klint, pin-init...)",
        track: Track::RustForLinux,
    },
    Subtopic {
        key: "language-and-std",
        name: "Language and standard library: upcoming features, stabilization, memory model",
        track: Track::Rust,
    },
    Subtopic {
        key: "compilers-and-codegen",
        name: "Compilers and codegen: rustc, LLVM, rustc_codegen_gcc, Rust GCC",
        track: Track::Rust,
    },
    Subtopic {
        key: "tooling",
        name: "Other tooling and new ideas: bindgen, Cargo, Miri, Clippy, Compiler Explorer, Coccinelle for Rust",
        track: Track::Rust,
    },
    Subtopic {
        key: "education",
        name: "Educational material",
        track: Track::Rust,
    },
    Subtopic {
        key: "linux-ecosystem",
        name: "Any other Rust topic within the Linux ecosystem",
        track: Track::Rust,
    },
];
