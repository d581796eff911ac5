//! Imports: the global `fetch` (not `window.fetch`, so workers work too),
//! `AbortSignal` statics, and the error classes and helpers from
//! `src/js/runtime.js` (one module, so an unbundled page makes one request
//! for it, not one per helper).

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, RequestInit};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, wherever the module runs.
    #[wasm_bindgen(js_name = fetch)]
    pub fn global_fetch(input: &str, init: &RequestInit) -> Promise;

    #[wasm_bindgen(js_namespace = AbortSignal, js_name = timeout)]
    pub fn abort_signal_timeout(ms: f64) -> AbortSignal;

    #[wasm_bindgen(js_namespace = AbortSignal, js_name = any)]
    pub fn abort_signal_any(signals: &Array) -> AbortSignal;

    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn date_now() -> f64;

    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    pub fn math_random() -> f64;

    #[wasm_bindgen(js_name = String, catch)]
    pub fn js_string(value: &JsValue) -> Result<String, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(js_name = __makeError)]
    pub fn make_error(
        kind: &str,
        status: u16,
        message: &str,
        method: &str,
        url: &str,
        attempts: u32,
        extra: &Object,
    ) -> JsValue;

    /// A body's text, stopped past `max` bytes (`undefined` then).
    #[wasm_bindgen(js_name = __readCapped)]
    pub fn read_capped(res: &web_sys::Response, max: f64) -> Promise;

    #[wasm_bindgen(js_name = __sleep)]
    pub fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Promise;

    /// A copy of `stored` with `fresh`'s headers set over it.
    #[wasm_bindgen(js_name = __mergeHeaders)]
    pub fn merge_headers(stored: &web_sys::Headers, fresh: &web_sys::Headers) -> web_sys::Headers;
}
