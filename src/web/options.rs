//! One request of the Rust `Client` and its response (browser types; the
//! options, which every target can name, are [`crate::ClientOptions`]).

use crate::engine::CacheMode;
use crate::error::Error;
use crate::status::Kind;
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, Headers};

/// One request ([`crate::Client::request`]); the builders of
/// [`crate::Client::get`] and the others fill it in.
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// use projekt_client::{CacheMode, Request};
/// let controller = web_sys::AbortController::new().expect("AbortController");
/// let req = Request {
///     method: "POST".into(),
///     path: "/issues".into(),
///     query: vec![("notify".into(), "false".into())],
///     body: Some(js_sys::JSON::parse(r#"{"title":"Broken build"}"#).expect("JSON")),
///     headers: None, // or a `Headers`, a plain object or an array of pairs
///     header_pairs: vec![("Idempotency-Key".into(), "c1d2e3".into())],
///     signal: Some(controller.signal()),
///     cache: CacheMode::Default, // read only for a GET
/// };
/// let created = client.request(req).await?;
/// # let _ = created; Ok(()) }
/// ```
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
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// use projekt_client::Request;
    /// let mut req = Request::new("DELETE", "/issues/7");
    /// req.header_pairs.push(("If-Match".into(), "\"v3\"".into()));
    /// client.request(req).await?;
    /// # Ok(()) }
    /// ```
    pub fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.to_string(),
            path: path.to_string(),
            ..Request::default()
        }
    }
}

/// A successful answer.
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// let resp = client.get("/issues/7").await?;
/// assert!(resp.status == 200 || resp.status == 304);
/// let title = js_sys::Reflect::get(&resp.data, &"title".into()).ok();
/// let request_id = resp.headers.get("x-request-id").ok().flatten();
/// let version = resp.etag.clone(); // e.g. `W/"3"`, to send back as `If-Match`
/// let cached = resp.from_cache; // a 304: `data` is the stored copy
/// let retried = resp.attempts > 1;
/// # let _ = (title, request_id, version, cached, retried); Ok(()) }
/// ```
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
