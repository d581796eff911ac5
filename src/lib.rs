//! A typed, retrying, caching client for the Projekt REST API, for browsers.
//!
//! The crate has two halves. The decision logic — which class a status is,
//! what an error envelope says, whether and when to retry, what the ETag
//! cache holds, which form control a server key names — is plain Rust in
//! target-independent modules, tested natively. The [`web`] layer (wasm32
//! only) moves bytes between those decisions and the browser: `fetch`,
//! timers, `AbortSignal`, JS error objects and the DOM.
//!
//! From JavaScript the package is `projekt-client` on npm (see the README);
//! from Rust frontends (Yew, Leptos, Dioxus) use [`Client`]:
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # async fn demo() -> Result<(), projekt_client::Error> {
//! use projekt_client::{Client, ClientOptions};
//! let client = Client::new(ClientOptions {
//!     token: Some("pjk_live_example".into()),
//!     ..ClientOptions::new("https://api.example.test/v1")
//! }).expect("valid options");
//! let issue = client.get("/issues/7").await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
// `Error` is plain data (its body, headers and cause as Rust values, so it is
// `Send + Sync`): larger than clippy's threshold for an `Err`, on paths that
// are cold by definition.
#![allow(clippy::result_large_err)]
// The npm build (features `panic-trap` without `std`, on wasm32) is
// `no_std` + `alloc`: std's panic handler, which formats the message, is
// then not linked. Any other build links std, so an app that depends on the
// crate (with or without its default features) keeps std's handler.
#![cfg_attr(
    all(
        feature = "panic-trap",
        not(feature = "std"),
        not(test),
        target_arch = "wasm32"
    ),
    no_std
)]

extern crate alloc;

/// The `alloc` names std's prelude would give, for the `no_std` build.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

// A panic cannot happen on purpose here (every input has a typed error), and
// if one did, wasm traps either way; this handler only keeps the formatting
// machinery of std's handler out of the `.wasm`.
#[cfg(all(
    feature = "panic-trap",
    not(feature = "std"),
    not(test),
    target_arch = "wasm32"
))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

// The rules the engine applies, public for the fuzz targets and the npm
// build's bindings but not part of the crate's promise: what users need is
// re-exported below, and these may change in any release.
#[doc(hidden)]
pub mod cache;
#[doc(hidden)]
pub mod date;
#[doc(hidden)]
pub mod engine;
#[doc(hidden)]
pub mod envelope;
mod error;
#[doc(hidden)]
pub mod fields;
#[doc(hidden)]
pub mod json;
mod num;
#[cfg(feature = "client")]
mod options;
#[doc(hidden)]
pub mod pagination;
#[doc(hidden)]
pub mod params;
#[doc(hidden)]
pub mod ratelimit;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod request;
#[doc(hidden)]
pub mod retry;
#[doc(hidden)]
pub mod scope;
#[doc(hidden)]
pub mod status;
#[doc(hidden)]
pub mod tabs;
mod text;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod web;

pub use cache::CacheOptions;
pub use error::Error;
pub use request::ConfigError;
pub use retry::RetryOptions;
pub use status::Kind;

pub use engine::CacheMode;
#[cfg(feature = "client")]
pub use options::{ClientOptions, OnRetry, OnUnauthorized, RetryInfo, TokenFuture};
#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub use web::client::{Client, Request, RequestBuilder, Response};
#[cfg(all(target_arch = "wasm32", feature = "forms"))]
pub use web::forms::{bind_errors, clear_errors, field_messages};
#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub use web::paginate::{Items, Page, Pages};

/// `template` with each `{name}` filled from `params`, each value
/// percent-encoded as one path segment (a `/` in a value stays inside its
/// segment); a `{name}` without a value, or an empty or dot (`.`, `..`)
/// value, is a [`ConfigError`]. What [`RequestBuilder::path_param`] does,
/// for the calls that take a finished path, such as `Client::paginate`.
/// Works on every target.
///
/// ```
/// let path = projekt_client::fill_path("/orgs/{org}/issues", &[("org", "acme co")]).unwrap();
/// assert_eq!(path, "/orgs/acme%20co/issues");
/// assert!(projekt_client::fill_path("/issues/{id}", &[]).is_err());
/// ```
///
/// [`RequestBuilder::path_param`]: https://docs.rs/projekt-client/latest/projekt_client/struct.RequestBuilder.html#method.path_param
pub fn fill_path(
    template: &str,
    params: &[(&str, &str)],
) -> Result<alloc::string::String, ConfigError> {
    params::fill(template, params)
}
