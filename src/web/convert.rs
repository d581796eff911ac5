//! Conversions between JS values and the pure modules' plain data.

#[allow(unused_imports)]
use crate::prelude::*;

#[cfg(feature = "client")]
use crate::envelope::{self, Raw, MAX_DEPTH, MAX_FIELDS};
use crate::error::Error;
#[cfg(feature = "client")]
use crate::status::Kind;
use crate::web::bindings;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
#[cfg(feature = "client")]
use wasm_bindgen::JsCast;

/// `obj[key]`, `undefined` on any failure (getters may throw).
#[cfg(feature = "client")]
pub(crate) fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Sets an own data property (never a prototype setter, even for `__proto__`).
/// A string argument from JS: `None` for `null`, `undefined` or anything
/// that is not a string (one shared `as_string`, no per-parameter glue).
pub(crate) fn opt(v: &JsValue) -> Option<String> {
    v.as_string()
}

/// A string argument from JS, `""` for anything that is not a string.
pub(crate) fn text(v: &JsValue) -> String {
    v.as_string().unwrap_or_default()
}

/// A string result for JS.
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

/// Converts the `errors` member of a parsed envelope, bounded in size and depth.
#[cfg(feature = "client")]
pub(crate) fn to_raw(value: &JsValue, depth: usize, budget: &mut usize) -> Raw {
    if *budget == 0 {
        return Raw::Null;
    }
    *budget -= 1;
    if let Some(s) = value.as_string() {
        return Raw::Str(s);
    }
    if let Some(n) = value.as_f64() {
        return Raw::Num(n);
    }
    if depth > MAX_DEPTH || !value.is_object() {
        return Raw::Null;
    }
    if Array::is_array(value) {
        let arr: &Array = value.unchecked_ref();
        let len = arr.length().min(MAX_FIELDS as u32);
        return Raw::List(
            (0..len)
                .map(|i| to_raw(&arr.get(i), depth + 1, budget))
                .collect(),
        );
    }
    let obj: &Object = value.unchecked_ref();
    let keys = Object::keys(obj);
    let len = keys.length().min(MAX_FIELDS as u32);
    let mut members = Vec::with_capacity(len as usize);
    for i in 0..len {
        let key = keys.get(i);
        if let Some(k) = key.as_string() {
            let v = Reflect::get(obj, &key).unwrap_or(JsValue::UNDEFINED);
            members.push((k, to_raw(&v, depth + 1, budget)));
        }
    }
    Raw::Map(members)
}

/// The typed error an error status makes from its (untrusted) parsed body:
/// the envelope's `error` text (the token redacted) or a message made from
/// the status, and per class the field map, the forbidden reason or the
/// `Allow` methods. The caller adds the request, attempts and headers.
#[cfg(feature = "client")]
pub(crate) fn envelope_error(
    status: u16,
    parsed: &JsValue,
    token: Option<&str>,
    allow: Option<&str>,
) -> Error {
    let error = get(parsed, "error").as_string().map(Raw::Str);
    let errors = if Kind::from_status(status) == Some(Kind::Validation) {
        let mut budget = crate::json::BUDGET;
        to_raw(&get(parsed, "errors"), 0, &mut budget)
    } else {
        Raw::Null
    };
    envelope::to_error(status, error.as_ref(), &errors, token, allow)
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
    /// What the failure came from, when JS gave one: the `fetch` rejection
    /// of a network error, the signal's reason of an abort, the exception an
    /// `update` change function threw. `undefined` otherwise.
    pub fn cause(&self) -> &JsValue {
        &self.cause
    }

    /// The JS error object for this error: a real `Error` subclass instance
    /// with `name`, `kind`, `status`, `message`, `method`, `url`, `attempts`
    /// and the class-specific fields. Input errors (a bad path or option)
    /// become a plain `TypeError`; an exception thrown by the caller's own
    /// code (an `update` change function) is passed back unchanged.
    pub fn to_js(&self) -> JsValue {
        if self.rethrow {
            return self.cause.clone();
        }
        if self.invalid_input {
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
        if !self.cause.is_undefined() {
            put(&extra, "cause", &self.cause);
        }
        if !self.data.is_undefined() {
            put(&extra, "data", &self.data);
        }
        if !self.headers.is_undefined() {
            put(&extra, "headers", &self.headers);
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
