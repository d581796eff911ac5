//! The Rust face's `Client`: an executor of the request engine
//! ([`crate::engine`]), as `src/js/client.js` is the npm package's.
//!
//! It performs what the engine asks — `fetch`, timers, signals, reading
//! bodies, holding JS values — and reports back; every decision is the
//! engine's. A call's future owns a guard: dropping the future (a component
//! unmounts, a resource re-runs) aborts its `fetch` and its timer through
//! the call's own `AbortController` and tells the engine, which releases the
//! call's write mark, refresh wait and shared GET.

use crate::engine::{
    self, Action, BodyFailure, CallId, Config, Effect, Engine, Event, Forget, Head, Header,
    Outcome, Start, Started,
};
use crate::error::Error;
use crate::request::{BaseUrl, ConfigError};
use crate::retry::Failure;
use crate::status::Kind;
use crate::web::bindings::{
    self, abort_signal_any, abort_signal_timeout, date_now, global_fetch, json_parse, math_random,
    merge_headers,
};
use crate::web::convert::get;
use js_sys::{Array, Object};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit,
    RequestRedirect, ResponseType,
};

pub use crate::engine::CacheMode;
pub use crate::options::{ClientOptions, OnRetry, OnUnauthorized, RetryInfo, TokenFuture};
pub use crate::web::builder::RequestBuilder;
pub use crate::web::options::{Request, Response};

/// What a GET's followers get when it settles: the response and the body's
/// text (each follower parses its own copy).
type SharedResult = Result<(Response, JsValue), Error>;

/// A result several futures await: a GET's for the calls joined to it, a
/// refresh's token for the 401s that share it. `gone` when the future that
/// was to fill it was dropped first (its waiters then start again).
struct Shared<T> {
    value: Option<T>,
    gone: bool,
    wakers: Vec<Waker>,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared {
            value: None,
            gone: false,
            wakers: Vec::new(),
        }
    }
}

