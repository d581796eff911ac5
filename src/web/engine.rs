//! The request engine ([`crate::engine`]) for the npm package's `Client`
//! (`src/js/client.js`), which performs the actions it answers with.
//!
//! The boundary is coarse on purpose: a call crosses it once to start and
//! once per event (a GET answered 304 from the cache: twice; a 422 or a
//! 404, whose body is read with the head: twice), and every answer is one
//! JS array (`[code, id, …]`, codes below), built here with no call back
//! into the `.wasm`. Strings cross as `JsValue`s and are read only when the
//! decision needs them; a response's header values and error body cross as
//! one string (one copy into wasm memory), and a query-less path as the
//! number [`Engine::start_path`] gave it.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::cache::CacheOptions;
use crate::engine::{
    self, Action, BodyFailure, CacheMode, CallId, Config, Effect, Event, Forget, Head, Header,
    Outcome, Start, Started,
};
use crate::pagination::{next_url, PageMeta, Walk};
use crate::request::{normalise_method, BaseUrl, ConfigError};
use crate::retry::{Failure, RetryOptions};
use crate::web::convert::{js, opt, text};
use js_sys::Array;
use wasm_bindgen::prelude::*;

fn type_error(e: ConfigError) -> JsValue {
    js_sys::TypeError::new(&e.0).into()
}

/// Action codes (`client.js` names them the same).
const FETCH: u32 = 0;
const READ_BODY: u32 = 1;
const READ_ERROR: u32 = 2;
const WAIT: u32 = 3;
const REFRESH: u32 = 4;
const AWAIT_REFRESH: u32 = 5;
const JOIN: u32 = 6;
const FRESH: u32 = 7;
const CACHED: u32 = 8;
const FAILED: u32 = 9;
const WAIT_ONLINE: u32 = 10;
const LOAD: u32 = 11;
/// Effect codes, in the `fx` array client.js gave the constructor.
const TELL: u32 = 0;
const PERSIST: u32 = 1;
const FORGET: u32 = 2;

/// The methods `start` takes as a number (no string crosses).
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const MODES: [CacheMode; 5] = [
    CacheMode::Default,
    CacheMode::NoCache,
    CacheMode::Reload,
    CacheMode::NoStore,
    CacheMode::ForceCache,
];
/// Query-less URLs `url_id` keeps (client.js's memo of them holds as many).
const URLS_MAX: usize = 256;
/// The longest URL numbered: what the memo holds stays under 256 × 2 KiB
/// however long the paths (a server's page cursors can be 300 KB each).
const URL_MEMO_MAX: usize = 2048;

/// One client's engine, and the URLs of its query-less paths.
#[wasm_bindgen]
pub struct Engine {
    e: engine::Engine<JsValue>,
    urls: Vec<String>,
    /// Bumped whenever `urls` starts over, so a stale id is refused.
    epoch: u32,
    /// Where [`Engine::start_path`] leaves a path's number and URL.
    out: Array,
    /// Where the engine's effects are left for client.js (`[code, …]` each):
    /// only clients with `crossTab` or `persist` ever have any.
    fx: Array,
}

fn num(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

fn header(h: &Header) -> JsValue {
    match h {
        Header::Keep => JsValue::UNDEFINED,
        Header::Remove => JsValue::NULL,
        Header::Set(v) => js(v),
    }
}

fn opt_js(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, js)
}

/// `[code, id, …rest]`.
fn answer(code: u32, id: CallId, rest: &[JsValue]) -> JsValue {
    let a = Array::new_with_length(2 + rest.len() as u32);
    a.set(0, code.into());
    a.set(1, id.into());
    for (i, v) in rest.iter().enumerate() {
        a.set(2 + i as u32, v.clone());
    }
    a.into()
}

