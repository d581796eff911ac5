//! The Rust `Client`'s options: plain Rust (callbacks as closures, times as
//! `Duration`s), so code for every target — a Leptos SSR or Dioxus
//! fullstack crate — can name and build them; only sending needs wasm32.

use crate::cache::CacheOptions;
use crate::retry::RetryOptions;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use core::future::Future;
use core::pin::Pin;
use core::time::Duration;

/// What `on_retry` is told before each retry wait.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryInfo {
    /// The number of the attempt about to be made (2 for the first retry).
    pub attempt: u32,
    /// How long the client waits first. For `offline`: the most it waits
    /// for the network (what is left of `total_timeout`), `Duration::MAX`
    /// when nothing bounds it.
    pub delay: Duration,
    /// The failed attempt's kind: `rate_limited`, `server`, `unavailable`,
    /// `network`, `timeout`, or `offline` (no network and the browser says
    /// it is offline: the client waits for the `online` event, and no retry
    /// is spent).
    pub reason: &'static str,
    /// Its status, 0 when no response came.
    pub status: u16,
    /// The request's method.
    pub method: String,
    /// The request's URL (a token in it shown as `[redacted]`).
    pub url: String,
}

/// A new token, or `None` for none: what `on_unauthorized` resolves to.
pub type TokenFuture = Pin<Box<dyn Future<Output = Option<String>>>>;
/// `on_retry`'s type.
pub type OnRetry = Rc<dyn Fn(&RetryInfo)>;
/// `on_unauthorized`'s type.
pub type OnUnauthorized = Rc<dyn Fn() -> TokenFuture>;

/// The client's settings.
///
/// ```no_run
/// use projekt_client::ClientOptions;
/// use std::time::Duration;
/// let options = ClientOptions {
///     token: Some("pjk_live_…".into()),
///     timeout: Some(Duration::from_secs(5)),
///     ..ClientOptions::new("https://api.example.test/v1")
/// }
/// .with_on_retry(|info| println!("retry {} in {:?} ({})", info.attempt, info.delay, info.reason))
/// .with_on_unauthorized(|| async { Some("pjk_live_fresh".to_string()) });
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    /// Absolute http(s) URL of the API, e.g. `https://api.example.test/v1`.
    pub base_url: String,
    /// A `pjk_…` token, sent as `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// An org UUID, sent as `X-Org-Id`.
    pub org_id: Option<String>,
    /// Per-attempt timeout (`None`: none). Default 10 s.
    pub timeout: Option<Duration>,
    /// Deadline for a whole call, retries and waits included.
    pub total_timeout: Option<Duration>,
    /// Retry settings; [`RetryOptions::disabled`] for none.
    pub retry: RetryOptions,
    /// ETag cache bounds; `None` turns the cache off.
    pub cache: Option<CacheOptions>,
    /// Called before each retry wait ([`ClientOptions::with_on_retry`]).
    pub on_retry: Option<OnRetry>,
    /// Called on a 401 for a fresh token, with which the request is retried
    /// once; concurrent 401s share one call ([`ClientOptions::with_on_unauthorized`]).
    pub on_unauthorized: Option<OnUnauthorized>,
    /// Allow sending a token over plain `http://` to a host that is not this
    /// machine. Off by default: the token would travel in clear text.
    pub allow_insecure_token: bool,
    /// The most bytes a 2xx body may have: past it the call fails with
    /// [`Kind::Decode`](crate::Kind::Decode) and the body is not read further
    /// (a declared `Content-Length` over it is refused unread). `None` (the
    /// default): no bound but the browser's largest string.
    pub max_body_bytes: Option<u64>,
    /// Share the rate-limit gate and write invalidations with clients of
    /// the same API and identity in other tabs and workers (and this page),
    /// over a `BroadcastChannel` (no token, URL or body crosses). Default on.
    pub cross_tab: bool,
    /// Keep the ETag cache's entries in IndexedDB too, so a reload
    /// revalidates them (`If-None-Match`) instead of fetching them whole.
    /// Off by default; a failing IndexedDB leaves the memory cache alone.
    pub persist_cache: bool,
}

impl core::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("org_id", &self.org_id)
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry", &self.retry)
            .field("cache", &self.cache)
            .field("on_retry", &self.on_retry.is_some())
            .field("on_unauthorized", &self.on_unauthorized.is_some())
            .field("allow_insecure_token", &self.allow_insecure_token)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("cross_tab", &self.cross_tab)
            .field("persist_cache", &self.persist_cache)
            .finish()
    }
}

impl ClientOptions {
    /// Defaults for `base_url`: no token, 10 s timeout, 3 retries, cache on.
    pub fn new(base_url: impl Into<String>) -> ClientOptions {
        ClientOptions {
            base_url: base_url.into(),
            token: None,
            org_id: None,
            timeout: Some(Duration::from_secs(10)),
            total_timeout: None,
            retry: RetryOptions::default(),
            cache: Some(CacheOptions::default()),
            on_retry: None,
            on_unauthorized: None,
            allow_insecure_token: false,
            max_body_bytes: None,
            cross_tab: true,
            persist_cache: false,
        }
    }

    /// Calls `f` before each retry wait.
    pub fn with_on_retry(mut self, f: impl Fn(&RetryInfo) + 'static) -> ClientOptions {
        self.on_retry = Some(Rc::new(f));
        self
    }

    /// Asks `f` for a fresh token on a 401 (`None`: there is none, the 401
    /// stands).
    pub fn with_on_unauthorized<F, Fut>(mut self, f: F) -> ClientOptions
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Option<String>> + 'static,
    {
        self.on_unauthorized = Some(Rc::new(move || Box::pin(f()) as TokenFuture));
        self
    }
}