impl<T> Shared<T> {
    fn settle(cell: &RefCell<Shared<T>>, value: Option<T>) {
        let wakers = {
            let mut s = cell.borrow_mut();
            match value {
                Some(v) => s.value = Some(v),
                None => s.gone = true,
            }
            std::mem::take(&mut s.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }
}

/// Awaits a [`Shared`]: `Some(value)`, or `None` when it went away.
struct Wait<T>(Rc<RefCell<Shared<T>>>);

impl<T: Clone> Future for Wait<T> {
    type Output = Option<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.0.borrow_mut();
        if let Some(v) = &s.value {
            return Poll::Ready(Some(v.clone()));
        }
        if s.gone {
            return Poll::Ready(None);
        }
        s.wakers.push(cx.waker().clone());
        Poll::Pending
    }
}

type Slot = Shared<SharedResult>;
/// A refresh's token, shared by the 401s that await it.
type TokenCell = Rc<RefCell<Shared<Option<String>>>>;

/// A body's text and the headers it came with: what the cache keeps.
type Entry = (JsValue, Headers);

/// A `crossTab` membership and the callback it calls.
type Membership = (JsValue, Closure<dyn Fn(JsValue, f64)>);

struct Inner {
    engine: RefCell<Engine<Entry>>,
    on_retry: Option<OnRetry>,
    on_unauthorized: Option<OnUnauthorized>,
    /// The last refresh asked for: its id and the token it gives.
    refresh: RefCell<Option<(u32, TokenCell)>>,
    /// GETs in flight, by call id, for the calls the engine joins to them.
    shared: RefCell<Vec<(CallId, Rc<RefCell<Slot>>)>>,
    /// The `crossTab` membership (src/js/citizen.js) and the callback it
    /// holds, which holds this client weakly.
    tab: RefCell<Option<Membership>>,
}

impl Inner {
    /// Performs what the engine asked for on the side: notes to tell,
    /// entries to persist or forget.
    fn effects(&self) {
        let fx = {
            let mut e = self.engine.borrow_mut();
            if !e.has_effects() {
                return;
            }
            e.take_effects()
        };
        for x in fx {
            match x {
                Effect::Tell(m, keep) => {
                    if let Some((member, _)) = &*self.tab.borrow() {
                        bindings::tabs_tell(member, &m, keep);
                    }
                }
                Effect::Persist(p) => {
                    let _ = bindings::persist_put(
                        &p.scope,
                        &p.base,
                        &p.key,
                        &p.path,
                        &p.etag,
                        &p.entry.0,
                        &p.entry.1,
                        p.size as f64,
                        p.max_entries as f64,
                        p.max_bytes as f64,
                    );
                }
                Effect::Forget(f) => {
                    let _ = match f {
                        Forget::Key { scope, key } => {
                            bindings::persist_forget(0, &scope, Some(key))
                        }
                        Forget::Scope(s) => bindings::persist_forget(1, &s, None),
                        Forget::Base(b) => bindings::persist_forget(2, &b, None),
                        Forget::Paths(a, b) => bindings::persist_forget(3, &a, b),
                    };
                }
            }
        }
    }
}

/// The Projekt API client (Rust face). Cheap to clone: clones share the
/// token, cache and rate-limit gate.
///
/// ```no_run
/// use projekt_client::{Client, ClientOptions};
/// let client = Client::new(ClientOptions {
///     token: Some("pjk_live_example".into()),
///     ..ClientOptions::new("https://api.example.test/v1")
/// })
/// .expect("valid options");
/// // One client for the app: each component gets a clone (the same cache,
/// // token and rate-limit gate), e.g. through a framework context.
/// let for_sidebar = client.clone();
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

// A browser tab (or worker) runs one thread: without the wasm `atomics`
// feature no value can reach another thread, so the `Rc`s and JS handles
// inside a `Client` are never shared across threads. Frameworks that keep
// context values in `Send + Sync` storage (Leptos's `provide_context`) can
// then hold a `Client` as it is. With `atomics` (a multi-threaded build)
// this does not hold, and neither do these impls.
#[cfg(not(target_feature = "atomics"))]
unsafe impl Send for Client {}
#[cfg(not(target_feature = "atomics"))]
unsafe impl Sync for Client {}

/// The response headers the engine reads ([`Head`]), in its order.
const HEAD: [&str; 9] = [
    "etag",
    "cache-control",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
    "allow",
    "content-length",
    "content-type",
    "vary",
];

/// How one attempt ended before its body was read.
enum Attempt {
    Response(web_sys::Response),
    Failed(Failure, JsValue),
    Aborted(JsValue),
}

/// What one call's future holds. Dropped before the call settles, it aborts
/// the `fetch` and timer in flight and releases the call in the engine.
struct Guard {
    inner: Rc<Inner>,
    id: CallId,
    controller: AbortController,
    live: bool,
    slot: Option<Rc<RefCell<Slot>>>,
}

impl Guard {
    /// The call settled: nothing to cancel; its followers get `result`.
    fn settle(&mut self, result: Option<SharedResult>) {
        self.live = false;
        if let Some(slot) = self.slot.take() {
            self.inner
                .shared
                .borrow_mut()
                .retain(|(id, _)| *id != self.id);
            Shared::settle(&slot, result);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.live {
            self.controller.abort();
            self.inner.engine.borrow_mut().cancel(self.id);
        }
        if let Some(slot) = self.slot.take() {
            self.inner
                .shared
                .borrow_mut()
                .retain(|(id, _)| *id != self.id);
            Shared::settle(&slot, None);
        }
    }
}

impl Client {
    /// Checks the options and builds a client.
    ///
    /// ```no_run
    /// use projekt_client::{Client, ClientOptions};
    /// let client = Client::new(ClientOptions {
    ///     token: Some("pjk_live_example".into()),
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// })?;
    /// // A base URL that is not absolute http(s) is refused, as is a token
    /// // sent in clear text to another machine:
    /// assert!(Client::new(ClientOptions::new("/v1")).is_err());
    /// assert!(Client::new(ClientOptions {
    ///     token: Some("pjk_live_example".into()),
    ///     ..ClientOptions::new("http://api.example.test/v1")
    /// })
    /// .is_err());
    /// # let _ = client; Ok::<(), projekt_client::ConfigError>(())
    /// ```
    pub fn new(opts: ClientOptions) -> Result<Client, ConfigError> {
        let cfg = Config {
            base: BaseUrl::parse(&opts.base_url)?,
            token: opts.token,
            org_id: opts.org_id,
            allow_insecure_token: opts.allow_insecure_token,
            timeout_ms: opts.timeout.map(|d| d.as_secs_f64() * 1000.0),
            total_timeout_ms: opts.total_timeout.map(|d| d.as_secs_f64() * 1000.0),
            retry: opts.retry,
            cache: opts.cache,
            refresh: opts.on_unauthorized.is_some(),
            max_body_bytes: opts.max_body_bytes.map(|n| n as f64),
            cross_tab: opts.cross_tab && has_global("BroadcastChannel"),
            persist: opts.persist_cache && has_global("indexedDB"),
        };
        let inner = Rc::new(Inner {
            engine: RefCell::new(Engine::new(cfg)?),
            on_retry: opts.on_retry,
            on_unauthorized: opts.on_unauthorized,
            refresh: RefCell::new(None),
            shared: RefCell::new(Vec::new()),
            tab: RefCell::new(None),
        });
        if opts.cross_tab {
            let weak = Rc::downgrade(&inner);
            let hear = Closure::<dyn Fn(JsValue, f64)>::new(move |message: JsValue, at: f64| {
                if let (Some(inner), Some(m)) = (weak.upgrade(), message.as_string()) {
                    // (The engine is never held across an await: free here.)
                    if let Ok(mut e) = inner.engine.try_borrow_mut() {
                        e.hear(&m, at);
                    }
                }
            });
            let member = bindings::tabs_join(hear.as_ref().unchecked_ref());
            if !member.is_undefined() {
                *inner.tab.borrow_mut() = Some((member, hear));
            }
        }
        Ok(Client { inner })
    }

