//! The client: one request loop (gate → attempt → classify → retry or
//! finish) around the browser's `fetch`, with the ETag cache in front.

use crate::cache::{cache_key, partition_key, Cache, CacheOptions};
use crate::error::Error;
use crate::ratelimit::Gate;
use crate::request::{
    append_query, path_of, validate_org_id, validate_token, BaseUrl, ConfigError,
};
use crate::retry::{self, Decision, Failure, RetryHeaders, RetryOptions};
use crate::status::Kind;
use crate::web::bindings::{
    self, abort_signal_any, abort_signal_timeout, date_now, global_fetch, json_parse, merge_headers,
};
use crate::web::convert::{envelope_error, get, put};
use js_sys::{Array, Function, Object, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit, RequestRedirect,
    ResponseType,
};

/// Error bodies larger than this are not parsed: an envelope is small, and a
/// proxy's multi-megabyte page must not stall the page.
const MAX_ERROR_BODY: u32 = 1 << 20;

/// The client's settings, as the JS constructor options.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Absolute http(s) URL of the API, e.g. `https://api.example.test/v1`.
    pub base_url: String,
    /// A `pjk_…` token, sent as `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// An org UUID, sent as `X-Org-Id`.
    pub org_id: Option<String>,
    /// Per-attempt timeout in ms (`None`: no timeout). Default 10 000.
    pub timeout_ms: Option<f64>,
    /// Optional deadline for the whole call, retries and waits included.
    pub total_timeout_ms: Option<f64>,
    /// Retry settings; [`RetryOptions::disabled`] for none.
    pub retry: RetryOptions,
    /// ETag cache bounds; `None` turns the cache off.
    pub cache: Option<CacheOptions>,
    /// Called before each retry wait with `{ attempt, delayMs, reason, status, method, url }`.
    pub on_retry: Option<Function>,
    /// Called on a 401 when set; may return (a promise of) a fresh token, with
    /// which the request is retried once. Concurrent 401s share one call.
    pub on_unauthorized: Option<Function>,
    /// Allow sending a token over plain `http://` to a host that is not this
    /// machine. Off by default: the token would travel in clear text.
    pub allow_insecure_token: bool,
}

impl ClientOptions {
    /// Defaults for `base_url`: no token, 10 s timeout, 3 retries, cache on.
    pub fn new(base_url: impl Into<String>) -> ClientOptions {
        ClientOptions {
            base_url: base_url.into(),
            token: None,
            org_id: None,
            timeout_ms: Some(10_000.0),
            total_timeout_ms: None,
            retry: RetryOptions::default(),
            cache: Some(CacheOptions::default()),
            on_retry: None,
            on_unauthorized: None,
            allow_insecure_token: false,
        }
    }
}

/// Per-request cache behaviour, named after the Fetch `RequestCache` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// Revalidate a stored entry with `If-None-Match`; store a fresh 200.
    #[default]
    Default,
    /// Same as `Default`: ETag entries are always revalidated.
    NoCache,
    /// Ignore the stored entry (no `If-None-Match`), store the answer.
    Reload,
    /// Neither read nor write the cache.
    NoStore,
    /// Serve a stored entry without asking the server; fetch when none.
    ForceCache,
}

impl CacheMode {
    /// Parses the JS option value; unknown values are `None`.
    pub fn parse(s: &str) -> Option<CacheMode> {
        Some(match s {
            "default" => CacheMode::Default,
            "no-cache" => CacheMode::NoCache,
            "reload" => CacheMode::Reload,
            "no-store" => CacheMode::NoStore,
            "force-cache" => CacheMode::ForceCache,
            _ => return None,
        })
    }
}

/// One request.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// HTTP method (`GET` when empty).
    pub method: String,
    /// Path under the base URL (or an absolute URL inside it).
    pub path: String,
    /// Query pairs, repeated keys for arrays.
    pub query: Vec<(String, String)>,
    /// A JS value sent as JSON (`undefined` for none).
    pub body: Option<JsValue>,
    /// Extra headers (a `Headers`, a plain object or an array of pairs).
    pub headers: Option<JsValue>,
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
    /// Cache behaviour for a GET.
    pub cache: CacheMode,
}

impl Request {
    /// A request for `method` and `path`.
    pub fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.to_string(),
            path: path.to_string(),
            ..Request::default()
        }
    }
}

/// A successful answer.
#[derive(Clone, Debug)]
pub struct Response {
    /// 2xx, or 304 when the body came from the cache.
    pub status: u16,
    /// The parsed JSON body (`undefined` for an empty body).
    pub data: JsValue,
    /// The response headers.
    pub headers: Headers,
    /// The entity tag, exactly as received.
    pub etag: Option<String>,
    /// Whether `data` is the cached copy (after a 304).
    pub from_cache: bool,
    /// Attempts made, 1 when it was not retried.
    pub attempts: u32,
}

