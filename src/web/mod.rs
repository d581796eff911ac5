//! The browser layer: everything that touches `fetch`, timers, JS objects
//! and the DOM. It stays thin; decisions are made by the pure modules.

pub(crate) mod bindings;
pub mod client;
pub(crate) mod convert;
pub mod exports;
#[cfg(feature = "forms")]
pub mod forms;
pub mod paginate;
