//! What is collected, one module per kind of evidence.

pub(crate) mod config;
pub(crate) mod live;
pub(crate) mod logs;
pub(crate) mod persistence;
pub(crate) mod recent;