    /// Replaces the token (`None` removes it). A refused token keeps the old one.
    ///
    /// ```no_run
    /// # fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::ConfigError> {
    /// client.set_token(Some("pjk_live_after_sign_in"))?;
    /// // Signed out: later requests carry no `Authorization` header.
    /// client.set_token(None)?;
    /// // Not a `pjk_…` token (the client adds `Bearer ` itself): refused.
    /// assert!(client.set_token(Some("Bearer pjk_live_x")).is_err());
    /// # Ok(()) }
    /// ```
    pub fn set_token(&self, token: Option<&str>) -> Result<(), ConfigError> {
        self.inner.engine.borrow_mut().set_token(token)
    }

    /// Replaces the org id (`None` removes it).
    ///
    /// ```no_run
    /// # fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::ConfigError> {
    /// // The user switched organisations: later requests send this `X-Org-Id`.
    /// client.set_org_id(Some("6f1c1c3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f"))?;
    /// // Not a UUID: refused, the previous org id stays.
    /// assert!(client.set_org_id(Some("acme")).is_err());
    /// # Ok(()) }
    /// ```
    pub fn set_org_id(&self, org_id: Option<&str>) -> Result<(), ConfigError> {
        self.inner.engine.borrow_mut().set_org_id(org_id)
    }

    /// Empties the ETag cache.
    ///
    /// ```no_run
    /// # fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::ConfigError> {
    /// // On sign-out: nothing fetched for this user may be served again.
    /// client.set_token(None)?;
    /// client.clear_cache();
    /// assert_eq!(client.cache_len(), 0);
    /// # Ok(()) }
    /// ```
    pub fn clear_cache(&self) {
        self.inner.engine.borrow_mut().clear_cache();
        self.inner.effects();
    }

    /// Bytes held by the ETag cache (the stored bodies' JSON size).
    ///
    /// ```no_run
    /// # fn demo(client: &projekt_client::Client) {
    /// // A debug panel's line.
    /// let usage = format!("cache: {} entries, {} KB", client.cache_len(), client.cache_bytes() / 1024);
    /// # let _ = usage; }
    /// ```
    pub fn cache_bytes(&self) -> usize {
        self.inner.engine.borrow().cache_bytes()
    }

    /// Entries held by the ETag cache.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// client.get("/issues/7").await?; // a 200 with an ETag is kept
    /// assert!(client.cache_len() <= 500); // `CacheOptions::max_entries` by default
    /// # Ok(()) }
    /// ```
    pub fn cache_len(&self) -> usize {
        self.inner.engine.borrow().cache_len()
    }

    /// Calls in flight (0 once every call has settled or been dropped).
    ///
    /// ```no_run
    /// # fn demo(client: &projekt_client::Client) {
    /// // A global progress bar: shown while any request is under way.
    /// let busy = client.calls_in_flight() > 0;
    /// # let _ = busy; }
    /// ```
    pub fn calls_in_flight(&self) -> usize {
        self.inner.engine.borrow().calls()
    }

    /// Whether a GET of `path` would skip the cache because a write to it
    /// (or to the collection it belongs to) is in flight.
    ///
    /// ```no_run
    /// # fn demo(client: &projekt_client::Client) {
    /// // Show "saving…" next to the issue while its PATCH is on its way.
    /// let saving = client.write_in_flight("/issues/7");
    /// # let _ = saving; }
    /// ```
    pub fn write_in_flight(&self, path: &str) -> bool {
        let e = self.inner.engine.borrow();
        e.url(path, &[]).is_ok_and(|u| e.write_in_flight(&u))
    }

    /// `path` joined onto the base URL (absolute URLs must lie inside it).
    ///
    /// ```no_run
    /// use projekt_client::{Client, ClientOptions};
    /// let client = Client::new(ClientOptions::new("https://api.example.test/v1"))?;
    /// // An `<a href>` to a download the browser fetches itself.
    /// let href = client.url_for("/files/report.pdf")?;
    /// assert_eq!(href, "https://api.example.test/v1/files/report.pdf");
    /// assert!(client.url_for("../admin").is_err());
    /// assert!(client.url_for("https://elsewhere.example/v1").is_err());
    /// # Ok::<(), projekt_client::ConfigError>(())
    /// ```
    pub fn url_for(&self, path: &str) -> Result<String, ConfigError> {
        self.inner.engine.borrow().url(path, &[])
    }

