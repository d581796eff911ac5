//! The decisions behind the npm package's `Client` (`src/js/client.js`).
//!
//! JavaScript drives each request — `fetch`, timers, signals, reading the
//! body — and asks this object at every fork: which URL, whether the gate
//! holds, what the cache has, whether and how long to retry, which typed
//! error a status and its envelope make, which page comes next. Everything
//! here is synchronous: no futures, no promises, so the `.wasm` carries no
//! async runtime and a request crosses the boundary a handful of times.
//!
//! (Rust frontends use [`crate::Client`], feature `client`, which runs the
//! same decisions in an async loop of its own.)

#[allow(unused_imports)]
use crate::prelude::*;

use crate::cache::{cache_key, partition_key, Cache, CacheOptions};
use crate::envelope::{self, Raw};
use crate::pagination::{next_url, PageMeta, Walk};
use crate::ratelimit::Gate;
use crate::request::{
    append_query, normalise_method, validate_org_id, validate_token, write_affects, BaseUrl,
    ConfigError,
};
use crate::retry::{self, Decision, Failure, RetryHeaders, RetryOptions};
use crate::status::Kind;
use crate::web::convert::{js, opt, text};
use wasm_bindgen::prelude::*;

fn type_error(e: ConfigError) -> JsValue {
    js_sys::TypeError::new(&e.0).into()
}

// Strings cross as `JsValue`s, and string arrays as `Vec<JsValue>`
// (`convert::{opt, text, js}`): a `String`/`&str`/`Option<String>`/
// `Vec<String>` parameter or result makes wasm-bindgen write its own
// marshalling and clean-up code into the JS glue for each one (this file's
// 36 string parameters and 12 results: 1.9 KB gzip of glue and `.wasm` in
// all). client.js has checked every type.

/// One client's state and policy: base URL, identity, retry settings, the
/// rate-limit gate and the ETag cache's bookkeeping (bodies are opaque JS
/// values kept here so eviction and partitioning stay in one place).
#[wasm_bindgen]
pub struct Core {
    base: BaseUrl,
    allow_insecure: bool,
    token: Option<String>,
    org_id: Option<String>,
    partition: String,
    retry: RetryOptions,
    cache: Option<Cache<JsValue>>,
    gate: Gate,
    /// Paths with a write in flight: a GET of them bypasses the cache.
    writing: Vec<String>,
    /// Bumped by every finished write, so a GET that raced it does not store.
    generation: u32,
}