/// What a deduplicated GET shares with its followers: the body as text, so
/// each caller gets its own copy, and the copy already parsed, which the
/// first caller to read takes (no second parse in the common single-caller
/// case).
#[derive(Clone)]
struct Shared {
    status: u16,
    data: Option<JsValue>,
    /// The parsed body again, for followers when there is no text to parse
    /// (a response without an ETag is not kept as text).
    original: JsValue,
    text: JsValue,
    headers: Headers,
    etag: Option<String>,
    from_cache: bool,
    attempts: u32,
}

type Slot = Rc<RefCell<Option<Result<Shared, Error>>>>;

struct State {
    token: Option<String>,
    org_id: Option<String>,
    partition: String,
    /// Per entry: the body's text and the headers it came with.
    cache: Option<Cache<(JsValue, Headers)>>,
    gate: Gate,
    /// Identical GETs in flight: (partition + key, the shared run, its result).
    inflight: Vec<(String, Promise, Slot)>,
    /// Paths with a write in flight: a GET of them bypasses the cache.
    writing: Vec<String>,
    /// Bumped by every invalidation, so a GET that raced a write does not store.
    generation: u64,
    refresh: Option<Promise>,
}

struct Inner {
    base: BaseUrl,
    timeout_ms: Option<f64>,
    total_timeout_ms: Option<f64>,
    retry: RetryOptions,
    on_retry: Option<Function>,
    on_unauthorized: Option<Function>,
    allow_insecure_token: bool,
    state: RefCell<State>,
}

/// The Projekt API client (Rust face). Cheap to clone: clones share the
/// token, cache and rate-limit gate.
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

/// How one attempt ended before its body was read.
enum Attempt {
    Response(web_sys::Response),
    Failed(Failure, JsValue),
    Aborted(JsValue),
}

impl Client {
    /// Checks the options and builds a client.
    pub fn new(opts: ClientOptions) -> Result<Client, ConfigError> {
        let base = BaseUrl::parse(&opts.base_url)?;
        if let Some(t) = &opts.token {
            validate_token(t)?;
            check_transport(&base, opts.allow_insecure_token)?;
        }
        if let Some(o) = &opts.org_id {
            validate_org_id(o)?;
        }
        let timeout_ms = positive(opts.timeout_ms);
        let partition = partition_key(opts.token.as_deref(), opts.org_id.as_deref());
        Ok(Client {
            inner: Rc::new(Inner {
                base,
                timeout_ms,
                total_timeout_ms: positive(opts.total_timeout_ms),
                retry: opts.retry,
                on_retry: opts.on_retry,
                on_unauthorized: opts.on_unauthorized,
                allow_insecure_token: opts.allow_insecure_token,
                state: RefCell::new(State {
                    token: opts.token,
                    org_id: opts.org_id,
                    partition,
                    cache: opts.cache.map(Cache::new),
                    gate: Gate::new(),
                    inflight: Vec::new(),
                    writing: Vec::new(),
                    generation: 0,
                    refresh: None,
                }),
            }),
        })
    }

    /// Replaces the token (`None` removes it). A refused token keeps the old one.
    pub fn set_token(&self, token: Option<&str>) -> Result<(), ConfigError> {
        if let Some(t) = token {
            validate_token(t)?;
            check_transport(&self.inner.base, self.inner.allow_insecure_token)?;
        }
        let mut st = self.inner.state.borrow_mut();
        st.token = token.map(str::to_string);
        st.partition = partition_key(st.token.as_deref(), st.org_id.as_deref());
        Ok(())
    }

    /// Replaces the org id (`None` removes it).
    pub fn set_org_id(&self, org_id: Option<&str>) -> Result<(), ConfigError> {
        if let Some(o) = org_id {
            validate_org_id(o)?;
        }
        let mut st = self.inner.state.borrow_mut();
        st.org_id = org_id.map(str::to_string);
        st.partition = partition_key(st.token.as_deref(), st.org_id.as_deref());
        Ok(())
    }

    /// Empties the ETag cache.
    pub fn clear_cache(&self) {
        if let Some(c) = self.inner.state.borrow_mut().cache.as_mut() {
            c.clear();
        }
    }

    /// Bytes held by the ETag cache (the stored bodies' JSON size).
    pub fn cache_bytes(&self) -> usize {
        self.inner
            .state
            .borrow()
            .cache
            .as_ref()
            .map_or(0, |c| c.bytes())
    }

    /// Entries held by the ETag cache.
    pub fn cache_len(&self) -> usize {
        self.inner
            .state
            .borrow()
            .cache
            .as_ref()
            .map_or(0, |c| c.len())
    }

    /// `path` joined onto the base URL (absolute URLs must lie inside it).
    pub fn url_for(&self, path: &str) -> Result<String, ConfigError> {
        self.inner.base.join(path)
    }

    /// The base URL requests are joined onto.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// GET `path`; the parsed JSON body.
    pub async fn get(&self, path: &str) -> Result<JsValue, Error> {
        Ok(self.request(Request::new("GET", path)).await?.data)
    }

