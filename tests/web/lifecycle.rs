//! The Rust `Client` as an executor of the engine, in the browser against
//! the test server: retries and 429 waits, the gate, cache partitions,
//! sharing, the 401 refresh, the deadline, a paginate signal, `update`'s
//! method, and a future dropped at each step — before the response, during
//! a retry wait, during a refresh, during a write — each checked at the
//! server (what it saw) and in the client (nothing left in flight).

use crate::client::{base, count, futures_join, options, prop, server_json, TOKEN};
use projekt_client::RetryOptions;
use projekt_client::{Client, ClientOptions, Kind, Request};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::prelude::*;

use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// A timer, as a future (the test's own: the client's are what is tested).
pub(crate) async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

/// Polls `fut` for `ms`, then drops it (a component unmounting mid-call).
/// `Some` when it finished first.
async fn drop_after<F: Future>(fut: F, ms: i32) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut timer = pin!(sleep(ms));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

async fn log(base: &str) -> Vec<JsValue> {
    js_sys::Array::from(&server_json(&format!("{base}/__log")).await)
        .iter()
        .collect()
}

fn header(entry: &JsValue, name: &str) -> Option<String> {
    prop(&prop(entry, "headers"), name).as_string()
}

fn retrying(base: &str, base_delay_ms: f64) -> ClientOptions {
    ClientOptions {
        retry: RetryOptions {
            limit: 3,
            base_delay_ms,
            max_delay_ms: 5_000.0,
        },
        ..options(base)
    }
}

#[wasm_bindgen_test]
async fn a_429_waits_the_reset_and_holds_the_clients_other_calls() {
    let b = base();
    let c = Client::new(retrying(&b, 5.0)).unwrap();
    let slow = c.get("/flaky/a?fail=1&code=429&reset=1").send();
    let other = async {
        sleep(150).await; // after the 429 arrived
        c.get("/json").send().await
    };
    let (a, o) = futures_join(slow, other).await;
    assert!(a.is_ok() && o.is_ok(), "{a:?} {o:?}");
    let entries = log(&b).await;
    let t = |path: &str, n: usize| {
        entries
            .iter()
            .filter(|e| prop(e, "path").as_string().as_deref() == Some(path))
            .nth(n)
            .and_then(|e| prop(e, "t_ms").as_f64())
            .unwrap()
    };
    let first = t("/flaky/a", 0);
    assert!(
        t("/flaky/a", 1) - first >= 900.0,
        "the retry waited the reset"
    );
    assert!(
        t("/json", 0) - first >= 900.0,
        "the gate held the other call until the reset"
    );
    assert_eq!(c.calls_in_flight(), 0);
}

#[wasm_bindgen_test]
async fn the_cache_is_partitioned_by_identity() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    c.get("/items/1").send().await.unwrap();
    c.set_token(Some("pjk_live_second")).unwrap();
    c.get("/items/1").send().await.unwrap();
    c.set_token(Some(TOKEN)).unwrap();
    let r = c.request(Request::new("GET", "/items/1")).await.unwrap();
    assert!(r.from_cache && r.status == 304);
    let sent: Vec<Option<String>> = log(&b)
        .await
        .iter()
        .map(|e| header(e, "if-none-match"))
        .collect();
    assert_eq!(sent.len(), 3);
    assert!(
        sent[0].is_none() && sent[1].is_none(),
        "another identity never revalidates the first's entry: {sent:?}"
    );
    assert!(sent[2].is_some());
}

#[wasm_bindgen_test]
async fn identical_gets_share_one_request_and_each_gets_its_own_copy() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    let (x, y) = futures_join(c.get("/items/2").send(), c.get("/items/2").send()).await;
    let (x, y) = (x.unwrap().data, y.unwrap().data);
    js_sys::Reflect::set(&x, &"title".into(), &"changed".into()).unwrap();
    assert_ne!(prop(&y, "title").as_string().as_deref(), Some("changed"));
    assert_eq!(count(&b, "GET /items/2").await, 1.0);
    // A dropped leader does not strand the caller that joined it.
    let leader = drop_after(c.get("/slow?ms=400").send(), 50);
    let joined = async {
        sleep(10).await;
        c.get("/slow?ms=400").send().await
    };
    let (l, j) = futures_join(leader, joined).await;
    assert!(l.is_none() && j.is_ok(), "{j:?}");
    assert_eq!(c.calls_in_flight(), 0);
}