#[wasm_bindgen]
impl Core {
    /// Checks the options' values (JS has checked their types) and builds the
    /// state. `max_entries < 0` turns the cache off.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        base_url: &JsValue,
        token: &JsValue,
        org_id: &JsValue,
        allow_insecure: bool,
        limit: u32,
        base_delay_ms: f64,
        max_delay_ms: f64,
        max_entries: f64,
        max_bytes: f64,
    ) -> Result<Core, JsValue> {
        let base = BaseUrl::parse(&text(base_url)).map_err(type_error)?;
        let mut core = Core {
            base,
            allow_insecure,
            token: None,
            org_id: None,
            partition: String::new(),
            retry: RetryOptions {
                limit,
                base_delay_ms,
                max_delay_ms,
            },
            cache: (max_entries >= 0.0).then(|| {
                Cache::new(CacheOptions {
                    max_entries: max_entries.min(1e9) as usize,
                    max_bytes: max_bytes.clamp(0.0, 1e15) as usize,
                })
            }),
            gate: Gate::new(),
            writing: Vec::new(),
            generation: 0,
        };
        core.set_token(token)?;
        core.set_org_id(org_id)?;
        Ok(core)
    }

    /// Replaces the token (`None` removes it); a refused one keeps the old.
    #[wasm_bindgen(js_name = setToken)]
    pub fn set_token(&mut self, token: &JsValue) -> Result<(), JsValue> {
        let token = opt(token);
        if let Some(t) = &token {
            validate_token(t).map_err(type_error)?;
            if !self.base.is_secure_for_tokens() && !self.allow_insecure {
                return Err(type_error(ConfigError(
                    "projekt-client: refusing to send a token over plain http:// to a remote host; use https:// or pass allowInsecureToken: true".into(),
                )));
            }
        }
        self.token = token;
        self.partition = partition_key(self.token.as_deref(), self.org_id.as_deref());
        Ok(())
    }

    /// Replaces the org id (`None` removes it).
    #[wasm_bindgen(js_name = setOrgId)]
    pub fn set_org_id(&mut self, org_id: &JsValue) -> Result<(), JsValue> {
        let org_id = opt(org_id);
        if let Some(o) = &org_id {
            validate_org_id(o).map_err(type_error)?;
        }
        self.org_id = org_id;
        self.partition = partition_key(self.token.as_deref(), self.org_id.as_deref());
        Ok(())
    }

    /// The base URL requests are joined onto.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> JsValue {
        js(self.base.as_str())
    }

    /// The base URL's origin (network error messages name it).
    #[wasm_bindgen(getter)]
    pub fn origin(&self) -> JsValue {
        js(self.base.origin())
    }

    /// `path` joined onto the base URL, with the query pairs (`[k, v, k, v…]`)
    /// appended; a `TypeError` for a path outside the base URL.
    pub fn url(&self, path: &JsValue, query: Vec<JsValue>) -> Result<JsValue, JsValue> {
        let joined = self.base.join(&text(path)).map_err(type_error)?;
        if query.is_empty() {
            return Ok(js(&joined));
        }
        let mut pairs = Vec::with_capacity(query.len() / 2);
        let mut it = query.iter().map(text);
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            pairs.push((k, v));
        }
        Ok(js(&append_query(&joined, &pairs)))
    }

    /// `url` with any token in it shown as `[redacted]`: what an error,
    /// `onRetry` or a page reports.
    pub fn shown(url: &JsValue) -> JsValue {
        js(&crate::redact::redact_tokens(&text(url)))
    }

    /// The method upper-cased and checked (a `TypeError` when fetch would refuse it).
    pub fn method(method: &JsValue) -> Result<JsValue, JsValue> {
        normalise_method(&text(method))
            .map(|m| js(&m))
            .map_err(type_error)
    }

    /// How long the rate-limit gate holds new attempts, in ms (0: open).
    #[wasm_bindgen(js_name = gateWait)]
    pub fn gate_wait(&self, now: f64) -> f64 {
        self.gate.wait_ms(now)
    }

    /// Learns from a response's rate-limit headers. The gate only holds when
    /// retrying is on and the wait is one a retry would sleep anyway: a
    /// longer wait goes to the caller as `retryAfterMs` instead.
    pub fn observe(
        &mut self,
        status: u16,
        remaining: &JsValue,
        reset: &JsValue,
        retry_after: &JsValue,
        now: f64,
    ) {
        // Checked before any string crosses: with retrying off (or nothing
        // to learn) this call costs no conversion.
        if self.retry.limit == 0 {
            return;
        }
        let (remaining, reset, retry_after) = (opt(remaining), opt(reset), opt(retry_after));
        if status != 429 && remaining.is_none() {
            return;
        }
        let headers = RetryHeaders {
            rate_limit_reset: reset.as_deref(),
            retry_after: retry_after.as_deref(),
        };
        let requested = retry::requested_wait_ms(&headers, now);
        if requested.is_some_and(|w| w <= self.retry.max_delay_ms) {
            self.gate.observe(
                status,
                remaining.as_deref(),
                &headers,
                now,
                self.retry.max_delay_ms,
            );
        }
    }

    /// After attempt `attempts` failed — `failure` is the status, 0 for a
    /// network error, 1 for a timeout — the delay before the next attempt,
    /// or -1 to give up.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &self,
        method: &JsValue,
        has_key: bool,
        failure: u16,
        attempts: u32,
        reset: &JsValue,
        retry_after: &JsValue,
        now: f64,
        random: f64,
    ) -> f64 {
        // Out of attempts (always, with retrying off): no string need cross.
        if retry::exhausted(&self.retry, attempts) {
            return -1.0;
        }
        let (method, reset, retry_after) = (text(method), opt(reset), opt(retry_after));
        let headers = RetryHeaders {
            rate_limit_reset: reset.as_deref(),
            retry_after: retry_after.as_deref(),
        };
        match retry::decide(
            &self.retry,
            &method,
            has_key,
            failure_of(failure),
            attempts,
            &headers,
            now,
            random,
        ) {
            Decision::Retry { delay_ms } => delay_ms,
            Decision::GiveUp => -1.0,
        }
    }

    /// The `kind` a failure (as in [`Core::decide`]) is reported as.
    pub fn reason(failure: u16) -> JsValue {
        js(retry::reason(failure_of(failure)))
    }

    /// Whether a GET of `url` may use the cache now: it is on and no write
    /// to the same resource (or the collection it belongs to) is in flight.
    pub fn cacheable(&self, url: &JsValue) -> bool {
        if self.cache.is_none() {
            return false;
        }
        if self.writing.is_empty() {
            return true; // no string need cross
        }
        let url = text(url);
        let path = crate::request::path_of(&url);
        !self.writing.iter().any(|w| write_affects(w, path))
    }

    /// The key identical concurrent GETs share a run under (identity + URL).
    #[wasm_bindgen(js_name = sharedKey)]
    pub fn shared_key(&self, url: &JsValue) -> JsValue {
        js(&crate::text::concat(&[
            &self.partition,
            "\n",
            &cache_key(&text(url)),
        ]))
    }

    /// The current identity's cache partition (a digest, never the token).
    /// An attempt reads and stores under the partition it started with, so
    /// a body that arrives after `setToken` never lands in the new identity's.
    #[wasm_bindgen(getter)]
    pub fn partition(&self) -> JsValue {
        js(&self.partition)
    }

    /// The stored entry for `url` in `partition` (marked most recently
    /// used), or `undefined`.
    #[wasm_bindgen(js_name = cacheGet)]
    pub fn cache_get(&mut self, partition: &JsValue, url: &JsValue) -> JsValue {
        let (partition, url) = (text(partition), text(url));
        self.cache
            .as_mut()
            .and_then(|c| c.get(&partition, &url))
            .map_or(JsValue::UNDEFINED, |e| e.body.clone())
    }

    /// Stores `entry` for `url` in `partition` under `etag` (`size`: the body's length),
    /// unless a write finished since generation `since` or the response said
    /// `no-store` (`etag` `None` or `store` false): then the old entry goes.
    #[wasm_bindgen(js_name = cachePut)]
    #[allow(clippy::too_many_arguments)]
    pub fn cache_put(
        &mut self,
        partition: &JsValue,
        url: &JsValue,
        etag: &JsValue,
        store: bool,
        entry: JsValue,
        size: f64,
        since: u32,
    ) {
        let (partition, etag) = (text(partition), opt(etag));
        let same = since == self.generation;
        let Some(cache) = self.cache.as_mut() else {
            return;
        };
        let key = cache_key(&text(url));
        match etag {
            Some(tag) if store && same => {
                if !cache.put(&partition, &key, &tag, entry, size as usize) {
                    cache.remove(&partition, &key);
                }
            }
            _ => {
                cache.remove(&partition, &key);
            }
        }
    }

    /// A 401: the current identity's entries go.
    #[wasm_bindgen(js_name = dropIdentity)]
    pub fn drop_identity(&mut self) {
        let partition = &self.partition;
        if let Some(c) = self.cache.as_mut() {
            c.drop_partition(partition);
        }
    }

    /// A write to `url` starts.
    #[wasm_bindgen(js_name = beginWrite)]
    pub fn begin_write(&mut self, url: &JsValue) {
        self.writing
            .push(crate::request::path_of(&text(url)).to_owned());
    }

    /// A write to `url` ended; a successful one invalidates the resource and
    /// its collection.
    #[wasm_bindgen(js_name = endWrite)]
    pub fn end_write(&mut self, url: &JsValue, ok: bool) {
        let url = text(url);
        let path = crate::request::path_of(&url);
        if let Some(i) = self.writing.iter().position(|p| p == path) {
            self.writing.swap_remove(i);
        }
        self.generation = self.generation.wrapping_add(1);
        if ok {
            if let Some(c) = self.cache.as_mut() {
                c.invalidate(&url);
            }
        }
    }

    /// The write generation (see [`Core::cache_put`]).
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Empties the cache.
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&mut self) {
        if let Some(c) = self.cache.as_mut() {
            c.clear();
        }
    }

    /// Entries held by the cache.
    #[wasm_bindgen(getter)]
    pub fn entries(&self) -> u32 {
        self.cache.as_ref().map_or(0, |c| c.len() as u32)
    }

    /// Bytes held by the cache (the stored bodies' JSON length).
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        self.cache.as_ref().map_or(0.0, |c| c.bytes() as f64)
    }

    /// What the typed error for an error status is made of, as JSON text
    /// ([`Error::to_json_parts`](crate::Error::to_json_parts)), for client.js
    /// to construct the error object outside wasm (an `Error` constructed
    /// under a wasm frame costs V8 far more to capture its stack). `error`
    /// is the envelope's `error` member when it is a string; `errors_json`
    /// is `JSON.stringify` of its `errors` member when that is an object
    /// (read for a 422 only, bounded: [`crate::json::parse_raw`]). The
    /// request's method, URL and attempt count are client.js's to add: they
    /// do not cross (the JSON's `method` and `url` are empty, `attempts` 1).
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = httpError)]
    pub fn http_error(
        &self,
        status: u16,
        error: &JsValue,
        errors_json: &JsValue,
        allow: &JsValue,
        reset: &JsValue,
        retry_after: &JsValue,
        now: f64,
    ) -> JsValue {
        if status == 0 {
            // An opaque redirect (fetch's `redirect: "manual"`): nothing else is known.
            return js(&crate::Error::redirect().to_json_parts());
        }
        let (error, errors_json, allow) = (opt(error), opt(errors_json), opt(allow));
        let (reset, retry_after) = (opt(reset), opt(retry_after));
        let error = error.map(Raw::Str);
        let errors = match errors_json {
            Some(json) if Kind::from_status(status) == Some(Kind::Validation) => {
                crate::json::parse_raw(&json)
            }
            _ => Raw::Null,
        };
        let mut err = envelope::to_error(
            status,
            error.as_ref(),
            &errors,
            self.token.as_deref(),
            allow.as_deref(),
        );
        if status == 429 {
            let h = RetryHeaders {
                rate_limit_reset: reset.as_deref(),
                retry_after: retry_after.as_deref(),
            };
            err.retry_after_ms = retry::retry_after_ms_for_error(&h, now);
        }
        js(&err.to_json_parts())
    }
}

