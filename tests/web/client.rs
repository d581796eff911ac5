//! The Rust face of the client in real browsers, against the test server
//! (`PROJEKT_TEST_SERVER`, set by `scripts/test` at compile time).

use js_sys::Reflect;
use projekt_client::RetryOptions;
use projekt_client::{CacheMode, Client, ClientOptions, Kind, Request};
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

const SERVER: Option<&str> = option_env!("PROJEKT_TEST_SERVER");
pub(crate) const TOKEN: &str = "pjk_live_rustface_SECRET";

static SCOPE: AtomicU32 = AtomicU32::new(0);

/// A base URL with a scope of its own, so tests never share server state.
pub(crate) fn base() -> String {
    let server =
        SERVER.expect("set PROJEKT_TEST_SERVER to the test server's URL (scripts/test does)");
    let n = SCOPE.fetch_add(1, Ordering::Relaxed);
    format!("{server}/s/rust{}-{n}", js_sys::Date::now() as u64)
}

pub(crate) fn options(base: &str) -> ClientOptions {
    ClientOptions {
        token: Some(TOKEN.into()),
        retry: RetryOptions {
            limit: 3,
            base_delay_ms: 5.0,
            max_delay_ms: 200.0,
        },
        ..ClientOptions::new(base)
    }
}

fn client() -> (Client, String) {
    let b = base();
    (Client::new(options(&b)).unwrap(), b)
}

fn no_retry() -> (Client, String) {
    let b = base();
    let opts = ClientOptions {
        retry: RetryOptions::disabled(),
        ..options(&b)
    };
    (Client::new(opts).unwrap(), b)
}

pub(crate) fn prop(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) async fn server_json(url: &str) -> JsValue {
    let resp: web_sys::Response = JsFuture::from(web_sys::window().unwrap().fetch_with_str(url))
        .await
        .unwrap()
        .unchecked_into();
    JsFuture::from(resp.json().unwrap()).await.unwrap()
}

pub(crate) async fn count(base: &str, key: &str) -> f64 {
    let counts = server_json(&format!("{base}/__counts")).await;
    prop(&prop(&counts, "by_path"), key).as_f64().unwrap_or(0.0)
}

#[wasm_bindgen_test]
async fn get_returns_parsed_json_and_sends_the_bearer_token() {
    let (c, _) = client();
    let echo = c.get("/echo?x=1").await.unwrap().data;
    let headers = prop(&echo, "headers");
    assert_eq!(
        prop(&headers, "authorization").as_string().unwrap(),
        format!("Bearer {TOKEN}")
    );
    assert_eq!(prop(&echo, "query").as_string().unwrap(), "x=1");
}

#[wasm_bindgen_test]
async fn query_pairs_are_percent_encoded() {
    let (c, _) = client();
    let mut req = Request::new("GET", "/echo");
    req.query = vec![
        ("q".into(), "a b".into()),
        ("t".into(), "x".into()),
        ("t".into(), "ü".into()),
    ];
    let resp = c.request(req).await.unwrap();
    assert_eq!(
        prop(&resp.data, "query").as_string().unwrap(),
        "q=a%20b&t=x&t=%C3%BC"
    );
}

#[wasm_bindgen_test]
async fn every_status_row_gives_its_kind_in_rust_and_its_class_in_js() {
    let rows: &[(u16, Kind, &str)] = &[
        (400, Kind::BadRequest, "BadRequestError"),
        (401, Kind::Unauthorized, "UnauthorizedError"),
        (403, Kind::Forbidden, "ForbiddenError"),
        (404, Kind::NotFound, "NotFoundError"),
        (405, Kind::MethodNotAllowed, "MethodNotAllowedError"),
        (409, Kind::Conflict, "ConflictError"),
        (422, Kind::Validation, "ValidationError"),
        (429, Kind::RateLimited, "RateLimitError"),
        (500, Kind::Server, "ServerError"),
        (501, Kind::Server, "ServerError"),
        (505, Kind::Server, "ServerError"),
        (502, Kind::Unavailable, "UnavailableError"),
        (503, Kind::Unavailable, "UnavailableError"),
        (504, Kind::Unavailable, "UnavailableError"),
        (418, Kind::Http, "HttpError"),
    ];
    for &(status, kind, class) in rows {
        let (c, base) = no_retry();
        let e = c.get(&format!("/status/{status}")).await.unwrap_err();
        assert_eq!(e.kind(), kind, "status {status}");
        assert_eq!(e.status(), status);
        assert!(e.is_http());
        assert_eq!(e.attempts(), 1);
        assert_eq!(e.method(), "GET");
        assert_eq!(e.url(), format!("{base}/status/{status}"));
        let js = e.to_js();
        assert!(
            js.is_instance_of::<js_sys::Error>(),
            "{status} is not an Error"
        );
        assert_eq!(prop(&js, "name").as_string().unwrap(), class);
        assert_eq!(prop(&js, "kind").as_string().unwrap(), kind.as_str());
        assert_eq!(prop(&js, "status").as_f64().unwrap(), status as f64);
        assert!(prop(&js, "stack").as_string().unwrap().contains(class));
    }
}