#[wasm_bindgen_test]
async fn concurrent_401s_share_one_refresh_and_retry_with_the_new_token() {
    let b = base();
    let calls = Rc::new(Cell::new(0));
    let n = calls.clone();
    // The new token comes after 300 ms: both 401s arrive while it is pending.
    let c = Client::new(options(&b).with_on_unauthorized(move || {
        n.set(n.get() + 1);
        async {
            sleep(300).await;
            Some("pjk_live_refreshed".to_string())
        }
    }))
    .unwrap();
    let (x, y) = futures_join(
        c.get("/flaky/x?fail=1&code=401").send(),
        c.get("/flaky/y?fail=1&code=401").send(),
    )
    .await;
    assert!(x.is_ok() && y.is_ok(), "{x:?} {y:?}");
    assert_eq!(calls.get(), 1, "one onUnauthorized call for both");
    let retried: Vec<String> = log(&b)
        .await
        .iter()
        .skip(2)
        .filter_map(|e| header(e, "authorization"))
        .collect();
    assert_eq!(retried, vec!["Bearer pjk_live_refreshed"; 2]);
}

#[wasm_bindgen_test]
async fn the_deadline_ends_retries_and_waits() {
    let b = base();
    let c = Client::new(ClientOptions {
        total_timeout: Some(std::time::Duration::from_millis(400)),
        ..retrying(&b, 300.0)
    })
    .unwrap();
    // A wait the deadline cannot hold (the server asks for 1 s): a timeout
    // at once, not a sleep past it.
    let t0 = js_sys::Date::now();
    let e = c.get("/status/429?retry_after=1").send().await.unwrap_err();
    assert_eq!(e.kind(), Kind::Timeout, "{e:?}");
    assert!(js_sys::Date::now() - t0 < 900.0);
    assert!(e.message().contains("totalTimeoutMs"));
    // Attempts that use up the deadline: each 150 ms, with waits between.
    let e = c.get("/status/503?delay_ms=150").send().await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(js_sys::Date::now() - t0 < 2_500.0);
    assert_eq!(c.calls_in_flight(), 0);
}

#[wasm_bindgen_test]
async fn paginate_takes_a_signal() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    let controller = web_sys::AbortController::new().unwrap();
    let mut pages = c
        .paginate("/pages/cursor", Vec::new(), 100)
        .signal(controller.signal());
    assert!(pages.next_page().await.unwrap().is_some());
    controller.abort();
    let e = pages.next_page().await.unwrap_err();
    assert_eq!(e.kind(), Kind::Aborted);
    assert_eq!(count(&b, "GET /pages/cursor").await, 1.0);
}

#[wasm_bindgen_test]
async fn update_writes_only_with_put_or_patch() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    let e = c
        .update_with("/versioned/k", "POST", 3, None, |v: Counter| v)
        .await
        .unwrap_err();
    assert!(
        e.is_invalid_input() && !e.is_bad_request() && !e.is_http(),
        "{e:?}"
    );
    assert_eq!(log(&b).await.len(), 0);
}

#[wasm_bindgen_test]
async fn a_future_dropped_before_the_response_aborts_its_fetch() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    assert!(drop_after(c.get("/slow?ms=3000").send(), 200)
        .await
        .is_none());
    assert_eq!(c.calls_in_flight(), 0);
    // The browser let go of the request: a new one is not queued behind it.
    let t0 = js_sys::Date::now();
    c.get("/json").send().await.unwrap();
    assert!(js_sys::Date::now() - t0 < 2_000.0);
}

