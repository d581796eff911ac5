//! Paginated lists and optimistic-lock updates, on top of [`Client::request`]
//! (so every page and every read goes through the same retries and cache).

use crate::error::Error;
use crate::pagination::{next_url, PageMeta, Walk};
use crate::request::append_query;
use crate::status::Kind;
use crate::web::client::{CacheMode, Client, Request, Response};
use futures_core::Stream;
use js_sys::Array;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// One page of a list.
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// let mut pages = client.paginate("/issues", Vec::new(), 10);
/// while let Some(page) = pages.next_page().await? {
///     let shown = page.items.length(); // a js_sys::Array
///     let total = js_sys::Reflect::get(&page.meta, &"total".into()).ok();
///     let from = &page.url; // e.g. "https://api.example.test/v1/issues?cursor=…"
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Page {
    /// The page's items (`data`, or the body itself when it is an array).
    pub items: Array,
    /// The body's `meta` (`undefined` when absent).
    pub meta: JsValue,
    /// The URL the page came from (a token in it shown as `[redacted]`).
    pub url: String,
}

/// A walk over the pages of a list; ask for pages one at a time, so stopping
/// early sends no further request.
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// let mut pages = client.paginate("/issues", Vec::new(), 1_000);
/// while let Some(page) = pages.next_page().await? {
///     for item in page.items.iter() { /* … */ }
/// }
/// # Ok(()) }
/// ```
///
/// Or item by item, the Rust spelling of `for await (const item of …)`:
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// let mut issues = client.paginate("/issues", vec![("state".into(), "open".into())], 50);
/// while let Some(issue) = issues.next_item().await? {
///     # let _ = issue;
/// }
/// # Ok(()) }
/// ```
///
/// `Pages` is also a [`Stream`] of pages, and [`Pages::items`] one of items,
/// for `StreamExt` combinators; dropping either mid-page aborts that page.
pub struct Pages {
    client: Client,
    next: Option<String>,
    walk: Walk,
    signal: Option<AbortSignal>,
    /// The page being handed out by [`Pages::next_item`], and the next index.
    current: Option<(Array, u32)>,
    /// The page the stream is fetching.
    pending: Option<PageFuture>,
}

type PageFuture = Pin<Box<dyn Future<Output = Result<(Page, Option<String>), Error>>>>;

/// Fetches the page at `url`: the page, and the URL of the next one.
async fn fetch(
    client: Client,
    url: String,
    signal: Option<AbortSignal>,
) -> Result<(Page, Option<String>), Error> {
    let mut req = Request::new("GET", &url);
    req.signal = signal;
    let resp = client.request(req).await?;
    // (Read by the same function as client.js's pages: src/js/runtime.js.)
    let p = crate::web::bindings::page_of(&resp.data);
    let (items, meta): (Array, JsValue) = (p.get(0).unchecked_into(), p.get(1));
    let page_meta = PageMeta {
        next_cursor: p.get(2).as_string(),
        next: p.get(3).as_string(),
        page: p.get(4).as_f64(),
        last_page: p.get(5).as_f64(),
    };
    let link = resp.headers.get("link").ok().flatten();
    let next = next_url(&url, &page_meta, link.as_deref(), items.length() as usize);
    let url = crate::redact::redact_tokens(&url).into_owned();
    Ok((Page { items, meta, url }, next))
}

impl Pages {
    /// Aborts the walk (the page in flight, and every later one) when
    /// `signal` aborts.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// let controller = web_sys::AbortController::new().unwrap();
    /// let mut pages = client.paginate("/issues", Vec::new(), 100).signal(controller.signal());
    /// # let _ = pages.next_page().await?;
    /// # Ok(()) }
    /// ```
    pub fn signal(mut self, signal: AbortSignal) -> Pages {
        self.signal = Some(signal);
        self
    }

    /// The list's items as a [`Stream`].
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// use futures_core::Stream;
    /// let items = client.paginate("/issues", Vec::new(), 50).items();
    /// # fn is_stream(_: impl Stream) {} is_stream(items);
    /// # Ok(()) }
    /// ```
    pub fn items(self) -> Items {
        Items(self)
    }

    /// The next URL to fetch, if the walk goes on.
    fn take_next(&mut self) -> Option<String> {
        let url = self.next.take()?;
        self.walk.admit(&url).then_some(url)
    }

    /// The next item of the list, fetching the next page when the current
    /// one is used up; `Ok(None)` after the last item.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// // The first open issue labelled "blocker", reading no further page
    /// // than needed.
    /// let mut issues = client.paginate("/issues", vec![("state".into(), "open".into())], 100);
    /// let mut blocker = None;
    /// while let Some(issue) = issues.next_item().await? {
    ///     let labels = js_sys::Reflect::get(&issue, &"labels".into()).unwrap_or_default();
    ///     if js_sys::Array::from(&labels).includes(&"blocker".into(), 0) {
    ///         blocker = Some(issue);
    ///         break;
    ///     }
    /// }
    /// # let _ = blocker; Ok(()) }
    /// ```
    pub async fn next_item(&mut self) -> Result<Option<JsValue>, Error> {
        loop {
            if let Some((items, i)) = &mut self.current {
                if *i < items.length() {
                    *i += 1;
                    return Ok(Some(items.get(*i - 1)));
                }
            }
            match self.next_page().await? {
                Some(page) => self.current = Some((page.items, 0)),
                None => return Ok(None),
            }
        }
    }

