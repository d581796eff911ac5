//! Names and uses the Rust face the way an app does, on wasm32.
#![cfg(target_arch = "wasm32")]

use projekt_client::{Client, ClientOptions, Error};

#[derive(serde::Deserialize)]
pub struct Issue {
    pub id: u64,
}

pub async fn first_issue(client: &Client) -> Result<Issue, Error> {
    client.get("/issues/1").query([("x", 1)]).await?.json()
}

pub fn client() -> Client {
    Client::new(ClientOptions::new("https://api.example.test/v1")).expect("valid options")
}
