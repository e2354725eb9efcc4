//! Who is calling (sessions, bearer tokens) and what they may do (one policy per resource).

mod identity;
pub mod password;
pub mod policy;
pub mod session;

pub use identity::{AdminUser, Credential, CurrentUser, MaybeUser};
