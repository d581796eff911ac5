//! The Rust face's request builder and typed bodies, in the browser against
//! the test server: serde bodies (a `HashMap` arrives as a JSON object),
//! typed responses, query pairs, headers, a signal, a cache mode, Rust
//! callbacks, and a builder's future dropped mid-flight.

use crate::client::{base, options, prop, server_json};
use projekt_client::{CacheMode, Client, Kind};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen_test::*;

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u64,
    title: String,
}

#[derive(Serialize)]
struct NewItem<'a> {
    title: &'a str,
    tags: Vec<&'a str>,
}

#[wasm_bindgen_test]
async fn a_hashmap_body_arrives_as_a_json_object() {
    let c = Client::new(options(&base())).unwrap();
    let body = HashMap::from([("title", "x"), ("state", "open")]);
    let echo = c.post("/echo").json(&body).await.unwrap().data;
    let sent: serde_json_like::Value =
        serde_json_like::parse(&prop(&echo, "body").as_string().unwrap());
    assert_eq!(sent.get("title"), Some("x"));
    assert_eq!(sent.get("state"), Some("open"));
    let headers = prop(&echo, "headers");
    assert_eq!(
        prop(&headers, "content-type").as_string().as_deref(),
        Some("application/json")
    );
    let echo = c
        .put("/echo")
        .json(&NewItem {
            title: "typed",
            tags: vec!["a", "b"],
        })
        .await
        .unwrap()
        .data;
    assert_eq!(
        prop(&echo, "body").as_string().as_deref(),
        Some(r#"{"title":"typed","tags":["a","b"]}"#)
    );
}

/// Reads the flat string members of a JSON object (enough for the echo).
mod serde_json_like {
    pub struct Value(Vec<(String, String)>);
    impl Value {
        pub fn get(&self, k: &str) -> Option<&str> {
            self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
        }
    }
    pub fn parse(text: &str) -> Value {
        let v = js_sys::JSON::parse(text).unwrap();
        let obj: js_sys::Object = v.into();
        Value(
            js_sys::Object::entries(&obj)
                .iter()
                .map(|e| {
                    let e = js_sys::Array::from(&e);
                    (
                        e.get(0).as_string().unwrap(),
                        e.get(1).as_string().unwrap_or_default(),
                    )
                })
                .collect(),
        )
    }
}

#[wasm_bindgen_test]
async fn responses_deserialize_into_any_type() {
    let c = Client::new(options(&base())).unwrap();
    let item: Item = c.get("/items/1").await.unwrap().json().unwrap();
    assert_eq!(
        item,
        Item {
            id: 1,
            title: "Item 1".into()
        }
    );
    let same: Item = c.get_json("/items/1").await.unwrap();
    assert_eq!(same.id, 1);
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        id: String,
    }
    let e = c
        .get("/items/1")
        .await
        .unwrap()
        .json::<Wrong>()
        .unwrap_err();
    assert_eq!(e.kind(), Kind::Decode);
}

#[wasm_bindgen_test]
async fn the_builder_sets_query_headers_signal_and_cache_mode() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    let echo = c
        .get("/echo")
        .query([("label", "a b"), ("label", "c")])
        .query([("n", 7)])
        .header("X-Test", "builder")
        .await
        .unwrap()
        .data;
    assert_eq!(
        prop(&echo, "query").as_string().as_deref(),
        Some("label=a%20b&label=c&n=7")
    );
    assert_eq!(
        prop(&prop(&echo, "headers"), "x-test")
            .as_string()
            .as_deref(),
        Some("builder")
    );
    c.get("/items/2").await.unwrap();
    let r = c
        .get("/items/2")
        .cache(CacheMode::ForceCache)
        .await
        .unwrap();
    assert!(r.from_cache && r.attempts == 0);
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let e = c
        .get("/json")
        .signal(&controller.signal())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), Kind::Aborted);
    let bad = c.get("/json").header("Bad Name", "x").await.unwrap_err();
    assert!(bad.is_invalid_input() && !bad.is_http(), "{bad:?}");
}

