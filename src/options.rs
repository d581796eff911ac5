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
///
/// ```
/// use projekt_client::ClientOptions;
/// let options = ClientOptions::new("https://api.example.test/v1").with_on_retry(|info| {
///     // e.g. "GET https://api.example.test/v1/issues: 503 (unavailable), attempt 2 in 740ms"
///     let line = format!(
///         "{} {}: {} ({}), attempt {} in {:?}",
///         info.method, info.url, info.status, info.reason, info.attempt, info.delay
///     );
///     # let _ = line;
/// });
/// ```
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
///
/// ```
/// use projekt_client::TokenFuture;
/// // What an `OnUnauthorized` returns (`with_on_unauthorized` boxes it for you).
/// fn refresh() -> TokenFuture {
///     Box::pin(async {
///         // Ask the app's session endpoint; `None` leaves the 401 standing.
///         Some("pjk_live_fresh".to_string())
///     })
/// }
/// ```
pub type TokenFuture = Pin<Box<dyn Future<Output = Option<String>>>>;
/// `on_retry`'s type.
///
/// ```
/// use projekt_client::{ClientOptions, OnRetry, RetryInfo};
/// use std::rc::Rc;
/// // One callback shared by the clients of two APIs.
/// let log: OnRetry = Rc::new(|info: &RetryInfo| eprintln!("retrying {} ({})", info.url, info.reason));
/// let api = ClientOptions {
///     on_retry: Some(log.clone()),
///     ..ClientOptions::new("https://api.example.test/v1")
/// };
/// let billing = ClientOptions {
///     on_retry: Some(log),
///     ..ClientOptions::new("https://billing.example.test/v1")
/// };
/// ```
pub type OnRetry = Rc<dyn Fn(&RetryInfo)>;
/// `on_unauthorized`'s type.
///
/// ```
/// use projekt_client::{ClientOptions, OnUnauthorized, TokenFuture};
/// use std::rc::Rc;
/// // What `with_on_unauthorized` builds, spelt out.
/// let refresh: OnUnauthorized =
///     Rc::new(|| Box::pin(async { Some("pjk_live_fresh".to_string()) }) as TokenFuture);
/// let options = ClientOptions {
///     on_unauthorized: Some(refresh),
///     ..ClientOptions::new("https://api.example.test/v1")
/// };
/// ```
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
///
/// Every option, at its default (what [`ClientOptions::new`] gives):
///
/// ```
/// use projekt_client::{CacheOptions, ClientOptions, RetryOptions};
/// use std::time::Duration;
/// let options = ClientOptions {
///     base_url: "https://api.example.test/v1".into(),
///     token: None,
///     org_id: None,
///     timeout: Some(Duration::from_secs(10)),
///     total_timeout: None,
///     retry: RetryOptions::default(),
///     cache: Some(CacheOptions::default()),
///     on_retry: None,
///     on_unauthorized: None,
///     allow_insecure_token: false,
///     max_body_bytes: None,
///     cross_tab: true,
///     persist_cache: false,
/// };
/// # assert_eq!(format!("{options:?}"), format!("{:?}", ClientOptions::new("https://api.example.test/v1")));
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
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// use std::time::Duration;
    /// // A search box: 3 s per attempt, and the answer within 8 s or not at all.
    /// let options = ClientOptions {
    ///     timeout: Some(Duration::from_secs(3)),
    ///     total_timeout: Some(Duration::from_secs(8)),
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// };
    /// ```
    pub total_timeout: Option<Duration>,
    /// Retry settings; [`RetryOptions::disabled`] for none.
    ///
    /// ```
    /// use projekt_client::{ClientOptions, RetryOptions};
    /// let patient = ClientOptions {
    ///     retry: RetryOptions { limit: 5, ..RetryOptions::default() },
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// };
    /// let fail_fast = ClientOptions {
    ///     retry: RetryOptions::disabled(),
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// };
    /// ```
    pub retry: RetryOptions,
    /// ETag cache bounds; `None` turns the cache off.
    ///
    /// ```
    /// use projekt_client::{CacheOptions, ClientOptions};
    /// // A small cache for a memory-tight embedded view.
    /// let small = ClientOptions {
    ///     cache: Some(CacheOptions { max_entries: 50, max_bytes: 500_000 }),
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// };
    /// // No cache: every GET goes to the server whole.
    /// let none = ClientOptions { cache: None, ..ClientOptions::new("https://api.example.test/v1") };
    /// ```
    pub cache: Option<CacheOptions>,
    /// Called before each retry wait ([`ClientOptions::with_on_retry`]).
    pub on_retry: Option<OnRetry>,
    /// Called on a 401 for a fresh token, with which the request is retried
    /// once; concurrent 401s share one call ([`ClientOptions::with_on_unauthorized`]).
    pub on_unauthorized: Option<OnUnauthorized>,
    /// Allow sending a token over plain `http://` to a host that is not this
    /// machine. Off by default: the token would travel in clear text.
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// // A test rig on the LAN without TLS (never in production).
    /// // `http://localhost` and `http://127.0.0.1` need no such flag.
    /// let options = ClientOptions {
    ///     token: Some("pjk_test_rig".into()),
    ///     allow_insecure_token: true,
    ///     ..ClientOptions::new("http://rig.lan:8080/v1")
    /// };
    /// ```
    pub allow_insecure_token: bool,
    /// The most bytes a 2xx body may have: past it the call fails with
    /// [`Kind::Decode`](crate::Kind::Decode) and the body is not read further
    /// (a declared `Content-Length` over it is refused unread). `None` (the
    /// default): no bound but the browser's largest string.
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// // No 2xx body over 5 MB: a runaway export fails fast with a
    /// // `Decode` error instead of filling the tab's memory.
    /// let options = ClientOptions {
    ///     max_body_bytes: Some(5 * 1024 * 1024),
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// };
    /// ```
    pub max_body_bytes: Option<u64>,
    /// Share the rate-limit gate and write invalidations with clients of
    /// the same API and identity in other tabs and workers (and this page),
    /// over a `BroadcastChannel` (no token, URL or body crosses). Default on.
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// // On (the default): a 429 seen in one tab holds this tab's requests
    /// // too, and a write in one tab drops the others' cached copies.
    /// let shared = ClientOptions::new("https://api.example.test/v1");
    /// assert!(shared.cross_tab);
    /// // Off: this client keeps its rate-limit gate and cache to itself.
    /// let alone = ClientOptions { cross_tab: false, ..ClientOptions::new("https://api.example.test/v1") };
    /// ```
    pub cross_tab: bool,
    /// Keep the ETag cache's entries in IndexedDB too, so a reload
    /// revalidates them (`If-None-Match`) instead of fetching them whole.
    /// Off by default; a failing IndexedDB leaves the memory cache alone.
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// // A dashboard reloaded often: after a reload its lists come back as
    /// // 304s. (Entries are kept per token; `clear_cache` removes them.)
    /// let options = ClientOptions {
    ///     persist_cache: true,
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// };
    /// ```
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
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// use std::time::Duration;
    /// let options = ClientOptions::new("https://api.example.test/v1");
    /// assert_eq!(options.timeout, Some(Duration::from_secs(10)));
    /// assert_eq!(options.retry.limit, 3);
    /// assert!(options.token.is_none() && options.cache.is_some());
    /// ```
    pub fn new(base_url: impl Into<String>) -> ClientOptions {
        ClientOptions {
            base_url: base_url.into(),
            token: None,
            org_id: None,
            timeout: Some(Duration::from_millis(
                crate::engine::DEFAULT_TIMEOUT_MS as u64,
            )),
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
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// use std::{cell::Cell, rc::Rc};
    /// // A "connection trouble" banner: count the retries, note going offline.
    /// let retries = Rc::new(Cell::new(0));
    /// let offline = Rc::new(Cell::new(false));
    /// let (r, o) = (retries.clone(), offline.clone());
    /// let options = ClientOptions::new("https://api.example.test/v1").with_on_retry(move |info| {
    ///     r.set(r.get() + 1);
    ///     o.set(info.reason == "offline");
    /// });
    /// ```
    pub fn with_on_retry(mut self, f: impl Fn(&RetryInfo) + 'static) -> ClientOptions {
        self.on_retry = Some(Rc::new(f));
        self
    }

    /// Asks `f` for a fresh token on a 401 (`None`: there is none, the 401
    /// stands).
    ///
    /// ```
    /// use projekt_client::ClientOptions;
    /// // The app's own refresh, e.g. a POST to its session endpoint; `None`
    /// // when the session is over (the caller then sees the 401).
    /// async fn refresh_token() -> Option<String> {
    ///     Some("pjk_live_fresh".to_string())
    /// }
    /// let options = ClientOptions {
    ///     token: Some("pjk_live_expiring".into()),
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// }
    /// .with_on_unauthorized(refresh_token);
    /// assert!(options.on_unauthorized.is_some());
    /// ```
    pub fn with_on_unauthorized<F, Fut>(mut self, f: F) -> ClientOptions
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Option<String>> + 'static,
    {
        self.on_unauthorized = Some(Rc::new(move || Box::pin(f()) as TokenFuture));
        self
    }
}
