//! The browser suites, as one test binary: wasm-bindgen-test-runner starts a
//! browser per binary, and a browser start is most of the run's time.
//! `scripts/test` runs it in headless Chromium and in Firefox.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

mod builder;
mod citizen;
mod client;
mod forms;
mod lifecycle;
mod scope;