#[wasm_bindgen]
impl Engine {
    /// Checks the options' values (client.js has checked their types).
    /// `NaN` (client.js's `undefined`) takes the default, `max_entries` -1
    /// turns the cache off, and a timeout ≤ 0 is none.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        base_url: &JsValue,
        token: &JsValue,
        org_id: &JsValue,
        allow_insecure: bool,
        limit: f64,
        base_delay_ms: f64,
        max_delay_ms: f64,
        max_entries: f64,
        max_bytes: f64,
        timeout_ms: f64,
        total_timeout_ms: f64,
        refresh: bool,
        max_body_bytes: f64,
        cross_tab: bool,
        persist: bool,
        out: Array,
        fx: Array,
    ) -> Result<Engine, JsValue> {
        let base = BaseUrl::parse(&text(base_url)).map_err(type_error)?;
        // Options left out (`undefined`, NaN here) take the defaults the Rust
        // face's `ClientOptions::new` has: one definition of each.
        let (retry, cache) = (RetryOptions::default(), CacheOptions::default());
        let or = |v: f64, default: f64| if v.is_nan() { default } else { v };
        let given = |v: f64| (!v.is_nan()).then_some(v);
        let cfg = Config {
            base,
            token: opt(token),
            org_id: opt(org_id),
            allow_insecure_token: allow_insecure,
            timeout_ms: Some(or(timeout_ms, engine::DEFAULT_TIMEOUT_MS)),
            total_timeout_ms: given(total_timeout_ms),
            retry: RetryOptions {
                limit: or(limit, retry.limit as f64) as u32,
                base_delay_ms: or(base_delay_ms, retry.base_delay_ms),
                max_delay_ms: or(max_delay_ms, retry.max_delay_ms),
            },
            cache: (max_entries != -1.0).then(|| CacheOptions {
                // (The default first: `NaN.min(x)` is `x`.)
                max_entries: or(max_entries, cache.max_entries as f64).min(1e9) as usize,
                max_bytes: or(max_bytes, cache.max_bytes as f64).clamp(0.0, 1e15) as usize,
            }),
            refresh,
            max_body_bytes: given(max_body_bytes),
            cross_tab,
            persist,
        };
        // What client.js reads once from `out`, so that it holds no rule of
        // its own: `[MAX_ERROR_BODY, ...RETRY_STATUSES]` (an error body is
        // read with its head unless the engine may retry its status, and
        // never past that many bytes).
        out.set(0, (engine::MAX_ERROR_BODY as u32).into());
        for (i, s) in crate::retry::RETRY_STATUSES.iter().enumerate() {
            out.set(i as u32 + 1, (*s as u32).into());
        }
        Ok(Engine {
            e: engine::Engine::new(cfg).map_err(type_error)?,
            urls: Vec::new(),
            epoch: 0,
            out,
            fx,
        })
    }

    /// Replaces the token (`undefined` removes it); a refused one keeps the old.
    #[wasm_bindgen(js_name = setToken)]
    pub fn set_token(&mut self, token: &JsValue) -> Result<(), JsValue> {
        self.e.set_token(opt(token).as_deref()).map_err(type_error)
    }

    /// Replaces the org id (`undefined` removes it).
    #[wasm_bindgen(js_name = setOrgId)]
    pub fn set_org_id(&mut self, org_id: &JsValue) -> Result<(), JsValue> {
        self.e
            .set_org_id(opt(org_id).as_deref())
            .map_err(type_error)
    }

    /// The base URL requests are joined onto.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> JsValue {
        js(self.e.base().as_str())
    }

    /// `path` joined onto the base URL with the query pairs (`[k, v, k, v…]`).
    pub fn url(&self, path: &JsValue, query: Vec<JsValue>) -> Result<JsValue, JsValue> {
        let mut pairs = Vec::with_capacity(query.len() / 2);
        let mut it = query.iter().map(text);
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            pairs.push((k, v));
        }
        self.e
            .url(&text(path), &pairs)
            .map(|u| js(&u))
            .map_err(type_error)
    }

    /// The method upper-cased as fetch would and checked (a `TypeError` when
    /// fetch would refuse it).
    pub fn method(method: &JsValue) -> Result<JsValue, JsValue> {
        normalise_method(&text(method))
            .map(|m| js(&m))
            .map_err(type_error)
    }

    /// `url` with any token in it shown as `[redacted]`: what a page reports.
    pub fn shown(url: &JsValue) -> JsValue {
        js(&crate::redact::redact_tokens(&text(url)))
    }

    /// Starts a call for the URL numbered `url` (by [`Engine::start_path`]):
    /// `method` an index into GET, POST, PUT, PATCH, DELETE, `flags` what
    /// the caller set (1 a body, 2 `Idempotency-Key`, 4 `Authorization`, 8
    /// `X-Org-Id`, 16 any header, 32 a signal), `mode` the index of the
    /// cache mode. Answers the first action, or `[JOIN, leader]`; a refusal
    /// is answered (not thrown) as the `TypeError` to throw, which spares
    /// the crossing a thrown value costs.
    pub fn start(&mut self, url: u32, method: u32, flags: u32, mode: u32) -> JsValue {
        let Some(u) = self
            .urls
            .get((url & 0xff) as usize)
            .filter(|_| url >> 8 == self.epoch)
        else {
            return type_error(ConfigError(
                "projekt-client: internal error (a stale URL id)".into(),
            ));
        };
        let u = u.clone();
        let method = METHODS.get(method as usize).copied().unwrap_or("GET");
        self.begin(&u, method, flags, mode, None)
    }

    /// [`Engine::start`] for a query-less `path` not numbered yet: joins it
    /// (a `TypeError` outside the base URL), numbers its URL and puts
    /// `[number, url]` in the `out` array client.js gave the constructor
    /// (no second crossing). Both sides start over after [`URLS_MAX`] paths.
    /// A URL longer than [`URL_MEMO_MAX`] is not numbered: `[-1, url]`.
    #[wasm_bindgen(js_name = startPath)]
    pub fn start_path(&mut self, path: String, method: u32, flags: u32, mode: u32) -> JsValue {
        let url = match self.e.url(&path, &[]) {
            Ok(u) => u,
            Err(e) => return type_error(e),
        };
        let method = METHODS.get(method as usize).copied().unwrap_or("GET");
        if url.len() > URL_MEMO_MAX {
            self.out.set(0, (-1).into());
            self.out.set(1, js(&url));
            return self.begin(&url, method, flags, mode, None);
        }
        if self.urls.len() >= URLS_MAX {
            self.urls.clear();
            self.epoch = self.epoch.wrapping_add(1) & 0xff_ffff;
        }
        self.out
            .set(0, (self.epoch << 8 | self.urls.len() as u32).into());
        self.out.set(1, js(&url));
        self.urls.push(url.clone());
        self.begin(&url, method, flags, mode, None)
    }

    /// [`Engine::start`] for any URL from [`Engine::url`], any method name
    /// (normalised) and the caller's own `If-None-Match`.
    #[wasm_bindgen(js_name = startUrl)]
    pub fn start_url(
        &mut self,
        url: String,
        method: String,
        flags: u32,
        mode: u32,
        etag: Option<String>,
    ) -> JsValue {
        match normalise_method(&method) {
            Ok(m) => self.begin(&url, &m, flags, mode, etag.as_deref()),
            Err(e) => type_error(e),
        }
    }

    fn begin(
        &mut self,
        url: &str,
        method: &str,
        flags: u32,
        mode: u32,
        etag: Option<&str>,
    ) -> JsValue {
        let s = Start {
            method,
            url,
            mode: MODES.get(mode as usize).copied().unwrap_or_default(),
            body: flags & 1 != 0,
            idempotency_key: flags & 2 != 0,
            authorization: flags & 4 != 0,
            org: flags & 8 != 0,
            headers: flags & 16 != 0,
            signal: flags & 32 != 0,
            if_none_match: etag,
        };
        match self.e.start(s, js_sys::Date::now()) {
            Started::Join(leader) => answer(JOIN, leader, &[]),
            Started::Call(id, action) => self.encode(id, action, None),
        }
    }

    /// A response came: `status`, `flags` (1: redirected or opaque; bits
    /// 2.. say which of ETag, Cache-Control, X-RateLimit-Remaining,
    /// X-RateLimit-Reset, Retry-After, Allow, Content-Length, Content-Type,
    /// Vary and the error body are in `packed`, in that order, `\n`-separated,
    /// the body last).
    pub fn response(
        &mut self,
        id: CallId,
        status: u16,
        flags: u32,
        packed: Option<String>,
    ) -> JsValue {
        let packed = packed.unwrap_or_default();
        let present = (flags >> 1).count_ones() as usize;
        let mut parts = packed.splitn(present.max(1), '\n');
        let mut field = |bit: u32| -> Option<&str> {
            if flags & (2 << bit) != 0 {
                Some(parts.next().unwrap_or(""))
            } else {
                None
            }
        };
        let head = Head {
            status,
            redirected: flags & 1 != 0,
            etag: field(0),
            cache_control: field(1),
            remaining: field(2),
            reset: field(3),
            retry_after: field(4),
            allow: field(5),
            content_length: field(6),
            content_type: field(7),
            vary: field(8),
            envelope: field(9),
        };
        let body = head.envelope;
        let action = self.e.on(
            id,
            Event::Response(head),
            js_sys::Date::now(),
            js_sys::Math::random(),
        );
        self.encode(id, action, body)
    }

    /// No response: 0 a network failure, 1 the attempt's timeout.
    pub fn failed(&mut self, id: CallId, code: u32) -> JsValue {
        let f = if code == 1 {
            Failure::Timeout
        } else {
            Failure::Network
        };
        self.event(id, Event::Failed(f))
    }

    /// The 2xx body was read; `entry` its stored form (or `undefined`).
    pub fn body(&mut self, id: CallId, entry: JsValue, size: f64) -> JsValue {
        let keep = (!entry.is_undefined()).then_some(entry);
        self.event(
            id,
            Event::Body {
                keep,
                size: size.clamp(0.0, 1e15) as usize,
            },
        )
    }

    /// The 2xx body could not be read: 0 not JSON, 1 timed out, 2 the
    /// connection, 3 too large for a string.
    #[wasm_bindgen(js_name = bodyFailed)]
    pub fn body_failed(&mut self, id: CallId, code: u32) -> JsValue {
        let f = match code {
            0 => BodyFailure::Decode,
            1 => BodyFailure::Timeout,
            3 => BodyFailure::TooLarge,
            _ => BodyFailure::Network,
        };
        self.event(id, Event::BodyFailed(f))
    }

    /// The error body's text (`undefined` when unread).
    pub fn envelope(&mut self, id: CallId, body: String) -> JsValue {
        let action = self.e.on(
            id,
            Event::Envelope(&body),
            js_sys::Date::now(),
            js_sys::Math::random(),
        );
        self.encode(id, action, Some(&body))
    }

    /// `template` with its `{name}`s filled from `pairs` (`[name, value, …]`,
    /// strings), each value one percent-encoded segment
    /// ([`crate::params::fill`]); a `TypeError` for a missing, empty or dot
    /// value.
    #[wasm_bindgen(js_name = fillPath)]
    pub fn fill_path(template: String, pairs: Vec<String>) -> Result<String, JsValue> {
        crate::params::fill_with(&template, |name| {
            pairs
                .chunks_exact(2)
                .find(|c| c[0] == name)
                .map(|c| c[1].as_str())
        })
        .map_err(type_error)
    }

    /// `update`'s method: `PUT` (for `undefined`) or `PATCH`, else a `TypeError`.
    #[wasm_bindgen(js_name = updateMethod)]
    pub fn update_method(method: &JsValue) -> Result<JsValue, JsValue> {
        engine::update_method(opt(method).as_deref())
            .map(js)
            .map_err(type_error)
    }

    /// No response, and `navigator.onLine` is false.
    pub fn offline(&mut self, id: CallId) -> JsValue {
        self.event(id, Event::Offline)
    }

    /// What the persisted cache held for [`LOAD`]: `entry` (`undefined`:
    /// nothing), its `ETag` and size.
    pub fn loaded(&mut self, id: CallId, entry: JsValue, etag: JsValue, size: f64) -> JsValue {
        let found = match (entry.is_undefined(), etag.as_string()) {
            (false, Some(tag)) => Some((tag, entry, size.clamp(0.0, 1e15) as usize)),
            _ => None,
        };
        self.event(id, Event::Loaded(found))
    }

    /// A message from the `crossTab` channel, heard at `at` (`Date.now()`):
    /// whether it was heeded (a note of this client's scope; anything else
    /// is ignored).
    pub fn hear(&mut self, message: &JsValue, at: f64) -> bool {
        let Some(m) = message.as_string() else {
            return false;
        };
        self.e.hear(&m, at)
    }

    /// The wait ended.
    pub fn waited(&mut self, id: CallId) -> JsValue {
        self.event(id, Event::Waited)
    }

    /// The refresh ended with `token` (not a string: none).
    pub fn refreshed(&mut self, id: CallId, token: Option<String>) -> JsValue {
        self.event(id, Event::Refreshed(token.as_deref()))
    }

    /// The caller's signal aborted the call.
    pub fn aborted(&mut self, id: CallId) -> JsValue {
        self.event(id, Event::Aborted)
    }

    /// The caller went away: the call's holdings are released.
    pub fn cancel(&mut self, id: CallId) {
        self.e.cancel(id);
    }

    /// Empties the cache.
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&mut self) {
        self.e.clear_cache();
        self.effects();
    }

    /// Moves the engine's effects into `fx`.
    fn effects(&mut self) {
        if !self.e.has_effects() {
            return;
        }
        for x in self.e.take_effects() {
            let a = match x {
                Effect::Tell(m, keep) => answer(TELL, 0, &[js(&m), keep.into()]),
                Effect::Persist(p) => answer(
                    PERSIST,
                    0,
                    &[
                        js(&p.scope),
                        js(&p.base),
                        js(&p.key),
                        js(&p.path),
                        js(&p.etag),
                        p.entry,
                        num(p.size as f64),
                        num(p.max_entries as f64),
                        num(p.max_bytes as f64),
                    ],
                ),
                Effect::Forget(f) => match f {
                    Forget::Key { scope, key } => answer(FORGET, 0, &[js(&scope), js(&key)]),
                    Forget::Scope(s) => answer(FORGET, 1, &[js(&s)]),
                    Forget::Base(b) => answer(FORGET, 2, &[js(&b)]),
                    Forget::Paths(a, b) => answer(
                        FORGET,
                        3,
                        &[js(&a), b.as_deref().map_or(JsValue::UNDEFINED, js)],
                    ),
                },
            };
            self.fx.push(&a);
        }
    }

    /// Entries held by the cache.
    #[wasm_bindgen(getter)]
    pub fn entries(&self) -> u32 {
        self.e.cache_len() as u32
    }

    /// Bytes held by the cache.
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        self.e.cache_bytes() as f64
    }

    /// Whether `update` retries after this error (a 409, or a 412 from `If-Match`).
    #[wasm_bindgen(js_name = updateAgain)]
    pub fn update_again(status: u16) -> bool {
        engine::update_again(status)
    }

    fn event(&mut self, id: CallId, ev: Event<'_, JsValue>) -> JsValue {
        let action = self
            .e
            .on(id, ev, js_sys::Date::now(), js_sys::Math::random());
        self.encode(id, action, None)
    }

    /// The action as a JS array. A failure for an error body `body` also
    /// carries that body with the token redacted, when it held it: what the
    /// error's `data` is parsed from.
    fn encode(&mut self, id: CallId, action: Action<JsValue>, body: Option<&str>) -> JsValue {
        self.effects();
        match action {
            Action::Fetch(f) => {
                let flags = f.no_store as u32
                    | (f.manual_redirect as u32) << 1
                    | (f.eager_all_errors as u32) << 2;
                answer(
                    FETCH,
                    id,
                    &[
                        header(&f.if_none_match),
                        header(&f.authorization),
                        f.org.as_deref().map_or(JsValue::UNDEFINED, js),
                        flags.into(),
                        f.timeout_ms.map_or(JsValue::UNDEFINED, num),
                    ],
                )
            }
            Action::ReadBody { keep, max } => {
                answer(READ_BODY, id, &[keep.into(), max.unwrap_or(-1.0).into()])
            }
            Action::ReadError { read } => answer(READ_ERROR, id, &[read.into()]),
            Action::Wait { ms, retry } => match retry {
                Some(r) => answer(
                    WAIT,
                    id,
                    &[num(ms), r.attempt.into(), js(r.reason), r.status.into()],
                ),
                None => answer(WAIT, id, &[num(ms)]),
            },
            Action::WaitOnline { ms, retry: r } => answer(
                WAIT_ONLINE,
                id,
                &[
                    ms.map_or(JsValue::UNDEFINED, num),
                    r.attempt.into(),
                    js(r.reason),
                    r.status.into(),
                ],
            ),
            Action::Load { scope, key } => answer(LOAD, id, &[js(&scope), js(&key)]),
            Action::Refresh { id: r } => answer(REFRESH, id, &[r.into()]),
            Action::AwaitRefresh { id: r } => answer(AWAIT_REFRESH, id, &[r.into()]),
            Action::Done(Outcome::Fresh {
                status,
                etag,
                attempts,
            }) => answer(
                FRESH,
                id,
                &[status.into(), opt_js(etag.as_deref()), attempts.into()],
            ),
            Action::Done(Outcome::Cached {
                entry,
                etag,
                attempts,
                revalidated,
            }) => answer(
                CACHED,
                id,
                &[entry, js(&etag), attempts.into(), revalidated.into()],
            ),
            Action::Done(Outcome::Failed(e)) => {
                let delays: Array = e.delays_ms.iter().map(|d| num(*d)).collect();
                let redacted = match body.map(|b| self.e.redact_body(b)) {
                    Some(alloc::borrow::Cow::Owned(r)) => js(&r),
                    _ => JsValue::UNDEFINED,
                };
                answer(
                    FAILED,
                    id,
                    &[js(&e.to_json_parts()), delays.into(), redacted],
                )
            }
        }
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