    /// GET `path` and deserialize the body with serde.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let data = self.get(path).await?;
        serde_wasm_bindgen::from_value(data).map_err(|e| {
            let mut err = Error::new(Kind::Decode, 200, e.to_string()).with_request("GET", path);
            err.status = 200;
            err
        })
    }

    /// POST a JSON body to `path`; a 201's new resource.
    pub async fn post(&self, path: &str, body: &JsValue) -> Result<JsValue, Error> {
        let mut req = Request::new("POST", path);
        req.body = Some(body.clone());
        Ok(self.request(req).await?.data)
    }

    /// PUT a JSON body to `path`.
    pub async fn put(&self, path: &str, body: &JsValue) -> Result<JsValue, Error> {
        let mut req = Request::new("PUT", path);
        req.body = Some(body.clone());
        Ok(self.request(req).await?.data)
    }

    /// PATCH a JSON body to `path`.
    pub async fn patch(&self, path: &str, body: &JsValue) -> Result<JsValue, Error> {
        let mut req = Request::new("PATCH", path);
        req.body = Some(body.clone());
        Ok(self.request(req).await?.data)
    }

    /// DELETE `path`; `undefined` for a 204.
    pub async fn delete(&self, path: &str) -> Result<JsValue, Error> {
        Ok(self.request(Request::new("DELETE", path)).await?.data)
    }

    /// Sends one request through the gate, retries and cache.
    pub async fn request(&self, req: Request) -> Result<Response, Error> {
        let method = crate::request::normalise_method(if req.method.is_empty() {
            "GET"
        } else {
            &req.method
        })
        .map_err(|e| Error::invalid_input(e.0))?;
        let joined = self
            .inner
            .base
            .join(&req.path)
            .map_err(|e| Error::invalid_input(e.0))?;
        let url = append_query(&joined, &req.query);
        let headers = build_headers(req.headers.as_ref()).map_err(|e| {
            let mut err = Error::invalid_input("projekt-client: headers must be a Headers object, a plain object or an array of pairs");
            err.cause = e;
            err
        })?;
        let body = match &req.body {
            Some(b) if !b.is_undefined() => {
                let text = bindings::json_stringify(b).map_err(|e| {
                    let mut err = Error::invalid_input(
                        "projekt-client: the request body cannot be serialised as JSON",
                    );
                    err.cause = e;
                    err
                })?;
                if !headers.has("content-type").unwrap_or(true) {
                    let _ = headers.set("Content-Type", "application/json");
                }
                Some(text)
            }
            _ => None,
        };
        if let Some(signal) = &req.signal {
            if signal.aborted() {
                return Err(aborted(&method, &url, 0, signal.reason()));
            }
        }
        let ctx = Ctx {
            method,
            url,
            headers,
            body,
            signal: req.signal,
            mode: req.cache,
            deadline: self.inner.total_timeout_ms.map(|t| date_now() + t),
            auth_ours: std::cell::Cell::new(false),
        };
        if ctx.method == "GET" {
            return self.get_cached(ctx).await;
        }
        let is_write = matches!(ctx.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
        let path = path_of(&ctx.url).to_string();
        if is_write {
            self.inner.state.borrow_mut().writing.push(path.clone());
        }
        let result = self.run(&ctx, false).await;
        if is_write {
            let mut st = self.inner.state.borrow_mut();
            if let Some(i) = st.writing.iter().position(|p| *p == path) {
                st.writing.swap_remove(i);
            }
            st.generation += 1;
            if result.is_ok() {
                if let Some(c) = st.cache.as_mut() {
                    c.invalidate(&ctx.url);
                }
            }
        }
        result.map(|(resp, _)| resp)
    }

    /// A GET: served from / stored in the cache, shared with identical
    /// concurrent GETs.
    async fn get_cached(&self, ctx: Ctx) -> Result<Response, Error> {
        let (caching, dedup_key) = {
            let st = self.inner.state.borrow();
            let path = path_of(&ctx.url);
            let racing_write = st
                .writing
                .iter()
                .any(|w| crate::request::write_affects(w, path));
            let user_conditional = ctx.headers.has("if-none-match").unwrap_or(true);
            let caching = st.cache.is_some()
                && ctx.mode != CacheMode::NoStore
                && !racing_write
                && !user_conditional;
            let dedup = caching
                && ctx.signal.is_none()
                && ctx.mode != CacheMode::Reload
                && no_custom_headers(&ctx.headers);
            (
                caching,
                dedup.then(|| format!("{}\n{}", st.partition, cache_key(&ctx.url))),
            )
        };
        if !caching {
            return self.run(&ctx, false).await.map(|(r, _)| r);
        }
        let Some(key) = dedup_key else {
            return self.run(&ctx, true).await.map(|(r, _)| r);
        };
        let existing = self
            .inner
            .state
            .borrow()
            .inflight
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, p, s)| (p.clone(), s.clone()));
        let (promise, slot) = match existing {
            Some(pair) => pair,
            None => {
                let slot: Slot = Rc::new(RefCell::new(None));
                let this = self.clone();
                let fill = slot.clone();
                let k = key.clone();
                let promise = wasm_bindgen_futures::future_to_promise(async move {
                    let result = this.run(&ctx, true).await.map(|(resp, text)| Shared {
                        status: resp.status,
                        data: Some(resp.data.clone()),
                        original: resp.data,
                        text,
                        headers: resp.headers,
                        etag: resp.etag,
                        from_cache: resp.from_cache,
                        attempts: resp.attempts,
                    });
                    *fill.borrow_mut() = Some(result);
                    this.inner
                        .state
                        .borrow_mut()
                        .inflight
                        .retain(|(other, _, _)| *other != k);
                    Ok(JsValue::UNDEFINED)
                });
                self.inner
                    .state
                    .borrow_mut()
                    .inflight
                    .push((key, promise.clone(), slot.clone()));
                (promise, slot)
            }
        };
        let _ = JsFuture::from(promise).await;
        let shared = {
            let mut filled = slot.borrow_mut();
            match filled.as_mut() {
                Some(Ok(s)) => {
                    let first = s.data.take();
                    Some(Ok((first, s.clone())))
                }
                Some(Err(e)) => Some(Err(e.clone())),
                None => None,
            }
        };
        match shared {
            Some(Ok((first, s))) => Ok(Response {
                status: s.status,
                data: first.unwrap_or_else(|| copy_of(&s.text, &s.original)),
                headers: s.headers,
                etag: s.etag,
                from_cache: s.from_cache,
                attempts: s.attempts,
            }),
            Some(Err(e)) => Err(e),
            None => Err(Error::new(
                Kind::Network,
                0,
                "projekt-client: the shared request did not finish",
            )),
        }
    }

    /// The request loop. With `caching`, a GET revalidates and stores, and
    /// the body text is returned alongside (for sharing).
    async fn run(&self, ctx: &Ctx, caching: bool) -> Result<(Response, JsValue), Error> {
        let inner = &self.inner;
        let mut attempts: u32 = 0;
        let mut delays: Vec<f64> = Vec::new();
        let mut refreshed = false;
        let mut skip_conditional = ctx.mode == CacheMode::Reload;
        let has_key = ctx.headers.has("idempotency-key").unwrap_or(false);
        let user_etag = ctx.headers.get("if-none-match").ok().flatten();
        let generation = inner.state.borrow().generation;
        loop {
            // The shared gate: after a 429 (or a spent window) hold new attempts.
            let wait = inner.state.borrow().gate.wait_ms(date_now());
            if wait > 0.0 {
                self.wait(ctx, wait, attempts).await?;
            }
            // What the cache holds for this identity and URL, decided per attempt
            // (a 401 refresh changes the identity).
            let (partition, key, stored) = {
                let mut st = inner.state.borrow_mut();
                let partition = st.partition.clone();
                let key = cache_key(&ctx.url);
                let stored = if caching && !skip_conditional {
                    st.cache
                        .as_mut()
                        .and_then(|c| c.get(&partition, &key))
                        .map(|e| (e.etag.clone(), e.body.0.clone(), e.body.1.clone()))
                } else {
                    None
                };
                (partition, key, stored)
            };
            if caching && ctx.mode == CacheMode::ForceCache {
                if let Some((etag, text, stored_headers)) = &stored {
                    return Ok((
                        Response {
                            status: 304,
                            data: parse_text(text).unwrap_or(JsValue::UNDEFINED),
                            headers: merge_headers(stored_headers, stored_headers),
                            etag: Some(etag.clone()),
                            from_cache: true,
                            attempts,
                        },
                        text.clone(),
                    ));
                }
            }
            match &stored {
                Some((etag, _, _)) => {
                    let _ = ctx.headers.set("If-None-Match", etag);
                }
                None if caching => {
                    let _ = ctx.headers.delete("If-None-Match");
                }
                None => {}
            }
            attempts += 1;
            let timeout = match (inner.timeout_ms, ctx.deadline) {
                (t, Some(d)) => {
                    let left = d - date_now();
                    if left <= 0.0 {
                        return Err(self.timeout_error(ctx, attempts, &delays));
                    }
                    Some(t.map_or(left, |t| t.min(left)))
                }
                (t, None) => t,
            };
            let token = inner.state.borrow().token.clone();
            let outcome = self.attempt(ctx, token.as_deref(), timeout, caching).await;
            let resp = match outcome {
                Attempt::Aborted(reason) => {
                    return Err(with_delays(
                        aborted(&ctx.method, &ctx.url, attempts, reason),
                        delays,
                    ))
                }
                Attempt::Failed(failure, cause) => {
                    let decision = retry::decide(
                        &inner.retry,
                        &ctx.method,
                        has_key,
                        failure,
                        attempts,
                        &RetryHeaders::default(),
                        date_now(),
                        bindings::math_random(),
                    );
                    if let Decision::Retry { delay_ms } = decision {
                        self.before_retry(ctx, attempts, delay_ms, failure, 0)
                            .await?;
                        delays.push(delay_ms);
                        continue;
                    }
                    let kind = if failure == Failure::Timeout {
                        Kind::Timeout
                    } else {
                        Kind::Network
                    };
                    let message = if kind == Kind::Timeout {
                        format!(
                            "projekt-client: request timed out after {} ms",
                            crate::date::format_number(timeout.unwrap_or(0.0).round())
                        )
                    } else {
                        format!(
                            "projekt-client: network error, no response from {}",
                            inner.base.origin()
                        )
                    };
                    let mut err = Error::new(kind, 0, message).with_request(&ctx.method, &ctx.url);
                    err.attempts = attempts;
                    err.delays_ms = delays;
                    err.cause = cause;
                    return Err(err);
                }
                Attempt::Response(r)
                    if r.redirected() || r.type_() == ResponseType::Opaqueredirect =>
                {
                    cancel_body(&r);
                    let mut err = Error::redirect().with_request(&ctx.method, &ctx.url);
                    err.attempts = attempts;
                    err.delays_ms = delays;
                    return Err(err);
                }
                Attempt::Response(r) => r,
            };
            let status = resp.status();
            let headers = resp.headers();
            let header = |name: &str| headers.get(name).ok().flatten();
            let remaining = header("x-ratelimit-remaining");
            let reset = header("x-ratelimit-reset");
            let retry_after = header("retry-after");
            let retry_headers = RetryHeaders {
                rate_limit_reset: reset.as_deref(),
                retry_after: retry_after.as_deref(),
            };
            // Hold this client's other requests while the window refills, but only
            // when retrying is on and the wait is one we would sleep anyway: a
            // longer wait is handed to the caller as `retryAfterMs` instead.
            if inner.retry.limit > 0 && (status == 429 || remaining.is_some()) {
                let requested = retry::requested_wait_ms(&retry_headers, date_now());
                if requested.is_some_and(|w| w <= inner.retry.max_delay_ms) {
                    inner.state.borrow_mut().gate.observe(
                        status,
                        remaining.as_deref(),
                        &retry_headers,
                        date_now(),
                        inner.retry.max_delay_ms,
                    );
                }
            }
            if (200..300).contains(&status) {
                let etag = header("etag");
                // The text is kept only when it will be stored: a 200 with an ETag.
                let keep_text = caching && status == 200 && etag.is_some();
                let (data, text) = self
                    .read_success(ctx, &resp, status, keep_text, attempts, &delays)
                    .await?;
                if caching {
                    let no_store = header("cache-control")
                        .is_some_and(|v| v.to_ascii_lowercase().contains("no-store"));
                    let mut st = inner.state.borrow_mut();
                    let same_gen = st.generation == generation;
                    if let Some(cache) = st.cache.as_mut() {
                        match (&etag, no_store, status == 200 && same_gen) {
                            (Some(tag), false, true) if text.is_string() => {
                                let size =
                                    text.unchecked_ref::<js_sys::JsString>().length() as usize;
                                let entry = (text.clone(), headers.clone());
                                if !cache.put(&partition, &key, tag, entry, size) {
                                    cache.remove(&partition, &key);
                                }
                            }
                            _ => {
                                cache.remove(&partition, &key);
                            }
                        }
                    }
                }
                return Ok((
                    Response {
                        status,
                        data,
                        headers,
                        etag,
                        from_cache: false,
                        attempts,
                    },
                    text,
                ));
            }
            if status == 304 {
                if let Some((etag, text, stored_headers)) = stored {
                    if let Some(c) = inner.state.borrow_mut().cache.as_mut() {
                        c.get(&partition, &key);
                    }
                    let data = parse_text(&text).unwrap_or(JsValue::UNDEFINED);
                    return Ok((
                        Response {
                            status,
                            data,
                            headers: merge_headers(&stored_headers, &headers),
                            etag: Some(etag),
                            from_cache: true,
                            attempts,
                        },
                        text,
                    ));
                }
                if caching && !skip_conditional {
                    // Nothing stored (evicted meanwhile): ask once more, unconditionally.
                    skip_conditional = true;
                    attempts -= 1;
                    continue;
                }
                let etag = header("etag").or(user_etag.clone());
                return Ok((
                    Response {
                        status,
                        data: JsValue::UNDEFINED,
                        headers,
                        etag,
                        from_cache: false,
                        attempts,
                    },
                    JsValue::UNDEFINED,
                ));
            }
            if status == 401 {
                {
                    let mut st = inner.state.borrow_mut();
                    let p = st.partition.clone();
                    if let Some(c) = st.cache.as_mut() {
                        c.drop_partition(&p);
                    }
                }
                if !refreshed && inner.on_unauthorized.is_some() {
                    refreshed = true;
                    if self.refresh_token().await {
                        continue;
                    }
                }
            }
            let decision = retry::decide(
                &inner.retry,
                &ctx.method,
                has_key,
                Failure::Status(status),
                attempts,
                &retry_headers,
                date_now(),
                bindings::math_random(),
            );
            if let Decision::Retry { delay_ms } = decision {
                cancel_body(&resp);
                self.before_retry(ctx, attempts, delay_ms, Failure::Status(status), status)
                    .await?;
                delays.push(delay_ms);
                continue;
            }
            let mut err = self.read_error(ctx, &resp, status, &headers).await;
            err.attempts = attempts;
            err.delays_ms = delays;
            if status == 429 {
                err.retry_after_ms = retry::retry_after_ms_for_error(&retry_headers, date_now());
            }
            return Err(err);
        }
    }

    /// One `fetch`, with the per-attempt timeout and the caller's signal.
    async fn attempt(
        &self,
        ctx: &Ctx,
        token: Option<&str>,
        timeout: Option<f64>,
        caching: bool,
    ) -> Attempt {
        let init = RequestInit::new();
        init.set_method(&ctx.method);
        init.set_credentials(RequestCredentials::Omit);
        // With our own cache on, the browser's HTTP cache would hold a second
        // copy and could answer a revalidation itself, hiding the 304.
        // With it off, the browser's cache would still add its own
        // If-None-Match and turn the 304 into a 200 behind our back.
        if caching || ctx.method == "GET" {
            init.set_cache(RequestCache::NoStore);
        }
        match token {
            Some(t) if !ctx.headers.has("authorization").unwrap_or(true) || ctx.auth_is_ours() => {
                let _ = ctx.headers.set("Authorization", &format!("Bearer {t}"));
                ctx.set_auth_ours();
            }
            None if ctx.auth_is_ours() => {
                let _ = ctx.headers.delete("Authorization");
            }
            _ => {}
        }
        if let Some(org) = &self.inner.state.borrow().org_id {
            if !ctx.headers.has("x-org-id").unwrap_or(true) {
                let _ = ctx.headers.set("X-Org-Id", org);
            }
        }
        init.set_headers(&ctx.headers);
        if let Some(body) = &ctx.body {
            init.set_body(body);
        }
        let has = |name: &str| ctx.headers.has(name).unwrap_or(true);
        if !crate::scope::may_follow_redirects(
            has("authorization"),
            has("x-org-id"),
            ctx.body.is_some(),
        ) {
            init.set_redirect(RequestRedirect::Manual);
        }
        let timeout_signal = timeout.map(|ms| abort_signal_timeout(ms.ceil().max(1.0)));
        let signal = match (&ctx.signal, &timeout_signal) {
            (Some(a), Some(b)) => Some(abort_signal_any(&Array::of2(a, b))),
            (Some(a), None) => Some(a.clone()),
            (None, Some(b)) => Some(b.clone()),
            (None, None) => None,
        };
        if let Some(s) = &signal {
            init.set_signal(Some(s));
        }
        match JsFuture::from(global_fetch(&ctx.url, &init)).await {
            Ok(resp) => match resp.dyn_into::<web_sys::Response>() {
                Ok(r) => Attempt::Response(r),
                Err(v) => Attempt::Failed(Failure::Network, v),
            },
            Err(e) => classify_rejection(ctx, timeout_signal.as_ref(), e),
        }
    }

    /// Reads a 2xx body: `undefined` when empty, the parsed JSON otherwise.
    async fn read_success(
        &self,
        ctx: &Ctx,
        resp: &web_sys::Response,
        status: u16,
        need_text: bool,
        attempts: u32,
        delays: &[f64],
    ) -> Result<(JsValue, JsValue), Error> {
        if ctx.method == "HEAD" || status == 204 || status == 205 {
            return Ok((JsValue::UNDEFINED, JsValue::UNDEFINED));
        }
        let headers = resp.headers();
        let length = headers.get("content-length").ok().flatten();
        if length.as_deref() == Some("0") {
            return Ok((JsValue::UNDEFINED, JsValue::UNDEFINED));
        }
        let fail = |e: Error| -> Error {
            let mut e = e;
            e.attempts = attempts;
            e.delays_ms = delays.to_vec();
            e
        };
        if length.is_some() && !need_text {
            // The browser parses straight from bytes: no string, no copy into Rust.
            let promise = match resp.json() {
                Ok(p) => p,
                Err(e) => return Err(fail(self.body_failure(ctx, status, e))),
            };
            return match JsFuture::from(promise).await {
                Ok(data) => Ok((data, JsValue::UNDEFINED)),
                Err(e) => Err(fail(self.body_failure(ctx, status, e))),
            };
        }
        let text = match resp.text() {
            Ok(p) => JsFuture::from(p).await,
            Err(e) => Err(e),
        };
        let text = text.map_err(|e| fail(self.body_failure(ctx, status, e)))?;
        // Not `as_string()`: that would copy the whole body into Rust.
        if text.unchecked_ref::<js_sys::JsString>().length() == 0 {
            return Ok((JsValue::UNDEFINED, JsValue::UNDEFINED));
        }
        match json_parse(&text) {
            Ok(data) => Ok((data, text)),
            Err(e) => Err(fail(self.body_failure(ctx, status, e))),
        }
    }

    /// A body that could not be read or parsed: a decode error for bad JSON,
    /// otherwise the timeout/abort/network failure that cut it off.
    fn body_failure(&self, ctx: &Ctx, status: u16, e: JsValue) -> Error {
        if e.is_instance_of::<js_sys::SyntaxError>() {
            let mut err = Error::new(
                Kind::Decode,
                status,
                format!("projekt-client: the {status} response body is not valid JSON"),
            )
            .with_request(&ctx.method, &ctx.url);
            err.cause = e;
            return err;
        }
        if let Some(s) = &ctx.signal {
            if s.aborted() {
                return aborted(&ctx.method, &ctx.url, 1, s.reason());
            }
        }
        let is_timeout = get(&e, "name")
            .as_string()
            .is_some_and(|n| n == "TimeoutError" || n == "AbortError");
        let (kind, message) = if is_timeout {
            (
                Kind::Timeout,
                "projekt-client: the response body timed out".to_string(),
            )
        } else {
            (
                Kind::Network,
                "projekt-client: the connection failed while reading the response body".to_string(),
            )
        };
        let mut err = Error::new(kind, 0, message).with_request(&ctx.method, &ctx.url);
        err.cause = e;
        err
    }

    /// Builds the typed error for an error status from its (untrusted) body.
    async fn read_error(
        &self,
        ctx: &Ctx,
        resp: &web_sys::Response,
        status: u16,
        headers: &Headers,
    ) -> Error {
        let token = self.inner.state.borrow().token.clone();
        let too_big = headers
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > MAX_ERROR_BODY as u64);
        // Only a JSON body is the envelope: a proxy's page or a text/plain
        // body gets a message made from the status.
        let is_json = headers
            .get("content-type")
            .ok()
            .flatten()
            .map_or(true, |t| t.to_ascii_lowercase().contains("json"));
        let mut parsed = JsValue::UNDEFINED;
        if !too_big && is_json && ctx.method != "HEAD" {
            if let Ok(p) = resp.text() {
                if let Ok(text) = JsFuture::from(p).await {
                    let text: js_sys::JsString = text.unchecked_into();
                    if text.length() > 0 && text.length() <= MAX_ERROR_BODY {
                        let text = match &token {
                            Some(t) if text.includes(t, 0) => text.replace_all(t, "[redacted]"),
                            _ => text,
                        };
                        parsed = json_parse(&text).unwrap_or(JsValue::UNDEFINED);
                    }
                }
            }
        } else {
            cancel_body(resp);
        }
        let allow = headers.get("allow").ok().flatten();
        let mut err = envelope_error(status, &parsed, token.as_deref(), allow.as_deref())
            .with_request(&ctx.method, &ctx.url);
        err.data = parsed;
        err.headers = headers.clone().into();
        err
    }

    /// Tells `onRetry`, then sleeps (abortable).
    async fn before_retry(
        &self,
        ctx: &Ctx,
        attempts_made: u32,
        delay_ms: f64,
        failure: Failure,
        status: u16,
    ) -> Result<(), Error> {
        if let Some(cb) = &self.inner.on_retry {
            let info = Object::new();
            put(&info, "attempt", &JsValue::from(attempts_made + 1));
            put(&info, "delayMs", &JsValue::from_f64(delay_ms));
            put(&info, "reason", &JsValue::from_str(retry::reason(failure)));
            put(&info, "status", &JsValue::from(status));
            put(&info, "method", &JsValue::from_str(&ctx.method));
            put(
                &info,
                "url",
                &JsValue::from_str(&crate::redact::redact_tokens(&ctx.url)),
            );
            // A throwing callback must not break the request.
            let _ = cb.call1(&JsValue::NULL, &info);
        }
        if let Some(d) = ctx.deadline {
            if date_now() + delay_ms >= d {
                return Err(self.timeout_error(ctx, attempts_made, &[]));
            }
        }
        self.wait(ctx, delay_ms, attempts_made).await
    }

    /// Sleeps on the event loop; the caller's abort rejects at once.
    async fn wait(&self, ctx: &Ctx, ms: f64, attempts: u32) -> Result<(), Error> {
        match JsFuture::from(bindings::sleep(ms, ctx.signal.as_ref())).await {
            Ok(_) => Ok(()),
            Err(reason) => Err(aborted(&ctx.method, &ctx.url, attempts, reason)),
        }
    }

    fn timeout_error(&self, ctx: &Ctx, attempts: u32, delays: &[f64]) -> Error {
        let mut err = Error::new(
            Kind::Timeout,
            0,
            format!(
                "projekt-client: request exceeded totalTimeoutMs ({} ms)",
                crate::date::format_number(self.inner.total_timeout_ms.unwrap_or(0.0))
            ),
        )
        .with_request(&ctx.method, &ctx.url);
        err.attempts = attempts;
        err.delays_ms = delays.to_vec();
        err
    }

    /// Asks `onUnauthorized` for a fresh token; concurrent 401s share one call.
    async fn refresh_token(&self) -> bool {
        let Some(cb) = self.inner.on_unauthorized.clone() else {
            return false;
        };
        let existing = self.inner.state.borrow().refresh.clone();
        let promise = match existing {
            Some(p) => p,
            None => {
                let result = cb.call0(&JsValue::NULL);
                let p = match result {
                    Ok(v) => Promise::resolve(&v),
                    Err(e) => Promise::reject(&e),
                };
                self.inner.state.borrow_mut().refresh = Some(p.clone());
                p
            }
        };
        let outcome = JsFuture::from(promise.clone()).await;
        {
            let mut st = self.inner.state.borrow_mut();
            if st
                .refresh
                .as_ref()
                .is_some_and(|p| JsValue::from(p.clone()) == JsValue::from(promise.clone()))
            {
                st.refresh = None;
            }
        }
        match outcome.ok().and_then(|v| v.as_string()) {
            Some(t) => {
                if self.inner.state.borrow().token.as_deref() == Some(t.as_str()) {
                    return true;
                }
                self.set_token(Some(&t)).is_ok()
            }
            None => false,
        }
    }
}

