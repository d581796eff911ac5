//! `client.get(path)…` — a request built in the reqwest/gloo style, sent
//! when awaited.

use crate::engine::CacheMode;
use crate::error::Error;
use crate::web::client::Client;
use crate::web::options::{Request, Response};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

/// A request being built. Awaiting it sends it (through the client's gate,
/// cache and retries) and gives the [`Response`]; dropping the future
/// aborts it.
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// use std::collections::HashMap;
/// #[derive(serde::Deserialize)]
/// struct Issue { id: u64 }
/// let open: Vec<Issue> = client
///     .get("/issues")
///     .query([("state", "open"), ("label", "bug")])
///     .header("Accept-Language", "de")
///     .await?
///     .json()?;
/// let created: Issue = client
///     .post("/issues")
///     .json(&HashMap::from([("title", "Broken build")]))
///     .await?
///     .json()?;
/// # let _ = (open, created.id); Ok(()) }
/// ```
#[must_use = "a request is sent when it is awaited"]
pub struct RequestBuilder {
    client: Client,
    req: Request,
    error: Option<Error>,
    path_params: Vec<(String, String)>,
}

impl RequestBuilder {
    pub(crate) fn new(client: &Client, method: &str, path: &str) -> RequestBuilder {
        RequestBuilder {
            client: client.clone(),
            req: Request::new(method, path),
            error: None,
            path_params: Vec::new(),
        }
    }

    /// Fills `{name}` in the path with `value`, percent-encoded as one
    /// segment (a `/` or `..` in it never changes the path). A `{name}` left
    /// without a value, or an empty or dot (`.`, `..`) value, fails the
    /// request with [`Kind::InvalidInput`](crate::Kind::InvalidInput) before
    /// anything is sent.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// let issue = client
    ///     .get("/orgs/{org}/issues/{id}")
    ///     .path_param("org", "acme co") // sent as /orgs/acme%20co/issues/7
    ///     .path_param("id", 7)
    ///     .await?;
    /// # let _ = issue; Ok(()) }
    /// ```
    pub fn path_param(mut self, name: impl Into<String>, value: impl ToString) -> RequestBuilder {
        self.path_params.push((name.into(), value.to_string()));
        self
    }

    /// Adds query pairs (a key repeated for a list: `[("label", "a"), ("label", "b")]`).
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// // GET /issues?label=bug&label=ui&per_page=50
    /// let bugs = client
    ///     .get("/issues")
    ///     .query([("label", "bug"), ("label", "ui")])
    ///     .query([("per_page", 50)])
    ///     .await?;
    /// # let _ = bugs; Ok(()) }
    /// ```
    pub fn query<K, V>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> RequestBuilder
    where
        K: Into<String>,
        V: ToString,
    {
        self.req
            .query
            .extend(pairs.into_iter().map(|(k, v)| (k.into(), v.to_string())));
        self
    }

    /// Adds a header.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// let issue = client
    ///     .get("/issues/7")
    ///     .header("Accept-Language", "de")
    ///     .header("X-Request-Id", "7f3a9c")
    ///     .await?;
    /// # let _ = issue; Ok(()) }
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> RequestBuilder {
        self.req.header_pairs.push((name.into(), value.into()));
        self
    }

    /// Aborts the request (its waits and retries too) when `signal` aborts.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// // A search box: each keystroke aborts the previous search.
    /// let controller = web_sys::AbortController::new().expect("AbortController");
    /// let results = client
    ///     .get("/search")
    ///     .query([("q", "crash on save")])
    ///     .signal(&controller.signal())
    ///     .await;
    /// // Elsewhere, on the next keystroke: `controller.abort()`; the call
    /// // then ends in an error with `is_aborted()`.
    /// # let _ = results; Ok(()) }
    /// ```
    pub fn signal(mut self, signal: &AbortSignal) -> RequestBuilder {
        self.req.signal = Some(signal.clone());
        self
    }

    /// The cache mode for a GET.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// use projekt_client::CacheMode;
    /// // A "refresh" button: fetch the list whole, ignoring the stored copy.
    /// let fresh = client.get("/issues").cache(CacheMode::Reload).await?;
    /// // A one-off export that should not take room in the cache.
    /// let export = client.get("/issues/export").cache(CacheMode::NoStore).await?;
    /// # let _ = (fresh, export); Ok(()) }
    /// ```
    pub fn cache(mut self, mode: CacheMode) -> RequestBuilder {
        self.req.cache = mode;
        self
    }

    /// Sends `body`, any `T: Serialize`, as JSON (maps as objects).
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// #[derive(serde::Serialize)]
    /// struct Comment<'a> { body: &'a str }
    /// client
    ///     .post("/issues/7/comments")
    ///     .json(&Comment { body: "Fixed in 1.4.2" })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> RequestBuilder {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        match body.serialize(&serializer) {
            Ok(v) => self.req.body = Some(v),
            Err(e) => {
                self.error = Some(Error::invalid_input(format!(
                    "projekt-client: the request body cannot be serialised as JSON: {e}"
                )))
            }
        }
        self
    }

    /// Sends a JS value as JSON, as is.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// // A value that is already a JS object (from a JS library, or
    /// // `JSON.parse`), sent without a round trip through Rust types.
    /// let draft = js_sys::JSON::parse(r#"{"title":"Broken build"}"#).expect("JSON");
    /// client.post("/issues").body(draft).await?;
    /// # Ok(()) }
    /// ```
    pub fn body(mut self, body: JsValue) -> RequestBuilder {
        self.req.body = Some(body);
        self
    }

    /// Sends the request.
    ///
    /// Awaiting the builder does the same; `send` names the future, e.g. to
    /// hand it to a framework's resource or `spawn_local`.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// let pending = client.get("/issues/7").send();
    /// let issue = pending.await?;
    /// # let _ = issue; Ok(()) }
    /// ```
    pub async fn send(mut self) -> Result<Response, Error> {
        if let Some(e) = self.error {
            return Err(e.with_request(&self.req.method, &self.req.path));
        }
        if !self.path_params.is_empty() {
            let pairs: Vec<(&str, &str)> = self
                .path_params
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            match crate::params::fill(&self.req.path, &pairs) {
                Ok(p) => self.req.path = p,
                Err(e) => {
                    return Err(
                        Error::invalid_input(e.0).with_request(&self.req.method, &self.req.path)
                    )
                }
            }
        }
        self.client.request(self.req).await
    }
}

impl IntoFuture for RequestBuilder {
    type Output = Result<Response, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Response, Error>>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
