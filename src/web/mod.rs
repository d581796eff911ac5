//! The browser layer: everything that touches `fetch`, timers, JS objects
//! and the DOM. It stays thin; decisions are made by the pure modules.

pub(crate) mod bindings;
#[cfg(feature = "client")]
pub mod builder;
#[cfg(feature = "client")]
pub mod client;
pub(crate) mod convert;
#[cfg(feature = "client")]
mod drive;
#[cfg(feature = "npm")]
pub mod engine;
#[cfg(feature = "forms")]
pub mod forms;
#[cfg(feature = "client")]
pub mod options;
#[cfg(feature = "client")]
pub mod paginate;

// With feature `lol-alloc` (the npm build): lol_alloc's free-list allocator
// instead of the default dlmalloc, a fraction of its `.wasm` (see
// Cargo.toml). Safety: `AssumeSingleThreaded` requires that the allocator is
// never used from two threads, which holds for a browser main thread or
// worker running this module (the crate is not built with atomics).
#[cfg(feature = "lol-alloc")]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