    /// The base URL requests are joined onto.
    ///
    /// ```no_run
    /// use projekt_client::{Client, ClientOptions};
    /// let client = Client::new(ClientOptions::new("https://api.example.test/v1/"))?;
    /// assert_eq!(client.base_url(), "https://api.example.test/v1"); // no trailing slash
    /// # Ok::<(), projekt_client::ConfigError>(())
    /// ```
    pub fn base_url(&self) -> String {
        self.inner.engine.borrow().base().as_str().to_owned()
    }

    /// A GET of `path`: await it for the [`Response`], or set query pairs,
    /// headers, a signal or a cache mode first ([`RequestBuilder`]).
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// let issue = client.get("/issues/7").await?.data; // a JsValue
    /// # let _ = issue; Ok(()) }
    /// ```
    pub fn get(&self, path: &str) -> RequestBuilder {
        RequestBuilder::new(self, "GET", path)
    }

    /// GET `path` and deserialize the body into any `T: DeserializeOwned`.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Issue { id: u64, title: String }
    /// let issue: Issue = client.get_json("/issues/7").await?;
    /// // A body that does not fit `Issue` is an error of kind `Decode`.
    /// # let _ = (issue.id, issue.title); Ok(()) }
    /// ```
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.get(path)
            .await?
            .json()
            .map_err(|e| e.with_request("GET", path))
    }

    /// A POST to `path`; give it a body with [`RequestBuilder::json`].
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// #[derive(serde::Serialize)]
    /// struct NewIssue<'a> { title: &'a str, labels: &'a [&'a str] }
    /// let created = client
    ///     .post("/issues")
    ///     .json(&NewIssue { title: "Broken build", labels: &["ci"] })
    ///     .await?;
    /// assert_eq!(created.status, 201);
    /// # Ok(()) }
    /// ```
    pub fn post(&self, path: &str) -> RequestBuilder {
        RequestBuilder::new(self, "POST", path)
    }

    /// A PUT to `path`.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// use std::collections::HashMap;
    /// let settings = HashMap::from([("theme", "dark"), ("locale", "de")]);
    /// client.put("/me/settings").json(&settings).await?;
    /// # Ok(()) }
    /// ```
    pub fn put(&self, path: &str) -> RequestBuilder {
        RequestBuilder::new(self, "PUT", path)
    }

    /// A PATCH to `path`.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// use std::collections::HashMap;
    /// client
    ///     .patch("/issues/7")
    ///     .json(&HashMap::from([("state", "closed")]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn patch(&self, path: &str) -> RequestBuilder {
        RequestBuilder::new(self, "PATCH", path)
    }

