//! A good browser citizen from the Rust face (issue 21): two clients of one
//! identity share a 429's hold and a write's invalidation (`cross_tab`); a
//! new client with `persist_cache` revalidates what an earlier one persisted
//! in IndexedDB (what a reload gives); another token sees none of it.

use crate::client::{base, options, prop, server_json};
use crate::lifecycle::sleep;
use projekt_client::{Client, ClientOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

fn now() -> f64 {
    js_sys::Date::now()
}

async fn conditional_gets(base: &str, path: &str) -> Vec<bool> {
    js_sys::Array::from(&server_json(&format!("{base}/__log")).await)
        .iter()
        .filter(|e| prop(e, "method").as_string().as_deref() == Some("GET"))
        .filter(|e| prop(e, "path").as_string().as_deref() == Some(path))
        .map(|e| {
            js_sys::Object::keys(prop(&e, "headers").unchecked_ref::<js_sys::Object>())
                .iter()
                .any(|k| {
                    k.as_string()
                        .is_some_and(|k| k.eq_ignore_ascii_case("if-none-match"))
                })
        })
        .collect()
}

/// `options` with retry waits of up to 5 s: a hold heard is capped at the
/// hearer's own `max_delay_ms`, as its own 429s are.
fn patient(base: &str) -> ClientOptions {
    ClientOptions {
        retry: projekt_client::RetryOptions {
            limit: 1,
            base_delay_ms: 10.0,
            max_delay_ms: 5_000.0,
        },
        ..options(base)
    }
}

#[wasm_bindgen_test]
async fn two_clients_of_one_identity_share_a_429s_hold_and_a_writes_invalidation() {
    let b = base();
    let one = Client::new(patient(&b)).unwrap();
    let two = Client::new(patient(&b)).unwrap();
    let deaf = Client::new(ClientOptions {
        cross_tab: false,
        ..patient(&b)
    })
    .unwrap();
    let held = async {
        sleep(200).await;
        let t = now();
        two.get("/whoami").await.unwrap();
        let d = now();
        deaf.get("/whoami?deaf=1").await.unwrap();
        (d - t, now() - d)
    };
    let first = async {
        let _ = Client::new(patient(&b))
            .unwrap()
            .get("/status/429?retry_after=1")
            .await;
    };
    let (_, (waited, not_held)) = crate::client::futures_join(first, held).await;
    assert!(waited > 600.0, "the second client waited {waited} ms");
    assert!(
        not_held < 500.0,
        "the cross_tab: false client waited {not_held} ms"
    );

    // A write by `one` drops `two`'s entry.
    let before = two.cache_len();
    two.get("/items/1").await.unwrap();
    assert_eq!(two.cache_len(), before + 1);
    one.patch("/items/1")
        .json(&std::collections::HashMap::from([("title", "new")]))
        .await
        .unwrap();
    sleep(50).await;
    assert_eq!(two.cache_len(), before, "/items/1 dropped, /whoami kept");
}

#[wasm_bindgen_test]
async fn persist_cache_revalidates_what_an_earlier_client_persisted() {
    let b = base();
    let persisting = || {
        Client::new(ClientOptions {
            persist_cache: true,
            ..options(&b)
        })
        .unwrap()
    };
    let first = persisting().get("/items/2").await.unwrap();
    assert_eq!((first.status, first.from_cache), (200, false));
    sleep(300).await;
    let again = persisting().get("/items/2").await.unwrap();
    assert_eq!((again.status, again.from_cache), (304, true));
    assert_eq!(prop(&again.data, "id").as_f64(), Some(2.0));
    let other = Client::new(ClientOptions {
        token: Some("pjk_live_rustface_OTHER".into()),
        persist_cache: true,
        ..options(&b)
    })
    .unwrap()
    .get("/items/2")
    .await
    .unwrap();
    assert_eq!((other.status, other.from_cache), (200, false));
    assert_eq!(
        conditional_gets(&b, "/items/2").await,
        vec![false, true, false]
    );
}
