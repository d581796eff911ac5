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

    /// Cancels what is left of a response's body; never rejects.
    #[wasm_bindgen(js_name = __cancelBody)]
    pub fn cancel_body(res: &web_sys::Response);

    /// A body's text, stopped past `max` bytes (`undefined` then).
    #[wasm_bindgen(js_name = __readCapped)]
    pub fn read_capped(res: &web_sys::Response, max: f64) -> Promise;

    #[wasm_bindgen(js_name = __sleep)]
    pub fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Promise;

    /// A copy of `stored` with `fresh`'s headers set over it.
    #[wasm_bindgen(js_name = __mergeHeaders)]
    pub fn merge_headers(stored: &web_sys::Headers, fresh: &web_sys::Headers) -> web_sys::Headers;

    /// What a list page's body says: `[items, meta, nextCursor, next, page,
    /// lastPage]` (client.js reads its pages with the same function).
    #[cfg(feature = "client")]
    #[wasm_bindgen(js_name = __pageOf)]
    pub fn page_of(body: &JsValue) -> js_sys::Array;
}

#[cfg(feature = "client")]
#[wasm_bindgen(module = "/src/js/citizen.js")]
extern "C" {
    /// Joins the page's `crossTab` channel; the membership to keep.
    #[wasm_bindgen(js_name = __tabsJoin)]
    pub fn tabs_join(hear: &js_sys::Function) -> JsValue;

    /// Tells a note to the other tabs and this page's other clients.
    #[wasm_bindgen(js_name = __tabsTell)]
    pub fn tabs_tell(member: &JsValue, message: &str, keep: bool);

    /// Whether `navigator.onLine` is false.
    #[wasm_bindgen(js_name = __isOffline)]
    pub fn is_offline() -> bool;

    /// Resolves once back online (or after `ms`); rejects when `signal` aborts.
    #[wasm_bindgen(js_name = __waitOnline)]
    pub fn wait_online(ms: Option<f64>, signal: Option<&AbortSignal>) -> Promise;
}

#[cfg(feature = "client")]
#[wasm_bindgen(module = "/src/js/persist.js")]
extern "C" {
    /// A persisted entry: `{ etag, text, headers, size }` or `undefined`.
    #[wasm_bindgen(js_name = __persistLoad)]
    pub fn persist_load(scope: &str, key: &str) -> Promise;

    /// Keeps an entry, within the scope's bounds.
    #[wasm_bindgen(js_name = __persistPut)]
    #[allow(clippy::too_many_arguments)]
    pub fn persist_put(
        scope: &str,
        base: &str,
        key: &str,
        path: &str,
        etag: &str,
        text: &JsValue,
        headers: &web_sys::Headers,
        size: f64,
        max_entries: f64,
        max_bytes: f64,
    ) -> Promise;

    /// Drops persisted entries (kinds as in persist.js).
    #[wasm_bindgen(js_name = __persistForget)]
    pub fn persist_forget(kind: u32, a: &str, b: Option<String>) -> Promise;
}