#[wasm_bindgen_test]
async fn envelope_message_and_extras_reach_the_rust_error() {
    let (c, _) = no_retry();
    let e = c.get("/status/422").await.unwrap_err();
    assert!(e.is_validation());
    assert_eq!(e.message(), "Validation failed");
    assert_eq!(e.first("title"), Some("The title field is required"));
    let fe = prop(&e.to_js(), "fieldErrors");
    assert!(js_sys::Array::is_array(&prop(&fe, "priority")));

    let e = c.get("/status/403?msg=org").await.unwrap_err();
    assert_eq!(e.forbidden_reason(), Some("org_mismatch"));
    let e = c.get("/status/403?msg=session").await.unwrap_err();
    assert_eq!(e.forbidden_reason(), Some("session_required"));
    let e = c.get("/status/403").await.unwrap_err();
    assert_eq!(e.forbidden_reason(), None);

    let e = c.get("/status/405").await.unwrap_err();
    assert_eq!(e.allow(), ["GET".to_string(), "POST".to_string()]);
}

#[wasm_bindgen_test]
async fn bodies_that_are_not_the_envelope_still_give_the_class() {
    for body in [
        "html",
        "empty",
        "truncated",
        "text",
        "notstring",
        "array",
        "wrongtype",
        "big",
    ] {
        let (c, _) = no_retry();
        let e = c
            .get(&format!("/status/502?body={body}"))
            .await
            .unwrap_err();
        assert!(e.is_unavailable(), "{body}: {e}");
        assert!(
            e.message().contains("502"),
            "{body}: message {:?}",
            e.message()
        );
    }
}

#[wasm_bindgen_test]
async fn network_timeout_abort_and_decode() {
    let c = Client::new(ClientOptions {
        retry: RetryOptions::disabled(),
        ..ClientOptions::new("http://127.0.0.1:1/v1")
    })
    .unwrap();
    let e = c.get("/x").await.unwrap_err();
    assert!(e.is_network() && e.status() == 0, "{e}");

    let b = base();
    let c = Client::new(ClientOptions {
        retry: RetryOptions::disabled(),
        timeout: Some(std::time::Duration::from_millis(150)),
        ..options(&b)
    })
    .unwrap();
    let e = c.get("/slow?ms=3000").await.unwrap_err();
    assert!(e.is_timeout(), "{e}");

    // The abort below must win on a loaded machine too: no timeout here.
    let (c, _) = no_retry();
    let controller = web_sys::AbortController::new().unwrap();
    let mut req = Request::new("GET", "/slow?ms=3000");
    req.signal = Some(controller.signal());
    let pending = c.request(req);
    let abort = async {
        JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 30)
                .unwrap();
        }))
        .await
        .unwrap();
        controller.abort_with_reason(&"stop".into());
    };
    let (result, _) = futures_join(pending, abort).await;
    let e = result.unwrap_err();
    assert!(e.is_aborted(), "{e}");
    assert_eq!(
        prop(&e.to_js(), "cause").as_string().as_deref(),
        Some("stop")
    );

    let (c, _) = no_retry();
    let e = c.get("/notjson").await.unwrap_err();
    assert!(e.is_decode() && e.status() == 200, "{e}");
}

#[wasm_bindgen_test]
async fn empty_bodies_resolve_undefined() {
    let (c, _) = client();
    assert!(c.get("/empty200").await.unwrap().data.is_undefined());
    assert!(c.get("/empty200chunked").await.unwrap().data.is_undefined());
    assert!(c.delete("/nocontent").await.unwrap().data.is_undefined());
}

#[wasm_bindgen_test]
async fn get_is_retried_on_503_and_post_is_not() {
    let (c, base) = client();
    let resp = c
        .request(Request::new("GET", "/flaky/a?fail=2&code=503"))
        .await
        .unwrap();
    assert_eq!(resp.attempts, 3);
    let e = c
        .post("/flaky/b?fail=2&code=503")
        .body(JsValue::from_str("x"))
        .await
        .unwrap_err();
    assert!(e.is_unavailable());
    assert_eq!(e.attempts(), 1);
    assert_eq!(count(&base, "POST /flaky/b").await, 1.0);
}

