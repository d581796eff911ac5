//! The same small Leptos UI three ways: its calls made with projekt-client
//! (`--features projekt`), with gloo-net (`--features gloo`), or not at all
//! (canned data): the difference in `.wasm` size is what each client adds.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

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

#[cfg_attr(not(any(feature = "projekt", feature = "gloo")), allow(dead_code))]
const BASE: &str = "http://127.0.0.1:8080/s/size";

/// The list, a create, and a GET that can be aborted: `Err` holds a message.
mod api {
    use super::*;

    #[cfg(feature = "projekt")]
    mod imp {
        use super::*;
        use projekt_client::{Client, ClientOptions};
        thread_local!(static CLIENT: Client = Client::new(ClientOptions::new(BASE)).expect("base URL"));
        fn client() -> Client {
            CLIENT.with(Client::clone)
        }
        pub async fn list() -> Result<List, String> {
            client().get("/items").await.and_then(|r| r.json()).map_err(|e| e.to_string())
        }
        pub async fn create(item: NewItem) -> Result<Item, String> {
            match client().post("/items").json(&item).await {
                Ok(r) => r.json().map_err(|e| e.to_string()),
                Err(e) => Err(e.first("title").unwrap_or(e.message()).to_string()),
            }
        }
        pub async fn slow(signal: web_sys::AbortSignal) -> Result<(), String> {
            client().get("/slow").signal(&signal).await.map(|_| ()).map_err(|e| e.to_string())
        }
    }

    #[cfg(all(feature = "gloo", not(feature = "projekt")))]
    mod imp {
        use super::*;
        use gloo_net::http::Request;
        pub async fn list() -> Result<List, String> {
            let r = Request::get(&format!("{BASE}/items")).send().await.map_err(|e| e.to_string())?;
            r.json().await.map_err(|e| e.to_string())
        }
        pub async fn create(item: NewItem) -> Result<Item, String> {
            let r = Request::post(&format!("{BASE}/items"))
                .json(&item)
                .map_err(|e| e.to_string())?
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if r.ok() {
                r.json().await.map_err(|e| e.to_string())
            } else {
                Err(r.text().await.unwrap_or_default())
            }
        }
        pub async fn slow(signal: web_sys::AbortSignal) -> Result<(), String> {
            Request::get(&format!("{BASE}/slow"))
                .abort_signal(Some(&signal))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }

    #[cfg(not(any(feature = "projekt", feature = "gloo")))]
    mod imp {
        use super::*;
        pub async fn list() -> Result<List, String> {
            Ok(List {
                data: vec![Item { id: 1, title: "Item 1".into() }],
            })
        }
        pub async fn create(item: NewItem) -> Result<Item, String> {
            if item.title.is_empty() {
                Err("The title field is required".into())
            } else {
                Ok(Item { id: 4, title: item.title })
            }
        }
        pub async fn slow(_signal: web_sys::AbortSignal) -> Result<(), String> {
            Ok(())
        }
    }

    pub use imp::*;
}

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let items = LocalResource::new(api::list);
    let (title, set_title) = signal(String::new());
    let (message, set_message) = signal(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let item = NewItem { title: title.get_untracked() };
        spawn_local(async move {
            set_message.set(match api::create(item).await {
                Ok(i) => format!("created #{} {}", i.id, i.title),
                Err(e) => e,
            });
        });
    };
    let slow = move |_| {
        let controller = web_sys::AbortController::new().expect("AbortController");
        let signal = controller.signal();
        spawn_local(async move {
            let r = api::slow(signal).await;
            set_message.set(format!("{r:?}"));
        });
        controller.abort();
    };
    view! {
        <ul>
            {move || items.get().map(|r| match r {
                Ok(list) => list.data.into_iter().map(|i| view! { <li>{i.id} " " {i.title}</li> }).collect_view().into_any(),
                Err(e) => view! { <li>{e}</li> }.into_any(),
            })}
        </ul>
        <form on:submit=submit>
            <input prop:value=title on:input=move |ev| set_title.set(event_target_value(&ev)) />
            <button type="submit">"Create"</button>
        </form>
        <button on:click=slow>"Slow"</button>
        <output>{move || message.get()}</output>
    }
}
