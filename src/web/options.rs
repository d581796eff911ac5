//! What the Rust `Client` is given and gives back: its options (with Rust
//! callbacks and `Duration`s), one request, one response.

use crate::cache::CacheOptions;
use crate::engine::CacheMode;
use crate::error::Error;
use crate::retry::RetryOptions;
use crate::status::Kind;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, Headers};

/// What `on_retry` is told before each retry wait.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryInfo {
    /// The number of the attempt about to be made (2 for the first retry).
    pub attempt: u32,
    /// How long the client waits first.
    pub delay: Duration,
    /// The failed attempt's kind: `rate_limited`, `server`, `unavailable`,
    /// `network` or `timeout`.
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
/// .with_on_retry(|info| log::info!("retry {} in {:?} ({})", info.attempt, info.delay, info.reason))
/// .with_on_unauthorized(|| async { Some("pjk_live_fresh".to_string()) });
/// # mod log { macro_rules! info { ($($t:tt)*) => {} } pub(crate) use info; }
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

/// One request ([`crate::Client::request`]); the builders of
/// [`crate::Client::get`] and the others fill it in.
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
    /// Extra headers as a JS value (a `Headers`, a plain object or an array
    /// of pairs).
    pub headers: Option<JsValue>,
    /// Extra headers, name and value.
    pub header_pairs: Vec<(String, String)>,
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

impl Response {
    /// The body as any `T: DeserializeOwned` (a `DecodeError` when it does
    /// not fit).
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Issue { id: u64, title: String }
    /// let issue: Issue = client.get("/issues/7").await?.json()?;
    /// # let _ = (issue.id, issue.title); Ok(()) }
    /// ```
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_wasm_bindgen::from_value(self.data.clone())
            .map_err(|e| Error::new(Kind::Decode, self.status, e.to_string()))
    }
}
