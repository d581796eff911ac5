//! What code for any target (a Leptos SSR or Dioxus fullstack crate) can
//! name without wasm32: the error, its kinds, and the client's options.
#![cfg(not(target_arch = "wasm32"))]

use projekt_client::{CacheMode, ClientOptions, Error, Kind, RetryInfo};
use std::time::Duration;

fn plain_data<T: Send + Sync + Clone + 'static>() {}

#[test]
fn the_error_is_plain_data_a_framework_can_hold() {
    plain_data::<Error>();
    let e = Error::new(Kind::Validation, 422, "Validation failed");
    let shown = format!("{e}");
    assert!(shown.contains("Validation failed"), "{shown}");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e.clone());
    assert!(boxed.to_string().contains("Validation failed"));
    assert!(e.is_validation() && e.is_http() && e.body().is_none() && e.headers().is_empty());
}

#[test]
fn the_options_build_natively() {
    let options = ClientOptions {
        token: Some("pjk_live_x".into()),
        timeout: Some(Duration::from_secs(3)),
        ..ClientOptions::new("https://api.example.test/v1")
    }
    .with_on_retry(|info: &RetryInfo| assert!(info.attempt >= 2))
    .with_on_unauthorized(|| async { None });
    assert!(options.on_retry.is_some() && options.on_unauthorized.is_some());
    let shown = format!("{options:?}");
    assert!(
        !shown.contains("pjk_live_x"),
        "Debug shows no token: {shown}"
    );
    assert_eq!(CacheMode::parse("reload"), Some(CacheMode::Reload));
}