/// One walk over a paginated list: which page comes next, and when to stop.
#[wasm_bindgen]
pub struct Pager {
    walk: Walk,
}

#[wasm_bindgen]
impl Pager {
    /// A walk of at most `max_pages` pages.
    #[wasm_bindgen(constructor)]
    pub fn new(max_pages: u32) -> Pager {
        Pager {
            walk: Walk::new(max_pages),
        }
    }

    /// Whether the page at `url` may be fetched (not seen before, under the bound).
    pub fn admit(&mut self, url: &JsValue) -> bool {
        self.walk.admit(&text(url))
    }

    /// The URL of the page after the one from `url`, from its `meta` and
    /// `Link` header; `undefined` when it was the last.
    #[allow(clippy::too_many_arguments)]
    pub fn next(
        url: &JsValue,
        next_cursor: &JsValue,
        next: &JsValue,
        page: Option<f64>,
        last_page: Option<f64>,
        link: &JsValue,
        items: u32,
    ) -> JsValue {
        let meta = PageMeta {
            next_cursor: opt(next_cursor),
            next: opt(next),
            page,
            last_page,
        };
        next_url(&text(url), &meta, opt(link).as_deref(), items as usize)
            .map_or(JsValue::UNDEFINED, |u| js(&u))
    }
}

fn failure_of(code: u16) -> Failure {
    match code {
        0 => Failure::Network,
        1 => Failure::Timeout,
        s => Failure::Status(s),
    }
}