    /// The next page, `Ok(None)` after the last one.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// // A "load more" button: one page per click.
    /// let mut pages = client.paginate("/issues", Vec::new(), 1_000);
    /// if let Some(page) = pages.next_page().await? {
    ///     for issue in page.items.iter() { /* render `issue` */ }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_page(&mut self) -> Result<Option<Page>, Error> {
        let Some(url) = self.take_next() else {
            return Ok(None);
        };
        let (page, next) = fetch(self.client.clone(), url, self.signal.clone()).await?;
        self.next = next;
        Ok(Some(page))
    }
}

impl Stream for Pages {
    type Item = Result<Page, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.pending.is_none() {
            let Some(url) = this.take_next() else {
                return Poll::Ready(None);
            };
            this.pending = Some(Box::pin(fetch(
                this.client.clone(),
                url,
                this.signal.clone(),
            )));
        }
        let Some(pending) = this.pending.as_mut() else {
            return Poll::Ready(None);
        };
        match pending.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                this.pending = None;
                Poll::Ready(Some(result.map(|(page, next)| {
                    this.next = next;
                    page
                })))
            }
        }
    }
}

/// The items of a paginated list as a [`Stream`] ([`Pages::items`]).
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// use futures_core::Stream;
/// use std::pin::Pin;
/// let mut items = client.paginate("/issues", Vec::new(), 20).items();
/// // `StreamExt::next` (futures-util) does this; by hand, without a helper:
/// while let Some(issue) = std::future::poll_fn(|cx| Pin::new(&mut items).poll_next(cx)).await {
///     let issue = issue?; // one JS value per item
/// }
/// # Ok(()) }
/// ```
pub struct Items(Pages);

impl Stream for Items {
    type Item = Result<JsValue, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let pages = &mut self.0;
        loop {
            if let Some((items, i)) = &mut pages.current {
                if *i < items.length() {
                    *i += 1;
                    return Poll::Ready(Some(Ok(items.get(*i - 1))));
                }
            }
            match Pin::new(&mut *pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => pages.current = Some((page.items, 0)),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Client {
    /// Walks a paginated list from `path` (`meta.next_cursor`, `meta.next`,
    /// page numbers or a `Link: rel="next"` header), at most `max_pages` pages.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// let query = vec![("state".to_string(), "open".to_string())];
    /// let mut open = Vec::new();
    /// let mut issues = client.paginate("/issues", query, 50);
    /// while let Some(issue) = issues.next_item().await? {
    ///     open.push(issue);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn paginate(&self, path: &str, query: Vec<(String, String)>, max_pages: u32) -> Pages {
        Pages {
            client: self.clone(),
            next: Some(append_query(
                &self.url_for(path).unwrap_or_else(|_| path.to_string()),
                &query,
            )),
            walk: Walk::new(max_pages),
            signal: None,
            current: None,
            pending: None,
        }
    }

    /// Reads `path` with its ETag, applies `change` to the typed body, and
    /// writes the result back with `If-Match` (PUT); on 409 or 412 it reads
    /// again and reapplies `change`, up to 3 times in all. Never rewrites
    /// without a fresh read.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Counter { count: u64 }
    /// client.update("/counters/7", |mut c: Counter| { c.count += 1; c }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update<T, F>(&self, path: &str, change: F) -> Result<Response, Error>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
        F: FnMut(T) -> T,
    {
        self.update_with(path, "PUT", 3, None, change).await
    }

    /// [`Client::update`] with its method (`PUT` or `PATCH`), the number of
    /// attempts and an abort signal.
    ///
    /// ```no_run
    /// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Issue { title: String, labels: Vec<String> }
    /// let controller = web_sys::AbortController::new().expect("AbortController");
    /// // PATCH with `If-Match`, up to 5 read-change-write rounds on 409/412.
    /// client
    ///     .update_with("/issues/7", "PATCH", 5, Some(controller.signal()), |mut issue: Issue| {
    ///         issue.labels.push("triaged".into());
    ///         issue
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_with<T, F>(
        &self,
        path: &str,
        method: &str,
        attempts: u32,
        signal: Option<AbortSignal>,
        mut change: F,
    ) -> Result<Response, Error>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
        F: FnMut(T) -> T,
    {
        let method = crate::engine::update_method(Some(method))
            .map_err(|e| Error::invalid_input(e.0).with_request(method, path))?;
        let mut last: Option<Error> = None;
        for _ in 0..attempts.max(1) {
            let mut read = self.get(path).cache(CacheMode::NoCache);
            if let Some(s) = &signal {
                read = read.signal(s);
            }
            let current = read.await?;
            let changed = change(current.json::<T>()?);
            let mut write =
                crate::web::builder::RequestBuilder::new(self, method, path).json(&changed);
            if let Some(s) = &signal {
                write = write.signal(s);
            }
            if let Some(tag) = &current.etag {
                write = write.header("If-Match", tag.clone());
            }
            match write.await {
                Ok(resp) => return Ok(resp),
                Err(e) if crate::engine::update_again(e.status()) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last
            .unwrap_or_else(|| Error::new(Kind::Conflict, 409, "projekt-client: update gave up")))
    }
}
