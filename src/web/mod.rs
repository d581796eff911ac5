//! The browser layer: everything that touches `fetch`, timers, JS objects
//! and the DOM. It stays thin; decisions are made by the pure modules.

pub(crate) mod bindings;
#[cfg(feature = "client")]
pub mod client;
pub(crate) mod convert;
pub mod core;
#[cfg(feature = "forms")]
pub mod forms;
#[cfg(feature = "client")]
pub mod paginate;

// With feature `talc` (the npm build): talc instead of the default dlmalloc,
// ~4.9 KB less .wasm (~1.8 KB gzipped) for the same work. Safety:
// `new_global` requires a single-threaded wasm runtime, which a browser main
// thread or worker running this module is (the crate is not built with
// atomics).
#[cfg(feature = "talc")]
#[global_allocator]
static ALLOC: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
