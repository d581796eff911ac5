//! projekt-client's Rust face in a Leptos CSR app.
//!
//! Open `index.html?api=<base URL>` (the e2e test serves it beside the test
//! server). The client lives in context; requests run in `LocalResource`s
//! and `spawn_local`; a 422's field messages go into signals, not the DOM.

use leptos::prelude::*;
use leptos::task::spawn_local;
use projekt_client::{Client, ClientOptions, Error, RetryOptions};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, Deserialize)]
struct Item {
    id: u64,
    title: String,
}

#[derive(Clone, Deserialize)]
struct List {
    data: Vec<Item>,
}

#[derive(Serialize)]
struct NewItem {
    title: String,
}

/// The API's base URL, from `?api=`.
fn api_base() -> String {
    let search = window().location().search().unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|p| p.get("api"))
        .unwrap_or_else(|| "http://127.0.0.1:8080/s/demo".into())
}

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    // What the client says about retries, for the page to show.
    let (status, set_status) = signal(String::from("idle"));
    let client = Client::new(
        ClientOptions {
            retry: RetryOptions {
                limit: 2,
                base_delay_ms: 50.0,
                max_delay_ms: 3_000.0,
            },
            ..ClientOptions::new(api_base())
        }
        .with_on_retry(move |info| {
            set_status.set(format!(
                "retrying in {} ms ({})",
                info.delay.as_millis(),
                info.reason
            ))
        }),
    )
    .expect("a valid base URL");
    provide_context(client.clone());

    view! {
        <h1>"Items"</h1>
        <ItemList />
        <NewItemForm />
        <RateLimited status set_status />
        <Unmount />
    }
}

/// The list, loaded once.
#[component]
fn ItemList() -> impl IntoView {
    let client = expect_context::<Client>();
    let items = LocalResource::new(move || {
        let client = client.clone();
        async move { client.get("/items").await?.json::<List>() }
    });
    view! {
        <ul id="items">
            <Suspense fallback=|| view! { <li>"loading…"</li> }>
                {move || {
                    items
                        .get()
                        .map(|r: Result<List, Error>| match r {
                            Ok(list) => list
                                .data
                                .into_iter()
                                .map(|i| view! { <li data-id=i.id>{i.title}</li> })
                                .collect_view()
                                .into_any(),
                            Err(e) => view! { <li class="error">{e.to_string()}</li> }.into_any(),
                        })
                }}
            </Suspense>
        </ul>
    }
}

/// A form whose 422 puts each field's message next to its input.
#[component]
fn NewItemForm() -> impl IntoView {
    let client = expect_context::<Client>();
    let (title, set_title) = signal(String::new());
    let (errors, set_errors) = signal(HashMap::<String, String>::new());
    let (created, set_created) = signal(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let client = client.clone();
        let body = NewItem {
            title: title.get_untracked(),
        };
        spawn_local(async move {
            match client.post("/items").json(&body).await {
                Ok(resp) => {
                    set_errors.set(HashMap::new());
                    let item: Result<Item, Error> = resp.json();
                    set_created.set(item.ok().map(|i| format!("created #{}", i.id)));
                }
                Err(e) if e.is_validation() => {
                    set_errors.set(e.field_messages().into_iter().collect());
                }
                Err(e) => set_created.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <form id="new-item" on:submit=submit>
            <input
                name="title"
                prop:value=title
                on:input=move |ev| set_title.set(event_target_value(&ev))
            />
            <span class="field-error" data-for="title">
                {move || errors.get().get("title").cloned().unwrap_or_default()}
            </span>
            <button type="submit">"Create"</button>
            <output id="created">{move || created.get().unwrap_or_default()}</output>
        </form>
    }
}

/// A request answered 429 once: the client waits the server's time and retries.
#[component]
fn RateLimited(status: ReadSignal<String>, set_status: WriteSignal<String>) -> impl IntoView {
    let client = expect_context::<Client>();
    let run = move |_| {
        let client = client.clone();
        spawn_local(async move {
            let key = js_sys_now();
            match client
                .get(&format!("/flaky/rl{key}?fail=1&code=429&reset=1"))
                .await
            {
                Ok(resp) => set_status.set(format!("done after {} attempts", resp.attempts)),
                Err(e) => set_status.set(e.to_string()),
            }
        });
    };
    view! {
        <button id="rate-limited" on:click=run>"Rate-limited request"</button>
        <output id="status">{move || status.get()}</output>
    }
}

/// A component whose request is aborted when it unmounts.
#[component]
fn Unmount() -> impl IntoView {
    let client = expect_context::<Client>();
    let (shown, set_shown) = signal(false);
    let (in_flight, set_in_flight) = signal(0usize);
    let check = {
        let client = client.clone();
        move |_| set_in_flight.set(client.calls_in_flight())
    };
    view! {
        <button id="toggle" on:click=move |_| set_shown.update(|s| *s = !*s)>"Toggle slow"</button>
        <Show when=move || shown.get()>
            <Slow />
        </Show>
        <button id="check" on:click=check>"Calls in flight"</button>
        <output id="in-flight">{move || in_flight.get()}</output>
    }
}

/// Starts a slow request; unmounting aborts it (the request's signal).
#[component]
fn Slow() -> impl IntoView {
    let client = expect_context::<Client>();
    let controller = web_sys::AbortController::new().expect("AbortController");
    let signal = controller.signal();
    on_cleanup(move || controller.abort());
    let (state, set_state) = signal_pair();
    spawn_local(async move {
        let r = client.get("/slow?ms=3000").signal(&signal).await;
        set_state.try_set(match r {
            Ok(_) => "finished".into(),
            Err(e) if e.is_aborted() => "aborted".into(),
            Err(e) => e.to_string(),
        });
    });
    view! { <p id="slow">"slow request: " {move || state.get()}</p> }
}

fn signal_pair() -> (ReadSignal<String>, WriteSignal<String>) {
    signal(String::from("pending"))
}

fn js_sys_now() -> u64 {
    window().performance().map_or(0.0, |p| p.now() * 1000.0) as u64
}