    /// A DELETE of `path` (a 204 gives an `undefined` body).
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// let gone = client.delete("/issues/7").await?;
    /// assert!(gone.data.is_undefined()); // 204 No Content
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, path: &str) -> RequestBuilder {
        RequestBuilder::new(self, "DELETE", path)
    }

    /// Sends one request; the engine decides the gate, cache, retries and
    /// error. Dropping the future aborts it and releases what it held.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// use projekt_client::{CacheMode, Request};
    /// // What `client.get("/issues").query(…).cache(…)` builds, spelt out.
    /// let mut req = Request::new("GET", "/issues");
    /// req.query.push(("state".into(), "open".into()));
    /// req.cache = CacheMode::NoCache;
    /// let resp = client.request(req).await?;
    /// # let _ = resp; Ok(()) }
    /// ```
    pub async fn request(&self, req: Request) -> Result<Response, Error> {
        let method = crate::request::normalise_method(if req.method.is_empty() {
            "GET"
        } else {
            &req.method
        })
        .map_err(|e| Error::invalid_input(e.0))?;
        let url = self
            .inner
            .engine
            .borrow()
            .url(&req.path, &req.query)
            .map_err(|e| Error::invalid_input(e.0))?;
        let headers = build_headers(req.headers.as_ref()).map_err(|e| {
            let mut err = Error::invalid_input(
                "projekt-client: headers must be a Headers object, a plain object or an array of pairs",
            );
            err.cause = describe(&e);
            err
        })?;
        for (name, value) in &req.header_pairs {
            if headers.append(name, value).is_err() {
                return Err(Error::invalid_input(
                    "projekt-client: a header name or value is not allowed by fetch",
                ));
            }
        }
        let any_header = !no_custom_headers(&headers);
        let body = match &req.body {
            Some(b) if !b.is_undefined() => {
                let text = bindings::json_stringify(b).map_err(|e| {
                    let mut err = Error::invalid_input(
                        "projekt-client: the request body cannot be serialised as JSON",
                    );
                    err.cause = describe(&e);
                    err
                })?;
                if !headers.has("content-type").unwrap_or(true) {
                    let _ = headers.set("Content-Type", "application/json");
                }
                (!text.is_undefined()).then_some(text)
            }
            _ => None,
        };
        let has = |name: &str| headers.has(name).unwrap_or(false);
        let etag = headers.get("if-none-match").ok().flatten();
        let ctx = Ctx {
            method,
            url,
            headers: headers.clone(),
            body,
            signal: req.signal,
        };
        loop {
            let start = Start {
                method: &ctx.method,
                url: &ctx.url,
                mode: req.cache,
                body: ctx.body.is_some(),
                idempotency_key: has("idempotency-key"),
                if_none_match: etag.as_deref(),
                authorization: has("authorization"),
                org: has("x-org-id"),
                headers: any_header,
                signal: ctx.signal.is_some(),
            };
            let started = self.inner.engine.borrow_mut().start(start, date_now());
            match started {
                Started::Call(id, action) => return self.drive(&ctx, id, action).await,
                Started::Join(leader) => {
                    let slot = self
                        .inner
                        .shared
                        .borrow()
                        .iter()
                        .find(|(id, _)| *id == leader)
                        .map(|(_, s)| s.clone());
                    let Some(slot) = slot else { continue };
                    match Wait(slot).await {
                        Some(Ok((resp, text))) => {
                            let data = copy_of(&text, &resp.data);
                            return Ok(Response { data, ..resp });
                        }
                        Some(Err(e)) => return Err(e),
                        // The leader's future was dropped: start again.
                        None => continue,
                    }
                }
            }
        }
    }

    fn on(&self, id: CallId, event: Event<'_, Entry>) -> Action<Entry> {
        let a = self
            .inner
            .engine
            .borrow_mut()
            .on(id, event, date_now(), math_random());
        self.inner.effects();
        a
    }

    /// Performs the engine's actions for call `id` until it settles.
    async fn drive(
        &self,
        ctx: &Ctx,
        id: CallId,
        mut action: Action<Entry>,
    ) -> Result<Response, Error> {
        let mut guard = Guard {
            inner: self.inner.clone(),
            id,
            controller: AbortController::new().map_err(|e| {
                let mut err = Error::new(Kind::Network, 0, "projekt-client: no AbortController");
                err.cause = describe(&e);
                err
            })?,
            live: true,
            slot: None,
        };
        if ctx.method == "GET" {
            let slot: Rc<RefCell<Slot>> = Rc::new(RefCell::new(Shared::default()));
            self.inner.shared.borrow_mut().push((id, slot.clone()));
            guard.slot = Some(slot);
        }
        // Our controller ends the call's fetch and waits when the future is
        // dropped; the caller's signal when the caller aborts.
        let own = guard.controller.signal();
        let signal = match &ctx.signal {
            Some(s) => abort_signal_any(&Array::of2(s, &own)),
            None => own,
        };
        if ctx.caller_aborted() {
            action = self.on(id, Event::Aborted);
        }
        let mut res: Option<web_sys::Response> = None;
        let mut err_text = String::new();
        let mut data = JsValue::UNDEFINED;
        let mut text = JsValue::UNDEFINED;
        let mut cause = JsValue::UNDEFINED;
        loop {
            action = match action {
                Action::Fetch(f) => {
                    res = None;
                    err_text.clear();
                    cause = JsValue::UNDEFINED;
                    match self.attempt(ctx, &f, &signal).await {
                        Attempt::Aborted(reason) => {
                            cause = reason;
                            self.on(id, Event::Aborted)
                        }
                        Attempt::Failed(failure, c) => {
                            cause = c;
                            // Offline: the engine waits for the network instead of retrying.
                            if failure == Failure::Network && bindings::is_offline() {
                                self.on(id, Event::Offline)
                            } else {
                                self.on(id, Event::Failed(failure))
                            }
                        }
                        Attempt::Response(r) => {
                            let a = self
                                .report(ctx, id, &r, f.eager_all_errors, &mut err_text)
                                .await;
                            res = Some(r);
                            a
                        }
                    }
                }
                Action::ReadBody { keep, max } => match &res {
                    // (The engine asks to read only after a response.)
                    None => self.on(id, Event::BodyFailed(BodyFailure::Network)),
                    Some(r) => match read_success(ctx, r, keep, max).await {
                        Ok((d, t)) => {
                            data = d;
                            text = t;
                            let size = text
                                .dyn_ref::<js_sys::JsString>()
                                .map_or(0, |s| s.length() as usize);
                            let entry = (keep && size > 0).then(|| (text.clone(), r.headers()));
                            // What is held: the text and the headers kept with it.
                            let size = size + entry.as_ref().map_or(0, |(_, h)| headers_size(h));
                            self.on(id, Event::Body { keep: entry, size })
                        }
                        Err(BodyRead::Aborted(reason)) => {
                            cause = reason;
                            self.on(id, Event::Aborted)
                        }
                        Err(BodyRead::Failed(f, c)) => {
                            cause = c;
                            self.on(id, Event::BodyFailed(f))
                        }
                    },
                },
                Action::ReadError { read } => {
                    match &res {
                        Some(r) if read => err_text = read_error_text(ctx, r).await,
                        Some(r) => cancel_body(r),
                        None => {}
                    }
                    let t = std::mem::take(&mut err_text);
                    let a = self.on(id, Event::Envelope(&t));
                    err_text = t;
                    a
                }
                Action::Wait { ms, retry } => {
                    if let Some(info) = retry {
                        if let Some(r) = &res {
                            cancel_body(r);
                        }
                        self.tell_retry(ctx, ms, &info);
                    }
                    match JsFuture::from(bindings::sleep(ms, Some(&signal))).await {
                        Ok(_) => self.on(id, Event::Waited),
                        Err(reason) => {
                            cause = reason;
                            self.on(id, Event::Aborted)
                        }
                    }
                }
                Action::WaitOnline { ms, retry } => {
                    self.tell_retry(ctx, ms.unwrap_or(f64::INFINITY), &retry);
                    match JsFuture::from(bindings::wait_online(ms, Some(&signal))).await {
                        Ok(_) => self.on(id, Event::Waited),
                        Err(reason) => {
                            cause = reason;
                            self.on(id, Event::Aborted)
                        }
                    }
                }
                Action::Load { scope, key } => {
                    let found = JsFuture::from(bindings::persist_load(&scope, &key))
                        .await
                        .ok()
                        .filter(|r| !r.is_undefined())
                        .and_then(|r| {
                            let etag = get(&r, "etag").as_string()?;
                            let headers = get(&r, "headers").dyn_into::<Headers>().ok()?;
                            let size = get(&r, "size").as_f64().unwrap_or(0.0);
                            Some((etag, (get(&r, "text"), headers), size.max(0.0) as usize))
                        });
                    self.on(id, Event::Loaded(found))
                }
                Action::Refresh { id: rid } => {
                    // The refresh runs on its own task: the 401s that share it
                    // get its token even if this call's future is dropped.
                    let cell = Rc::new(RefCell::new(Shared::default()));
                    *self.inner.refresh.borrow_mut() = Some((rid, cell.clone()));
                    match &self.inner.on_unauthorized {
                        Some(cb) => {
                            let token = cb();
                            let fill = cell.clone();
                            wasm_bindgen_futures::spawn_local(async move {
                                let t = token.await;
                                Shared::settle(&fill, Some(t));
                            });
                        }
                        None => Shared::settle(&cell, Some(None)),
                    }
                    let token = Wait(cell).await.flatten();
                    self.on(id, Event::Refreshed(token.as_deref()))
                }
                Action::AwaitRefresh { id: rid } => {
                    let cell = self
                        .inner
                        .refresh
                        .borrow()
                        .as_ref()
                        .filter(|(r, _)| *r == rid)
                        .map(|(_, c)| c.clone());
                    let token = match cell {
                        Some(c) => Wait(c).await.flatten(),
                        None => None,
                    };
                    self.on(id, Event::Refreshed(token.as_deref()))
                }
                Action::Done(outcome) => {
                    if let (Some(r), Outcome::Failed(_)) = (&res, &outcome) {
                        cancel_body(r); // a body left unread (refused by its length)
                    }
                    let result = self.settle(outcome, res.as_ref(), data, text, &err_text, cause);
                    let shared = guard.slot.as_ref().map(|_| result.clone());
                    guard.settle(shared);
                    return result.map(|(resp, _)| resp);
                }
            };
        }
    }

    /// The call's result from the engine's outcome and what was read.
    fn settle(
        &self,
        outcome: Outcome<Entry>,
        res: Option<&web_sys::Response>,
        data: JsValue,
        text: JsValue,
        err_text: &str,
        cause: JsValue,
    ) -> SharedResult {
        match outcome {
            Outcome::Fresh {
                status,
                etag,
                attempts,
            } => Ok((
                Response {
                    status,
                    data,
                    headers: res.map_or_else(|| Object::new().unchecked_into(), |r| r.headers()),
                    etag,
                    from_cache: false,
                    attempts,
                },
                text,
            )),
            Outcome::Cached {
                entry: (text, stored),
                etag,
                attempts,
                revalidated,
            } => {
                let fresh = match res {
                    Some(r) if revalidated => r.headers(),
                    _ => stored.clone(),
                };
                Ok((
                    Response {
                        status: 304,
                        data: parse_text(&text).unwrap_or(JsValue::UNDEFINED),
                        headers: merge_headers(&stored, &fresh),
                        etag: Some(etag),
                        from_cache: true,
                        attempts,
                    },
                    text,
                ))
            }
            Outcome::Failed(mut e) => {
                e.cause = describe(&cause);
                if let Some(r) = res.filter(|_| e.status() >= 300 || e.kind() == Kind::Http) {
                    if !err_text.is_empty() {
                        let shown = self
                            .inner
                            .engine
                            .borrow()
                            .redact_body(err_text)
                            .into_owned();
                        e.body = Some(shown);
                    }
                    e.headers = header_pairs(&r.headers())
                        .into_iter()
                        .map(|(n, v)| {
                            let v = crate::redact::redact_tokens(&v).into_owned();
                            (n, v)
                        })
                        .collect();
                }
                Err(e)
            }
        }
    }

    /// One `fetch` as the engine asks.
    async fn attempt(&self, ctx: &Ctx, f: &engine::Fetch, signal: &AbortSignal) -> Attempt {
        let h = &ctx.headers;
        let apply = |name: &str, v: &Header| match v {
            Header::Keep => {}
            Header::Remove => {
                let _ = h.delete(name);
            }
            Header::Set(v) => {
                let _ = h.set(name, v);
            }
        };
        apply("If-None-Match", &f.if_none_match);
        apply("Authorization", &f.authorization);
        if let Some(org) = &f.org {
            let _ = h.set("X-Org-Id", org);
        }
        let init = RequestInit::new();
        init.set_method(&ctx.method);
        init.set_credentials(RequestCredentials::Omit);
        init.set_headers(h);
        if f.no_store {
            init.set_cache(RequestCache::NoStore);
        }
        if f.manual_redirect {
            init.set_redirect(RequestRedirect::Manual);
        }
        if let Some(body) = &ctx.body {
            init.set_body(body);
        }
        let timer = f
            .timeout_ms
            .map(|ms| abort_signal_timeout(ms.ceil().max(1.0)));
        let signal = match &timer {
            Some(t) => abort_signal_any(&Array::of2(signal, t)),
            None => signal.clone(),
        };
        init.set_signal(Some(&signal));
        match JsFuture::from(global_fetch(&ctx.url, &init)).await {
            Ok(resp) => match resp.dyn_into::<web_sys::Response>() {
                Ok(r) => Attempt::Response(r),
                Err(v) => Attempt::Failed(Failure::Network, v),
            },
            Err(e) if ctx.caller_aborted() => {
                let _ = e;
                Attempt::Aborted(
                    ctx.signal
                        .as_ref()
                        .map_or(JsValue::UNDEFINED, |s| s.reason()),
                )
            }
            Err(e) if timer.as_ref().is_some_and(|t| t.aborted()) => {
                Attempt::Failed(Failure::Timeout, e)
            }
            Err(e) => Attempt::Failed(Failure::Network, e),
        }
    }

    /// Reports a response's head (with the body of an error status the
    /// engine will not retry, read now).
    async fn report(
        &self,
        ctx: &Ctx,
        id: CallId,
        r: &web_sys::Response,
        eager_all: bool,
        err_text: &mut String,
    ) -> Action<Entry> {
        let status = r.status();
        let eager = status >= 400 && (eager_all || !crate::retry::may_retry_status(status));
        if eager {
            *err_text = read_error_text(ctx, r).await;
        }
        // (Read after the await: nothing but the text is held across it.)
        let headers = r.headers();
        let [etag, cache_control, remaining, reset, retry_after, allow, length, content_type, vary] =
            HEAD.map(|name| headers.get(name).ok().flatten());
        let head = Head {
            status,
            redirected: r.redirected() || r.type_() == ResponseType::Opaqueredirect,
            etag: etag.as_deref(),
            cache_control: cache_control.as_deref(),
            remaining: remaining.as_deref(),
            reset: reset.as_deref(),
            retry_after: retry_after.as_deref(),
            allow: allow.as_deref(),
            content_length: length.as_deref(),
            content_type: content_type.as_deref(),
            vary: vary.as_deref(),
            envelope: eager.then_some(err_text.as_str()),
        };
        self.on(id, Event::Response(head))
    }

    /// Tells `onRetry` about the retry the engine is about to wait for.
    fn tell_retry(&self, ctx: &Ctx, ms: f64, r: &engine::RetryInfo) {
        let Some(cb) = &self.inner.on_retry else {
            return;
        };
        cb(&RetryInfo {
            attempt: r.attempt,
            // (`try_`: a delay is finite and capped, but no panic either way.)
            delay: if ms.is_infinite() {
                std::time::Duration::MAX
            } else {
                std::time::Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
            },
            reason: r.reason,
            status: r.status,
            method: ctx.method.clone(),
            url: crate::redact::redact_tokens(&ctx.url).into_owned(),
        });
    }
}

