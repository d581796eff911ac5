//! Conversions between JS values and the pure modules' plain data.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::Error;
use crate::web::bindings;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

/// `obj[key]`, `undefined` on any failure (getters may throw).
#[cfg(feature = "client")]
pub(crate) fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A string argument from JS: `None` for `null`, `undefined` or anything
/// that is not a string (one shared `as_string`, no per-parameter glue).
#[cfg(feature = "npm")]
pub(crate) fn opt(v: &JsValue) -> Option<String> {
    v.as_string()
}

/// A string argument from JS, `""` for anything that is not a string.
#[cfg(any(feature = "npm", feature = "forms"))]
pub(crate) fn text(v: &JsValue) -> String {
    v.as_string().unwrap_or_default()
}

/// A string result for JS.
#[cfg(feature = "npm")]
pub(crate) fn js(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub(crate) fn set(obj: &Object, key: &str, value: &JsValue) {
    let desc = Object::new();
    let _ = Reflect::set(&desc, &"value".into(), value);
    let _ = Reflect::set(&desc, &"enumerable".into(), &JsValue::TRUE);
    let _ = Reflect::set(&desc, &"writable".into(), &JsValue::TRUE);
    let _ = Reflect::set(&desc, &"configurable".into(), &JsValue::TRUE);
    let _ = Reflect::define_property(obj, &JsValue::from_str(key), &desc);
}

/// A plain property set for keys we control.
pub(crate) fn put(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// The plain `fieldErrors` object handed to JavaScript.
pub(crate) fn field_errors_object(fields: &[(String, Vec<String>)]) -> Object {
    let obj = Object::new();
    for (key, messages) in fields {
        let list: Array = messages.iter().map(|m| JsValue::from_str(m)).collect();
        set(&obj, key, &list);
    }
    obj
}

impl Error {
    /// The error body parsed as JSON (`undefined` when there was none or it
    /// is not JSON).
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) {
    /// if let Err(e) = client.get("/issues/7").await {
    ///     let body = e.data(); // e.g. { error: "Not found" }
    ///     web_sys::console::log_1(&body);
    /// }
    /// # }
    /// ```
    pub fn data(&self) -> JsValue {
        match &self.body {
            Some(b) => bindings::json_parse(&JsValue::from_str(b)).unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        }
    }

    /// The JS error object for this error: a real `Error` subclass instance
    /// with `name`, `kind`, `status`, `message`, `method`, `url`, `attempts`
    /// and the class-specific fields. Input errors (a bad path or option)
    /// become a plain `TypeError`.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), wasm_bindgen::JsValue> {
    /// // Hand the error to JS code that narrows with the package's guards.
    /// let result = client.get("/issues/7").await.map_err(|e| e.to_js())?;
    /// # let _ = result; Ok(()) }
    /// ```
    pub fn to_js(&self) -> JsValue {
        if self.is_invalid_input() {
            return js_sys::TypeError::new(&self.message).into();
        }
        bindings::make_error(
            self.kind.as_str(),
            self.status,
            &self.message,
            &self.method,
            &self.url,
            self.attempts,
            &self.extra(),
        )
    }

    /// What the JS error class takes beside the message, as a plain object:
    /// the class-specific fields, `cause`, `data`, `headers` and `delays`.
    fn extra(&self) -> Object {
        let extra = Object::new();
        use crate::status::Kind;
        match self.kind {
            Kind::Validation => put(
                &extra,
                "fieldErrors",
                &field_errors_object(&self.field_errors),
            ),
            Kind::Forbidden => put(
                &extra,
                "reason",
                &self.reason.map(JsValue::from_str).unwrap_or(JsValue::NULL),
            ),
            Kind::MethodNotAllowed => {
                let list: Array = self.allow.iter().map(|m| JsValue::from_str(m)).collect();
                put(&extra, "allow", &list);
            }
            Kind::RateLimited => put(
                &extra,
                "retryAfterMs",
                &self
                    .retry_after_ms
                    .map(JsValue::from_f64)
                    .unwrap_or(JsValue::NULL),
            ),
            _ => {}
        }
        if let Some(c) = &self.cause {
            put(&extra, "cause", &JsValue::from_str(c));
        }
        let data = self.data();
        if !data.is_undefined() {
            put(&extra, "data", &data);
        }
        if !self.headers.is_empty() {
            if let Ok(h) = web_sys::Headers::new() {
                for (n, v) in &self.headers {
                    let _ = h.append(n, v);
                }
                put(&extra, "headers", &h);
            }
        }
        let delays: Array = self
            .delays_ms
            .iter()
            .map(|d| JsValue::from_f64(*d))
            .collect();
        put(&extra, "delays", &delays);
        extra
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        e.to_js()
    }
}
