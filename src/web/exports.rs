//! The JavaScript surface: the `Client` class. (The error classes and guards
//! come from `src/js/runtime.js`; the package's `index.js` lists every export.)

use crate::cache::CacheOptions;
use crate::error::Error;
use crate::request::ConfigError;
use crate::retry::RetryOptions;
use crate::web::client::{CacheMode, Client, ClientOptions, Request, Response};
use crate::web::convert::{absent, get, put};
use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

fn config(e: ConfigError) -> JsValue {
    type_error(&e.0)
}

/// The Projekt API client for JavaScript.
///
/// ```js
/// import { Client, isValidationError } from "projekt-client";
/// const client = new Client({ baseUrl: "https://api.example.test/v1", token: "pjk_live_…" });
/// const issue = await client.get("/issues/7");
/// ```
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    client: Client,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// `new Client({ baseUrl, token, orgId, timeoutMs, totalTimeoutMs, retry, cache, onRetry, onUnauthorized, allowInsecureToken })`.
    /// Refuses bad options with a `TypeError` that says what is wrong (never echoing the token).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> Result<JsClient, JsValue> {
        if !options.is_object() {
            return Err(type_error(
                "projekt-client: new Client(options) needs an options object with a baseUrl",
            ));
        }
        let base_url = get(options, "baseUrl");
        let Some(base_url) = base_url.as_string() else {
            return Err(type_error(if absent(&base_url) {
                "projekt-client: baseUrl is required (e.g. \"https://api.example.com/v1\")"
            } else {
                "projekt-client: baseUrl must be a string"
            }));
        };
        let mut opts = ClientOptions::new(base_url);
        opts.token = opt_string(options, "token", "token")?;
        opts.org_id = opt_string(options, "orgId", "orgId")?;
        if let Some(t) = opt_number(options, "timeoutMs")? {
            opts.timeout_ms = if t == 0.0 || t.is_infinite() {
                None
            } else {
                Some(t)
            };
        }
        opts.total_timeout_ms =
            opt_number(options, "totalTimeoutMs")?.filter(|t| *t > 0.0 && t.is_finite());
        opts.retry = retry_options(&get(options, "retry"))?;
        opts.cache = cache_options(&get(options, "cache"))?;
        opts.on_retry = opt_function(options, "onRetry")?;
        opts.on_unauthorized = opt_function(options, "onUnauthorized")?;
        opts.allow_insecure_token = get(options, "allowInsecureToken").is_truthy();
        Client::new(opts)
            .map(|client| JsClient { client })
            .map_err(config)
    }

    /// GET `path`; resolves the parsed JSON body (`undefined` when empty).
    pub fn get(&self, path: JsValue, options: JsValue) -> Promise {
        self.send("GET", path, None, options, false)
    }

    /// POST a JSON body; resolves the created resource.
    pub fn post(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.send("POST", path, Some(body), options, false)
    }

    /// PUT a JSON body.
    pub fn put(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.send("PUT", path, Some(body), options, false)
    }

    /// PATCH a JSON body.
    pub fn patch(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.send("PATCH", path, Some(body), options, false)
    }

    /// DELETE `path`; resolves `undefined` for a 204.
    pub fn delete(&self, path: JsValue, options: JsValue) -> Promise {
        self.send("DELETE", path, None, options, false)
    }

    /// `request({ method, path, query, body, headers, signal, cache })` resolves
    /// `{ status, data, headers, etag, fromCache, attempts }`.
    pub fn request(&self, options: JsValue) -> Promise {
        if !options.is_object() {
            return Promise::reject(&type_error(
                "projekt-client: request(options) needs an object with a path",
            ));
        }
        let method = get(&options, "method");
        let method = if absent(&method) {
            "GET".to_string()
        } else {
            match method.as_string() {
                Some(m) => m,
                None => {
                    return Promise::reject(&type_error("projekt-client: method must be a string"))
                }
            }
        };
        let body = get(&options, "body");
        self.send(&method, get(&options, "path"), Some(body), options, true)
    }

    /// `paginate(path, { query, signal, maxPages })`: an async iterable of the
    /// list's items, and `.pages()` for whole pages `{ data, meta, url }`.
    ///
    /// ```js
    /// for await (const issue of client.paginate("/issues", { query: { state: "open" } })) {
    ///   if (issue.id === wanted) break; // no further page is fetched
    /// }
    /// ```
    pub fn paginate(&self, path: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let Some(path) = path.as_string() else {
            return Err(type_error(
                "projekt-client: path must be a string such as \"/issues\"",
            ));
        };
        let query = if absent(&options) {
            Vec::new()
        } else {
            query_pairs(&get(&options, "query"))?
        };
        let walker = crate::web::paginate::walker(&self.client, path, query, &options)?;
        Ok(crate::web::bindings::pager(walker))
    }

    /// `update(path, change, { attempts, method, signal })`: read with the
    /// ETag, write `await change(current)` with `If-Match`; on 409/412 read
    /// again and reapply, up to `attempts` (3) times, then reject with the
    /// last `ConflictError`.
    pub fn update(&self, path: JsValue, change: JsValue, options: JsValue) -> Promise {
        let Some(path) = path.as_string() else {
            return Promise::reject(&type_error("projekt-client: path must be a string"));
        };
        let Ok(change) = change.dyn_into::<Function>() else {
            return Promise::reject(&type_error(
                "projekt-client: update needs a change function",
            ));
        };
        let attempts = get(&options, "attempts")
            .as_f64()
            .filter(|n| *n >= 1.0)
            .map_or(3, |n| n.min(100.0) as u32);
        let method = get(&options, "method")
            .as_string()
            .unwrap_or_else(|| "PUT".into())
            .to_ascii_uppercase();
        if method != "PUT" && method != "PATCH" {
            return Promise::reject(&type_error(
                "projekt-client: update's method must be PUT or PATCH",
            ));
        }
        let signal = get(&options, "signal").dyn_into::<AbortSignal>().ok();
        let client = self.client.clone();
        future_to_promise(async move {
            client
                .update(&path, &change, &method, attempts, signal)
                .await
                .map_err(|e| e.to_js())
        })
    }

    /// Replaces the token (`null` removes it). A refused token keeps the previous one.
    #[wasm_bindgen(js_name = setToken)]
    pub fn set_token(&self, token: JsValue) -> Result<(), JsValue> {
        if absent(&token) {
            return self.client.set_token(None).map_err(config);
        }
        match token.as_string() {
            Some(t) => self.client.set_token(Some(&t)).map_err(config),
            None => Err(type_error("projekt-client: token must be a string")),
        }
    }

    /// Replaces the org id (`null` clears it; `''` is refused).
    #[wasm_bindgen(js_name = setOrgId)]
    pub fn set_org_id(&self, org_id: JsValue) -> Result<(), JsValue> {
        if absent(&org_id) {
            return self.client.set_org_id(None).map_err(config);
        }
        match org_id.as_string() {
            Some(o) => self.client.set_org_id(Some(&o)).map_err(config),
            None => Err(type_error("projekt-client: orgId must be a string UUID")),
        }
    }

    /// Empties the ETag cache.
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&self) {
        self.client.clear_cache();
    }

    /// `{ entries, bytes }` held by the ETag cache now.
    #[wasm_bindgen(js_name = cacheStats)]
    pub fn cache_stats(&self) -> JsValue {
        let o = Object::new();
        put(
            &o,
            "entries",
            &JsValue::from(self.client.cache_len() as u32),
        );
        put(
            &o,
            "bytes",
            &JsValue::from(self.client.cache_bytes() as f64),
        );
        o.into()
    }

    /// The base URL requests are joined onto.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_string()
    }
}