#[wasm_bindgen_test]
async fn never_retried_statuses_are_sent_once() {
    for status in [400u16, 401, 404, 422] {
        let (c, base) = client();
        let e = c.get(&format!("/status/{status}")).await.unwrap_err();
        assert_eq!(e.attempts(), 1);
        assert_eq!(
            count(&base, &format!("GET /status/{status}")).await,
            1.0,
            "status {status}"
        );
    }
}

#[wasm_bindgen_test]
async fn etag_revalidation_serves_the_cached_body() {
    let (c, _) = client();
    let first = c.request(Request::new("GET", "/items/1")).await.unwrap();
    assert_eq!(first.status, 200);
    let tag = first.etag.clone().unwrap();
    let second = c.request(Request::new("GET", "/items/1")).await.unwrap();
    assert_eq!(second.status, 304);
    assert!(second.from_cache);
    assert_eq!(second.etag.as_deref(), Some(tag.as_str()));
    assert_eq!(prop(&second.data, "title").as_string().unwrap(), "Item 1");
    let mut reload = Request::new("GET", "/items/1");
    reload.cache = CacheMode::Reload;
    assert_eq!(c.request(reload).await.unwrap().status, 200);
}

#[wasm_bindgen_test]
async fn token_is_redacted_when_the_server_echoes_it() {
    let (c, _) = no_retry();
    let e = c.get("/token-echo").await.unwrap_err();
    assert!(e.is_unauthorized());
    assert!(!e.message().contains(TOKEN));
    assert!(e.message().contains("[redacted]"));
    let js = e.to_js();
    let json = js_sys::JSON::stringify(&js).unwrap().as_string().unwrap();
    assert!(!json.contains(TOKEN), "{json}");
    let stack = prop(&js, "stack").as_string().unwrap_or_default();
    assert!(!stack.contains(TOKEN));
}

#[wasm_bindgen_test]
fn bad_options_are_refused_without_echoing_the_token() {
    for token in ["", "live_x", "Bearer pjk_live_x"] {
        let opts = ClientOptions {
            token: Some(token.into()),
            ..ClientOptions::new("https://api.test/v1")
        };
        let err = Client::new(opts).err().expect("refused");
        if !token.is_empty() {
            assert!(!err.0.contains(token));
        }
    }
    assert!(Client::new(ClientOptions::new("/v1")).is_err());
    let opts = ClientOptions {
        org_id: Some("acme".into()),
        ..ClientOptions::new("https://api.test/v1")
    };
    assert!(Client::new(opts).is_err());
    let (c, _) = client();
    assert!(c.set_token(Some("nope")).is_err());
}

/// Runs two futures to completion concurrently (no extra crate for one join).
pub(crate) async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::pin::pin;
    use std::task::Poll;
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut ra = None;
    let mut rb = None;
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

#[wasm_bindgen_test]
async fn pages_item_by_item_yields_every_item_once_in_order() {
    let (c, b) = no_retry();
    let mut items = c.paginate("/pages/cursor", vec![("per_page".into(), "7".into())], 100);
    let mut ids = Vec::new();
    while let Some(item) = items.next_item().await.unwrap() {
        ids.push(prop(&item, "id").as_f64().unwrap() as u32);
    }
    assert_eq!(ids, (1..=20).collect::<Vec<u32>>());
    // 20 items at 7 a page: 3 requests, and none after the end.
    assert!(items.next_item().await.unwrap().is_none());
    let log = server_json(&format!("{b}/__log")).await;
    let gets = js_sys::Array::from(&log)
        .iter()
        .filter(|e| prop(e, "path").as_string().as_deref() == Some("/pages/cursor"))
        .count();
    assert_eq!(gets, 3);
}

#[wasm_bindgen_test]
async fn max_body_bytes_bounds_a_2xx_body_and_a_gzip_bomb_error_body_is_capped() {
    let b = base();
    let c = Client::new(ClientOptions {
        retry: RetryOptions::disabled(),
        max_body_bytes: Some(1 << 20),
        ..options(&b)
    })
    .unwrap();
    // Chunked, 50 MB: stopped at the bound.
    let e = c.get("/stream?mb=50&status=200").await.unwrap_err();
    assert!(e.is_decode() && e.status() == 200, "{e}");
    assert!(e.message().contains("maxBodyBytes (1048576 bytes)"), "{e}");
    // 300 KB of gzip, 300 MB inflated: what counts is what it inflates to.
    let e = c.get("/bomb?status=200").await.unwrap_err();
    assert!(e.is_decode(), "{e}");
    // Under the bound: read as usual.
    let ok = c.get("/whoami").await.unwrap();
    assert_eq!(ok.status, 200);
    // An error body that is a gzip bomb: read to 1 MiB, the message from the status.
    let e = c.get("/bomb").await.unwrap_err();
    assert!(e.is_bad_request() && !e.message().contains("aaaa"), "{e}");
}