/// The parts of a request fixed across attempts.
struct Ctx {
    method: String,
    url: String,
    headers: Headers,
    body: Option<JsValue>,
    signal: Option<AbortSignal>,
    mode: CacheMode,
    deadline: Option<f64>,
    auth_ours: std::cell::Cell<bool>,
}

impl Ctx {
    /// Whether `Authorization` was set by us (not by the caller's headers),
    /// so a refreshed token may replace it.
    fn auth_is_ours(&self) -> bool {
        self.auth_ours.get()
    }
    fn set_auth_ours(&self) {
        self.auth_ours.set(true);
    }
}

fn with_delays(mut e: Error, delays: Vec<f64>) -> Error {
    e.delays_ms = delays;
    e
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|t| t.is_finite() && *t > 0.0)
}

fn check_transport(base: &BaseUrl, allow_insecure: bool) -> Result<(), ConfigError> {
    if base.is_secure_for_tokens() || allow_insecure {
        Ok(())
    } else {
        Err(ConfigError(
            "projekt-client: refusing to send a token over plain http:// to a remote host; use https:// or pass allowInsecureToken: true".into(),
        ))
    }
}

fn aborted(method: &str, url: &str, attempts: u32, reason: JsValue) -> Error {
    let mut err = Error::new(Kind::Aborted, 0, "projekt-client: the request was aborted")
        .with_request(method, url);
    err.attempts = attempts;
    err.cause = reason;
    err
}