impl JsClient {
    /// The Rust client behind this JS object.
    pub fn inner(&self) -> &Client {
        &self.client
    }

    fn send(
        &self,
        method: &str,
        path: JsValue,
        body: Option<JsValue>,
        options: JsValue,
        full: bool,
    ) -> Promise {
        let req = match build_request(method, &path, body, &options) {
            Ok(r) => r,
            Err(e) => return Promise::reject(&e),
        };
        let client = self.client.clone();
        future_to_promise(async move {
            match client.request(req).await {
                Ok(resp) if full => Ok(response_object(resp)),
                Ok(resp) => Ok(resp.data),
                Err(e) => Err(e.to_js()),
            }
        })
    }
}

fn build_request(
    method: &str,
    path: &JsValue,
    body: Option<JsValue>,
    options: &JsValue,
) -> Result<Request, JsValue> {
    let Some(path) = path.as_string() else {
        return Err(type_error(
            "projekt-client: path must be a string such as \"/issues\"",
        ));
    };
    let mut req = Request::new(method, &path);
    req.body = body.filter(|b| !b.is_undefined());
    if absent(options) {
        return Ok(req);
    }
    if !options.is_object() {
        return Err(type_error("projekt-client: options must be an object"));
    }
    req.query = query_pairs(&get(options, "query"))?;
    let headers = get(options, "headers");
    if !absent(&headers) {
        req.headers = Some(headers);
    }
    let signal = get(options, "signal");
    if !absent(&signal) {
        match signal.dyn_into::<AbortSignal>() {
            Ok(s) => req.signal = Some(s),
            Err(_) => return Err(type_error("projekt-client: signal must be an AbortSignal")),
        }
    }
    let cache = get(options, "cache");
    if !absent(&cache) {
        req.cache = cache
            .as_string()
            .and_then(|c| CacheMode::parse(&c))
            .ok_or_else(|| type_error("projekt-client: cache must be \"default\", \"no-cache\", \"reload\", \"no-store\" or \"force-cache\""))?;
    }
    Ok(req)
}

