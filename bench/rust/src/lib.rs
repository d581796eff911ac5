//! The Rust face in the benchmark: each scenario of bench/page.mjs made by
//! projekt-client's Rust `Client` and by gloo-net, with typed (serde) bodies
//! as a Rust frontend reads them. Each call returns a small JS value the
//! page checks (the same checks as for the JS clients).

use gloo_net::http::Request as Gloo;
use js_sys::{Array, Object, Promise, Reflect};
use projekt_client::{Client, ClientOptions, RetryOptions};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

#[derive(Deserialize)]
struct Small {
    id: u64,
    title: String,
    #[allow(dead_code)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Item {
    id: u64,
    title: String,
    done: bool,
    tags: Vec<String>,
    note: String,
}

#[derive(Deserialize)]
struct Big {
    items: Vec<Item>,
}

#[derive(Deserialize, Clone)]
struct Stored {
    id: u64,
    title: String,
}

#[derive(Deserialize)]
struct Envelope {
    errors: HashMap<String, Vec<String>>,
}

fn err(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// What the page checks of a `/json` or `/items/1` body.
fn id_title(id: u64, title: &str) -> JsValue {
    obj(&[("id", (id as f64).into()), ("title", title.into())])
}

fn small_js(s: &Small) -> JsValue {
    id_title(s.id, &s.title)
}

fn stored_js(s: &Stored) -> JsValue {
    id_title(s.id, &s.title)
}

fn big_js(b: &Big) -> JsValue {
    let ok = b.items.iter().all(|i| i.id > 0 && !i.title.is_empty());
    let n = if ok { b.items.len() as u32 } else { 0 };
    obj(&[("items", Array::new_with_length(n).into())])
}

fn fields_js<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> JsValue {
    let o = Object::new();
    for (k, first) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &Array::of1(&first.into()));
    }
    o.into()
}

/// Runs 16 calls at once (each its own promise), as the JS clients do.
async fn all16<F, Fut>(f: F) -> Result<JsValue, JsValue>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let promises = Array::new();
    for i in 0..16 {
        promises.push(&future_to_promise(f(i)));
    }
    JsFuture::from(Promise::all(&promises)).await
}

/// The Rust clients of one bench run.
#[wasm_bindgen]
pub struct RustClients {
    api: Rc<str>,
    client: Client,
    /// gloo-net's copy for the 304 scenario: ETag and body.
    gloo_store: Rc<RefCell<Option<(String, Stored)>>>,
    errors: Rc<str>,
}

#[wasm_bindgen]
impl RustClients {
    /// Clients of the API at `api`; `errors` the 422 scenario's field map (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(api: String, errors: String) -> Result<RustClients, JsValue> {
        let client = Client::new(ClientOptions {
            retry: RetryOptions {
                limit: 0,
                ..RetryOptions::default()
            },
            ..ClientOptions::new(api.clone())
        })
        .map_err(err)?;
        Ok(RustClients {
            api: api.into(),
            client,
            gloo_store: Rc::new(RefCell::new(None)),
            errors: errors.into(),
        })
    }

    /// projekt-client's Rust `Client` (retry off, its ETag cache on).
    pub fn projekt(&self, scenario: String) -> Promise {
        let c = self.client.clone();
        let errors = self.errors.clone();
        future_to_promise(async move {
            match scenario.as_str() {
                "small" => Ok(small_js(
                    &c.get("/json")
                        .await
                        .map_err(err)?
                        .json::<Small>()
                        .map_err(err)?,
                )),
                "big" => {
                    let r = c.get("/json").query([("kb", "230")]).await.map_err(err)?;
                    Ok(big_js(&r.json::<Big>().map_err(err)?))
                }
                "v422" => match c.get("/status/422").query([("errors", &*errors)]).await {
                    Ok(_) => Err("projekt-rust: 422 resolved".into()),
                    Err(e) => {
                        Ok(fields_js(e.field_errors().iter().map(|(k, v)| {
                            (k.as_str(), v.first().map_or("", String::as_str))
                        })))
                    }
                },
                "r304" => Ok(stored_js(
                    &c.get("/items/1")
                        .await
                        .map_err(err)?
                        .json::<Stored>()
                        .map_err(err)?,
                )),
                "probe304" => {
                    let r = c.get("/items/1").await.map_err(err)?;
                    Ok(if r.status == 304 && r.from_cache {
                        304.into()
                    } else {
                        (r.status as f64).into()
                    })
                }
                "conc" => {
                    all16(|i| {
                        let c = c.clone();
                        async move {
                            let r = c
                                .get("/json")
                                .query([("c", i.to_string())])
                                .await
                                .map_err(err)?;
                            Ok(small_js(&r.json::<Small>().map_err(err)?))
                        }
                    })
                    .await
                }
                s => Err(format!("unknown scenario {s}").into()),
            }
        })
    }

    /// gloo-net 0.7 (`Request::get(url).send().await?.json::<T>().await?`),
    /// with a hand-kept ETag for the 304 scenario, as the JS peers have.
    pub fn gloo(&self, scenario: String) -> Promise {
        let api = self.api.clone();
        let store = self.gloo_store.clone();
        let errors = self.errors.clone();
        future_to_promise(async move {
            let url = |p: &str| format!("{api}{p}");
            match scenario.as_str() {
                "small" => {
                    let r = Gloo::get(&url("/json")).send().await.map_err(err)?;
                    Ok(small_js(&r.json::<Small>().await.map_err(err)?))
                }
                "big" => {
                    let r = Gloo::get(&url("/json"))
                        .query([("kb", "230")])
                        .send()
                        .await
                        .map_err(err)?;
                    Ok(big_js(&r.json::<Big>().await.map_err(err)?))
                }
                "v422" => {
                    let r = Gloo::get(&url("/status/422"))
                        .query([("errors", &*errors)])
                        .send()
                        .await
                        .map_err(err)?;
                    if r.ok() {
                        return Err("gloo-net: 422 resolved".into());
                    }
                    let env: Envelope = r.json().await.map_err(err)?;
                    Ok(fields_js(env.errors.iter().map(|(k, v)| {
                        (k.as_str(), v.first().map_or("", String::as_str))
                    })))
                }
                "r304" | "probe304" => {
                    let held = store.borrow().clone();
                    let mut req = Gloo::get(&url("/items/1"));
                    if let Some((etag, _)) = &held {
                        req = req.header("If-None-Match", etag);
                    }
                    let r = req.send().await.map_err(err)?;
                    if scenario == "probe304" {
                        return Ok((r.status() as f64).into());
                    }
                    if r.status() == 304 {
                        if let Some((_, body)) = held {
                            return Ok(stored_js(&body));
                        }
                    }
                    if !r.ok() {
                        return Err(format!("gloo-net: /items/1 answered {}", r.status()).into());
                    }
                    let etag = r.headers().get("etag");
                    let body: Stored = r.json().await.map_err(err)?;
                    let js = stored_js(&body);
                    *store.borrow_mut() = etag.map(|t| (t, body));
                    Ok(js)
                }
                "conc" => {
                    all16(|i| {
                        let u = url("/json");
                        async move {
                            let r = Gloo::get(&u)
                                .query([("c", i.to_string())])
                                .send()
                                .await
                                .map_err(err)?;
                            Ok(small_js(&r.json::<Small>().await.map_err(err)?))
                        }
                    })
                    .await
                }
                s => Err(format!("unknown scenario {s}").into()),
            }
        })
    }
}