/// Why `fetch` rejected: the caller's abort, our timeout, or the network.
fn classify_rejection(ctx: &Ctx, timeout: Option<&AbortSignal>, e: JsValue) -> Attempt {
    if let Some(s) = &ctx.signal {
        if s.aborted() {
            return Attempt::Aborted(s.reason());
        }
    }
    if timeout.is_some_and(|t| t.aborted()) {
        return Attempt::Failed(Failure::Timeout, e);
    }
    Attempt::Failed(Failure::Network, e)
}

fn build_headers(user: Option<&JsValue>) -> Result<Headers, JsValue> {
    match user {
        Some(h) if !h.is_undefined() && !h.is_null() => {
            if let Some(headers) = h.dyn_ref::<Headers>() {
                Headers::new_with_headers(headers)
            } else {
                Headers::new_with_str_sequence_sequence(h)
                    .or_else(|_| Headers::new_with_record_from_str_to_str(h.unchecked_ref()))
            }
        }
        _ => Headers::new(),
    }
}

fn no_custom_headers(headers: &Headers) -> bool {
    // Only our own Content-Type may be there for a GET.
    let keys = js_sys::try_iter(&headers.keys()).ok().flatten();
    keys.map_or(true, |mut it| it.next().is_none())
}

/// A caller's own copy of a shared body: parsed from its text, or (without
/// text) a JSON round trip of the parsed value.
fn copy_of(text: &JsValue, parsed: &JsValue) -> JsValue {
    if let Some(v) = parse_text(text) {
        return v;
    }
    if parsed.is_undefined() {
        return JsValue::UNDEFINED;
    }
    bindings::json_stringify(parsed)
        .and_then(|t| json_parse(&t))
        .unwrap_or(JsValue::UNDEFINED)
}

fn parse_text(text: &JsValue) -> Option<JsValue> {
    if text.is_undefined() {
        return None;
    }
    json_parse(text).ok()
}

fn cancel_body(resp: &web_sys::Response) {
    if let Some(body) = resp.body() {
        let _ = body.cancel();
    }
}