/// Query values: strings, numbers, booleans and bigints as text, `Date` as
/// ISO text, arrays as repeated keys; `undefined` and `null` are left out.
fn query_pairs(query: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if absent(query) {
        return Ok(Vec::new());
    }
    if !query.is_object() {
        return Err(type_error(
            "projekt-client: query must be an object or URLSearchParams",
        ));
    }
    let entries: Array = if is_url_search_params(query) {
        Array::from(query)
    } else {
        Object::entries(query.unchecked_ref())
    };
    let mut pairs = Vec::new();
    for entry in entries.iter() {
        let entry: Array = entry.unchecked_into();
        let Some(key) = entry.get(0).as_string() else {
            continue;
        };
        let value = entry.get(1);
        if Array::is_array(&value) {
            for v in Array::from(&value).iter() {
                if let Some(s) = query_value(&v) {
                    pairs.push((key.clone(), s));
                }
            }
        } else if let Some(s) = query_value(&value) {
            pairs.push((key, s));
        }
    }
    Ok(pairs)
}

fn is_url_search_params(v: &JsValue) -> bool {
    let ctor = get(v, "constructor");
    get(&ctor, "name").as_string().as_deref() == Some("URLSearchParams")
}

fn query_value(v: &JsValue) -> Option<String> {
    if absent(v) {
        return None;
    }
    if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        return Some(String::from(d.to_iso_string()));
    }
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    // Numbers, booleans, bigints and anything else: JavaScript's own `String(v)`.
    crate::web::bindings::js_string(v).ok()
}

fn response_object(resp: Response) -> JsValue {
    let o = Object::new();
    put(&o, "status", &JsValue::from(resp.status));
    put(&o, "data", &resp.data);
    put(&o, "headers", &resp.headers);
    put(
        &o,
        "etag",
        &resp
            .etag
            .map(|e| JsValue::from_str(&e))
            .unwrap_or(JsValue::NULL),
    );
    put(&o, "fromCache", &JsValue::from_bool(resp.from_cache));
    put(&o, "attempts", &JsValue::from(resp.attempts));
    o.into()
}

fn opt_string(options: &JsValue, key: &str, label: &str) -> Result<Option<String>, JsValue> {
    let v = get(options, key);
    if absent(&v) {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| type_error(&format!("projekt-client: {label} must be a string")))
}

fn opt_number(options: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    let v = get(options, key);
    if absent(&v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n >= 0.0 => Ok(Some(n)),
        _ => Err(type_error(&format!(
            "projekt-client: {key} must be a number of milliseconds ≥ 0"
        ))),
    }
}

fn opt_function(options: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    let v = get(options, key);
    if absent(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|_| type_error(&format!("projekt-client: {key} must be a function")))
}

fn retry_options(v: &JsValue) -> Result<RetryOptions, JsValue> {
    let mut r = RetryOptions::default();
    if absent(v) || *v == JsValue::TRUE {
        return Ok(r);
    }
    if *v == JsValue::FALSE {
        return Ok(RetryOptions::disabled());
    }
    if !v.is_object() {
        return Err(type_error(
            "projekt-client: retry must be false or { limit, baseDelayMs, maxDelayMs }",
        ));
    }
    if let Some(n) = opt_number(v, "limit")? {
        if n.fract() != 0.0 || n > 100.0 {
            return Err(type_error(
                "projekt-client: retry.limit must be a whole number from 0 to 100",
            ));
        }
        r.limit = n as u32;
    }
    if let Some(n) = opt_number(v, "baseDelayMs")? {
        r.base_delay_ms = n;
    }
    if let Some(n) = opt_number(v, "maxDelayMs")? {
        r.max_delay_ms = n;
    }
    Ok(r)
}

fn cache_options(v: &JsValue) -> Result<Option<CacheOptions>, JsValue> {
    let mut c = CacheOptions::default();
    if absent(v) || *v == JsValue::TRUE {
        return Ok(Some(c));
    }
    if *v == JsValue::FALSE {
        return Ok(None);
    }
    if !v.is_object() {
        return Err(type_error(
            "projekt-client: cache must be false or { maxEntries, maxBytes }",
        ));
    }
    if let Some(n) = opt_number(v, "maxEntries")? {
        c.max_entries = n.min(1e9) as usize;
    }
    if let Some(n) = opt_number(v, "maxBytes")? {
        c.max_bytes = n.min(1e15) as usize;
    }
    Ok(Some(c))
}

/// Rust-side conversion for callers that hold an [`Error`] and need the JS object.
pub fn error_to_js(e: &Error) -> JsValue {
    e.to_js()
}