/// Whether the global object has `name` (`BroadcastChannel`, `indexedDB`).
fn has_global(name: &str) -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(false)
        && !get(&js_sys::global(), name).is_undefined()
}

/// The parts of a request fixed across attempts.
struct Ctx {
    method: String,
    url: String,
    headers: Headers,
    body: Option<JsValue>,
    signal: Option<AbortSignal>,
}

impl Ctx {
    fn caller_aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(|s| s.aborted())
    }
}

/// Why a 2xx body could not be had.
enum BodyRead {
    Aborted(JsValue),
    Failed(BodyFailure, JsValue),
}

/// Reads a 2xx body: `(data, text)`, `undefined`s when empty; the text only
/// when it is to be kept (or there is no length to parse from). With `max`,
/// reading stops past that many bytes ([`BodyFailure::TooLarge`]).
async fn read_success(
    ctx: &Ctx,
    resp: &web_sys::Response,
    keep: bool,
    max: Option<f64>,
) -> Result<(JsValue, JsValue), BodyRead> {
    let length = resp.headers().get("content-length").ok().flatten();
    let fail = |e: JsValue| -> BodyRead {
        if e.is_instance_of::<js_sys::SyntaxError>() {
            return BodyRead::Failed(BodyFailure::Decode, e);
        }
        // A body too long for a string: Chromium's "Invalid string length"
        // (a RangeError), Firefox's "allocation size overflow" (InternalError).
        if e.is_instance_of::<js_sys::RangeError>()
            || get(&e, "name").as_string().as_deref() == Some("InternalError")
        {
            return BodyRead::Failed(BodyFailure::TooLarge, e);
        }
        if ctx.caller_aborted() {
            return BodyRead::Aborted(
                ctx.signal
                    .as_ref()
                    .map_or(JsValue::UNDEFINED, |s| s.reason()),
            );
        }
        let timed_out = get(&e, "name")
            .as_string()
            .is_some_and(|n| n == "TimeoutError" || n == "AbortError");
        BodyRead::Failed(
            if timed_out {
                BodyFailure::Timeout
            } else {
                BodyFailure::Network
            },
            e,
        )
    };
    if let Some(max) = max {
        let text = JsFuture::from(bindings::read_capped(resp, max))
            .await
            .map_err(fail)?;
        if text.is_undefined() {
            return Err(BodyRead::Failed(BodyFailure::TooLarge, JsValue::UNDEFINED));
        }
        if text.unchecked_ref::<js_sys::JsString>().length() == 0 {
            return Ok((JsValue::UNDEFINED, JsValue::UNDEFINED));
        }
        let data = json_parse(&text).map_err(fail)?;
        return Ok((data, if keep { text } else { JsValue::UNDEFINED }));
    }
    if length.is_some() && !keep {
        // The browser parses straight from bytes: no string, no copy into Rust.
        let promise = resp.json().map_err(fail)?;
        let data = JsFuture::from(promise).await.map_err(fail)?;
        return Ok((data, JsValue::UNDEFINED));
    }
    let promise = resp.text().map_err(fail)?;
    let text = JsFuture::from(promise).await.map_err(fail)?;
    // Not `as_string()`: that would copy the whole body into Rust.
    if text.unchecked_ref::<js_sys::JsString>().length() == 0 {
        return Ok((JsValue::UNDEFINED, JsValue::UNDEFINED));
    }
    let data = json_parse(&text).map_err(fail)?;
    Ok((data, text))
}

