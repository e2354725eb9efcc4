//! Review: the algorithms behind reviewer assignment and the calibrated ranking. The routes,
//! pages and tables that use them arrive with the review issue; these are pure and tested now.

pub mod assignment;
pub mod ranking;
