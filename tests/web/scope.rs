//! Where the token may go, for the Rust face (issue 19): paths that climb out
//! of the base URL are refused before anything is sent, pages and redirects
//! never leave it, and a token in a URL is `[redacted]` wherever the client
//! reports one. A decoy test server on 127.0.0.2 (`PROJEKT_TEST_DECOY`, set
//! by `scripts/test`) counts what reaches it: nothing may.

use crate::client::{base, options, prop, server_json, TOKEN};
use projekt_client::{Client, Kind, Request};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

const DECOY: Option<&str> = option_env!("PROJEKT_TEST_DECOY");

fn decoy() -> &'static str {
    DECOY.expect("set PROJEKT_TEST_DECOY to a second test server's URL (scripts/test does)")
}

async fn decoy_hits() -> f64 {
    prop(&server_json(&format!("{}/__hits", decoy())).await, "hits")
        .as_f64()
        .unwrap_or(f64::NAN)
}

async fn api_log_len(base: &str) -> u32 {
    js_sys::Array::from(&server_json(&format!("{base}/__log")).await).length()
}

#[wasm_bindgen_test]
async fn paths_that_climb_out_of_the_base_url_are_refused_before_sending() {
    let scope = base();
    let c = Client::new(options(&format!("{scope}/v1"))).unwrap();
    let before = decoy_hits().await;
    for path in [
        "../x".to_string(),
        "/../x".into(),
        "%2e%2e/x".into(),
        ".%2E/x".into(),
        "a\\..\\..\\x".into(),
        "..%2Fx".into(),
        format!("{scope}/v1/../outside"),
        format!("{}/x", decoy()),
        format!("//{}/x", decoy().trim_start_matches("http://")),
        format!("../{TOKEN}"),
    ] {
        for method in ["GET", "POST", "DELETE"] {
            let e = c.request(Request::new(method, &path)).await.unwrap_err();
            assert!(e.is_invalid_input(), "{method} {path}: {e:?}");
            assert!(e.message().contains("outside baseUrl"), "{}", e.message());
            assert!(!e.message().contains(TOKEN), "{}", e.message());
        }
    }
    assert_eq!(api_log_len(&scope).await, 0, "requests the API got");
    assert_eq!(decoy_hits().await, before, "requests the decoy got");
}

#[wasm_bindgen_test]
async fn redirects_are_not_followed() {
    let scope = base();
    let c = Client::new(options(&scope)).unwrap();
    let before = decoy_hits().await;
    for (method, code, location) in [
        ("GET", 302, format!("{}/x", decoy())),
        ("POST", 307, format!("{}/x", decoy())),
        ("GET", 302, format!("{scope}/echo")),
    ] {
        let mut req = Request::new(
            method,
            &format!(
                "/status/{code}?location={}",
                js_sys::encode_uri_component(&location)
            ),
        );
        if method == "POST" {
            req.body = Some(JsValue::from_str("secret"));
        }
        let e = c.request(req).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.status(), e.attempts()),
            (Kind::Http, 0, 1),
            "{method} {code}: {e:?}"
        );
        assert!(e.message().contains("redirect"), "{}", e.message());
    }
    let log = server_json(&format!("{scope}/__log")).await;
    let paths: Vec<String> = js_sys::Array::from(&log)
        .iter()
        .map(|e| prop(&e, "path").as_string().unwrap_or_default())
        .collect();
    assert!(
        paths.iter().all(|p| p.starts_with("/status/")),
        "followed: {paths:?}"
    );
    assert_eq!(decoy_hits().await, before, "requests the decoy got");
}

#[wasm_bindgen_test]
async fn a_token_in_a_url_is_redacted_in_errors_retries_and_pages() {
    let scope = base();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let sink = seen.clone();
    let c = Client::new(options(&scope).with_on_retry(move |info| {
        sink.borrow_mut().push(info.url.clone());
    }))
    .unwrap();
    let mut req = Request::new("GET", "/status/503");
    req.query = vec![("access_token".into(), TOKEN.into())];
    let e = c.request(req).await.unwrap_err();
    assert_eq!(
        e.url(),
        format!("{scope}/status/503?access_token=[redacted]")
    );
    assert!(!format!("{e} {e:?}").contains(TOKEN));
    assert!(!seen.borrow().is_empty());
    for url in seen.borrow().iter() {
        assert!(url.ends_with("access_token=[redacted]"), "{url}");
    }
    // A Link-derived page URL.
    let next = format!("{scope}/pages/cursor?cursor=c5&sig={TOKEN}");
    let mut pages = c.paginate("/handoff", vec![("link".into(), next)], 2);
    pages.next_page().await.unwrap().unwrap();
    let second = pages.next_page().await.unwrap().unwrap();
    assert_eq!(
        second.url,
        format!("{scope}/pages/cursor?cursor=c5&sig=[redacted]")
    );
}
