//! The Rust face's `Client`: its public API, and the client-wide state its
//! calls share. It is an executor of the request engine
//! ([`crate::engine`]), as `src/js/client.js` is the npm package's: the
//! loop that performs one call's actions is `src/web/drive.rs`.
//!
//! It performs what the engine asks — `fetch`, timers, signals, reading
//! bodies, holding JS values — and reports back; every decision is the
//! engine's. A call's future owns a guard: dropping the future (a component
//! unmounts, a resource re-runs) aborts its `fetch` and its timer through
//! the call's own `AbortController` and tells the engine, which releases the
//! call's write mark, refresh wait and shared GET.

use crate::engine::{CallId, Config, Effect, Engine, Forget, Start, Started};
use crate::error::Error;
use crate::request::{BaseUrl, ConfigError};
use crate::web::bindings::{self, date_now};
use crate::web::convert::get;
use crate::web::drive::{copy_of, describe, Ctx};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Headers;

pub use crate::engine::CacheMode;
pub use crate::options::{ClientOptions, OnRetry, OnUnauthorized, RetryInfo, TokenFuture};
pub use crate::web::builder::RequestBuilder;
pub use crate::web::options::{Request, Response};

/// What a GET's followers get when it settles: the response and the body's
/// text (each follower parses its own copy).
pub(super) type SharedResult = Result<(Response, JsValue), Error>;

/// A result several futures await: a GET's for the calls joined to it, a
/// refresh's token for the 401s that share it. `gone` when the future that
/// was to fill it was dropped first (its waiters then start again).
pub(super) struct Shared<T> {
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
    pub(super) fn settle(cell: &RefCell<Shared<T>>, value: Option<T>) {
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
pub(super) struct Wait<T>(pub(super) Rc<RefCell<Shared<T>>>);

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

pub(super) type Slot = Shared<SharedResult>;
/// A refresh's token, shared by the 401s that await it.
type TokenCell = Rc<RefCell<Shared<Option<String>>>>;

/// A body's text and the headers it came with: what the cache keeps.
pub(super) type Entry = (JsValue, Headers);

/// A `crossTab` membership and the callback it calls.
type Membership = (JsValue, Closure<dyn Fn(JsValue, f64)>);

pub(super) struct Inner {
    pub(super) engine: RefCell<Engine<Entry>>,
    pub(super) on_retry: Option<OnRetry>,
    pub(super) on_unauthorized: Option<OnUnauthorized>,
    /// The last refresh asked for: its id and the token it gives.
    pub(super) refresh: RefCell<Option<(u32, TokenCell)>>,
    /// GETs in flight, by call id, for the calls the engine joins to them.
    pub(super) shared: RefCell<Vec<(CallId, Rc<RefCell<Slot>>)>>,
    /// The `crossTab` membership (src/js/citizen.js) and the callback it
    /// holds, which holds this client weakly.
    tab: RefCell<Option<Membership>>,
}

impl Inner {
    /// Performs what the engine asked for on the side: notes to tell,
    /// entries to persist or forget.
    pub(super) fn effects(&self) {
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
    pub(super) inner: Rc<Inner>,
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
}

/// Whether the global object has `name` (`BroadcastChannel`, `indexedDB`).
fn has_global(name: &str) -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(false)
        && !get(&js_sys::global(), name).is_undefined()
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