#[wasm_bindgen_test]
async fn a_future_dropped_during_a_retry_wait_sends_no_more_attempts() {
    let b = base();
    let c = Client::new(retrying(&b, 400.0)).unwrap();
    // A 429 asking for 1 s: the wait is exactly that long. Drop inside it.
    let plain = drop_after(c.get("/status/429?retry_after=1&delay_ms=50").send(), 400);
    assert!(plain.await.is_none());
    // The same with a header (the old client cancelled only this one).
    let mut req = Request::new("GET", "/status/429?retry_after=1&delay_ms=50&h=1");
    req.headers =
        Some(js_sys::Array::of1(&js_sys::Array::of2(&"X-Test".into(), &"1".into())).into());
    // One dropped while this client's gate holds it (until the 1 s is up):
    // nothing is sent.
    assert!(drop_after(c.request(req.clone()), 300).await.is_none());
    // (Another client for the header case: this one's gate holds every call,
    // and so would a crossTab client's, which hears that hold.)
    let c2 = Client::new(ClientOptions {
        cross_tab: false,
        ..retrying(&b, 400.0)
    })
    .unwrap();
    assert!(drop_after(c2.request(req), 400).await.is_none());
    assert_eq!(c.calls_in_flight() + c2.calls_in_flight(), 0);
    sleep(1_500).await;
    assert_eq!(
        count(&b, "GET /status/429").await,
        2.0,
        "one attempt each, none after the drop, none from the gate's wait"
    );
}

#[wasm_bindgen_test]
async fn a_future_dropped_during_a_refresh_lets_the_next_401_ask_again() {
    let b = base();
    let calls = Rc::new(Cell::new(0));
    let n = calls.clone();
    let c = Client::new(options(&b).with_on_unauthorized(move || {
        n.set(n.get() + 1);
        async {
            sleep(300).await;
            Some("pjk_live_late".to_string())
        }
    }))
    .unwrap();
    assert!(drop_after(c.get("/status/401").send(), 100).await.is_none());
    assert_eq!(c.calls_in_flight(), 0);
    sleep(400).await;
    let e = c.get("/status/401").send().await.unwrap_err();
    assert_eq!(e.kind(), Kind::Unauthorized);
    assert_eq!(
        calls.get(),
        2,
        "the later 401 asked again instead of reusing the dropped call's refresh"
    );
}

#[wasm_bindgen_test]
async fn a_future_dropped_during_a_write_leaves_no_mark() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    c.get("/items").send().await.unwrap();
    let mut w = Request::new("POST", "/slow?ms=1000");
    w.body = Some(JsValue::from_str("x"));
    assert!(drop_after(c.request(w), 100).await.is_none());
    assert!(!c.write_in_flight("/slow"));
    assert_eq!(c.calls_in_flight(), 0);
    // GETs use the cache again: the next one revalidates.
    let r = c.request(Request::new("GET", "/items")).await.unwrap();
    assert!(r.from_cache, "{}", r.status);
}

#[derive(serde::Serialize, serde::Deserialize, Debug)]
struct Counter {
    count: u64,
}

#[wasm_bindgen_test]
async fn update_reapplies_a_rust_closure_after_a_conflict() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    let calls = Rc::new(Cell::new(0));
    let (n, bump) = (calls.clone(), format!("{b}/versioned/u/bump"));
    let resp = c
        .update("/versioned/u", move |mut v: Counter| {
            n.set(n.get() + 1);
            if n.get() == 1 {
                // Another writer gets in between our read and our write, once
                // (a synchronous request: it has landed when this returns).
                let xhr = web_sys::XmlHttpRequest::new().unwrap();
                xhr.open_with_async("POST", &bump, false).unwrap();
                xhr.send().unwrap();
            }
            v.count += 10;
            v
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(calls.get(), 2, "read again and reapplied after the 409");
    let now: Counter = c.get_json("/versioned/u").await.unwrap();
    assert_eq!(now.count, 11, "the bump's 1 and our 10, on the fresh read");
}