#[wasm_bindgen_test]
async fn on_retry_is_a_rust_closure_told_a_typed_retry() {
    let b = base();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let c = Client::new(crate::client::options(&b).with_on_retry(move |info| {
        sink.borrow_mut()
            .push((info.attempt, info.reason, info.status, info.delay));
    }))
    .unwrap();
    c.get("/flaky/r?fail=1&code=503").await.unwrap();
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    let (attempt, reason, status, delay) = seen[0];
    assert_eq!((attempt, reason, status), (2, "unavailable", 503));
    assert!(delay <= std::time::Duration::from_millis(5));
}

/// The next element of a stream (no futures-util here).
async fn next<S: futures_core::Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_next(cx)).await
}

#[wasm_bindgen_test]
async fn pages_and_items_are_streams_that_take_a_signal() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    let mut items = c.paginate("/pages/cursor", Vec::new(), 100).items();
    let mut ids = Vec::new();
    while let Some(item) = next(&mut items).await {
        ids.push(prop(&item.unwrap(), "id").as_f64().unwrap() as u32);
    }
    assert_eq!(ids, (1..=20).collect::<Vec<_>>());
    let controller = web_sys::AbortController::new().unwrap();
    let mut pages = c
        .paginate("/pages/numbered", Vec::new(), 100)
        .signal(controller.signal());
    assert!(next(&mut pages).await.unwrap().is_ok());
    controller.abort();
    let e = next(&mut pages).await.unwrap().unwrap_err();
    assert_eq!(e.kind(), Kind::Aborted);
    assert_eq!(crate::client::count(&b, "GET /pages/numbered").await, 1.0);
}

#[wasm_bindgen_test]
async fn a_422s_messages_come_as_pairs_for_framework_state() {
    let c = Client::new(options(&base())).unwrap();
    let e = c
        .post("/validate")
        .json(&HashMap::from([("title", "")]))
        .await
        .unwrap_err();
    assert!(e.is_validation(), "{e:?}");
    let pairs = e.field_messages();
    assert!(
        pairs.iter().any(|(k, m)| k == "title" && !m.is_empty()),
        "{pairs:?}"
    );
    assert!(e.has("title") && e.fields().contains(&"title"));
    assert!(e.body().is_some_and(|b| b.contains("errors")));
    let cloned = e.clone();
    assert_eq!(cloned.first("title"), e.first("title"));
}

#[wasm_bindgen_test]
async fn path_params_are_one_encoded_segment_and_a_missing_one_sends_nothing() {
    let b = base();
    let c = Client::new(options(&b)).unwrap();
    for (value, raw) in [
        ("a/b", "a%2Fb"),
        ("x?y#z", "x%3Fy%23z"),
        ("é", "%C3%A9"),
        ("7", "7"),
    ] {
        let got = c
            .get("/files/{name}")
            .path_param("name", value)
            .await
            .unwrap();
        assert_eq!(
            prop(&got.data, "raw").as_string().as_deref(),
            Some(raw),
            "{value}"
        );
        assert_eq!(prop(&got.data, "segments").as_f64(), Some(2.0), "{value}");
    }
    let item = c.get("/items/{id}").path_param("id", 2).await.unwrap();
    assert_eq!(prop(&item.data, "id").as_f64(), Some(2.0));
    let log_before = js_sys::Array::from(&server_json(&format!("{b}/__log")).await).length();
    for (name, value, says) in [
        ("other", "x", "has no value"),
        ("name", "..", "dot segment"),
        ("name", "", "is empty"),
    ] {
        let e = c
            .get("/files/{name}")
            .path_param(name, value)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), Kind::InvalidInput, "{e}");
        assert!(e.message().contains(says), "{e}");
    }
    let log_after = js_sys::Array::from(&server_json(&format!("{b}/__log")).await).length();
    assert_eq!(log_before, log_after, "requests sent for refused paths");
}