/// An error body's text, at most [`engine::MAX_ERROR_BODY`] long (`""` past
/// that, or when unreadable).
async fn read_error_text(ctx: &Ctx, resp: &web_sys::Response) -> String {
    if ctx.method == "HEAD" {
        return String::new();
    }
    // Refused unread when its length says it is over the bound; else read
    // chunk by chunk and stopped past it, whatever the encoding or how long
    // the body runs.
    let promise = bindings::read_capped(resp, engine::MAX_ERROR_BODY as f64);
    match JsFuture::from(promise).await {
        Ok(t) => t.as_string().unwrap_or_default(),
        Err(_) => String::new(),
    }
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

/// Every header name and value, as `[name, value]` pairs.
fn header_pairs(headers: &Headers) -> Vec<(String, String)> {
    let Ok(Some(it)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    it.filter_map(|pair| {
        let pair: Array = pair.ok()?.dyn_into().ok()?;
        Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
    })
    .collect()
}

/// What a response's headers hold, counted against the cache's `maxBytes`.
fn headers_size(headers: &Headers) -> usize {
    header_pairs(headers)
        .iter()
        .map(|(n, v)| n.len() + v.len())
        .sum()
}

/// A JS value as text for an error's `cause` (`String(value)`); `None` for
/// `undefined`.
fn describe(v: &JsValue) -> Option<String> {
    if v.is_undefined() {
        return None;
    }
    bindings::js_string(v).ok()
}

fn cancel_body(resp: &web_sys::Response) {
    // (In JS: a locked or errored body's cancel() rejects, unhandled here.)
    bindings::cancel_body(resp);
}
