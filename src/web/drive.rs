//! The Rust `Client`'s executor loop: what one call does, action by
//! action, until the engine ([`crate::engine`]) settles it — `fetch`, read
//! a body, wait, ask for a token, report — as `src/js/client.js`'s `#drive`
//! does for the npm face. [`Client::drive`] is the whole loop; the rest of
//! this file performs one action each. The public API is in `client.rs`.

use super::client::{Client, Entry, Inner, Shared, SharedResult, Slot, Wait};
use crate::engine::{self, Action, BodyFailure, CallId, Event, Head, Header, Outcome};
use crate::error::Error;
use crate::options::RetryInfo;
use crate::retry::Failure;
use crate::status::Kind;
use crate::web::bindings::{
    self, abort_signal_any, abort_signal_timeout, date_now, global_fetch, json_parse, math_random,
    merge_headers,
};
use crate::web::convert::get;
use crate::web::options::Response;
use js_sys::{Array, Object};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit,
    RequestRedirect, ResponseType,
};

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
    pub(super) async fn drive(
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
        let timer = f.timeout_ms.map(abort_signal_timeout);
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

/// The parts of a request fixed across attempts.
pub(super) struct Ctx {
    pub(super) method: String,
    pub(super) url: String,
    pub(super) headers: Headers,
    pub(super) body: Option<JsValue>,
    pub(super) signal: Option<AbortSignal>,
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

/// A caller's own copy of a shared body: parsed from its text, or (without
/// text) a JSON round trip of the parsed value.
pub(super) fn copy_of(text: &JsValue, parsed: &JsValue) -> JsValue {
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
pub(super) fn describe(v: &JsValue) -> Option<String> {
    if v.is_undefined() {
        return None;
    }
    bindings::js_string(v).ok()
}

fn cancel_body(resp: &web_sys::Response) {
    // (In JS: a locked or errored body's cancel() rejects, unhandled here.)
    bindings::cancel_body(resp);
}
