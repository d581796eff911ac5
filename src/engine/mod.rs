//! The request engine: every decision of every call, for both faces.
//!
//! A sans-I/O state machine in the style of quinn-proto or h11. An executor
//! (the npm package's `Client` in `src/js/client.js`, the Rust [`Client`])
//! starts a call with the request's facts and then only performs the
//! [`Action`] it is given — send the request, read a body, wait, ask for a
//! new token, share another call's result, settle — and feeds back what
//! happened as an [`Event`]. Here is decided: the rate-limit gate, the ETag
//! cache's lookups and stores, `no-store`, the orphan 304, the
//! write-in-flight bypass, the retry and its wait, the 401 refresh (one at
//! a time), in-flight GET sharing, the deadline, the error class and its
//! extras, and the redirect rule.
//!
//! The client-wide state lives here once: identity and cache partition, the
//! gate, the cache index (bodies are the executor's opaque `B` handles),
//! the marks of writes in flight, the refresh slot and the sharing table.
//! Every call holds its part of it by id, and [`Engine::cancel`] (a dropped
//! future, an aborted signal) or its end releases all of it, by
//! construction: no mark, slot or share outlives its call.
//!
//! [`Client`]: crate::Client

#[allow(unused_imports)]
use crate::prelude::*;

use crate::cache::{cache_key, partition_key, Cache, CacheOptions};
use crate::envelope::{self, Raw};
use crate::error::Error;
use crate::ratelimit::Gate;
use crate::request::{
    path_of, validate_org_id, validate_token, write_affects, BaseUrl, ConfigError,
};
use crate::retry::{self, Decision, Failure, RetryHeaders, RetryOptions};
use crate::status::Kind;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests_citizen;

/// Error bodies larger than this are not read (an envelope is small).
pub const MAX_ERROR_BODY: usize = 1 << 20;

/// Each attempt's timeout when none is given: 10 s (both faces' default).
pub const DEFAULT_TIMEOUT_MS: f64 = 10_000.0;

/// A call's handle, unique over the engine's life.
pub type CallId = u32;

/// Per-request cache behaviour, named after the Fetch `RequestCache` values.
///
/// ```no_run
/// # #[cfg(target_arch = "wasm32")]
/// # async fn demo(client: &projekt_client::Client) -> Result<(), projekt_client::Error> {
/// use projekt_client::CacheMode;
/// // The pull-to-refresh gesture: skip the stored copy, store the answer.
/// let fresh = client.get("/issues").cache(CacheMode::Reload).await?;
/// // Instant first paint from the stored copy (when there is one).
/// let quick = client.get("/issues").cache(CacheMode::ForceCache).await?;
/// # let _ = (fresh, quick); Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// Revalidate a stored entry with `If-None-Match`; store a fresh 200.
    #[default]
    Default,
    /// Same as `Default`: ETag entries are always revalidated.
    NoCache,
    /// Ignore the stored entry (no `If-None-Match`), store the answer.
    Reload,
    /// Neither read nor write the cache.
    NoStore,
    /// Serve a stored entry without asking the server; fetch when none.
    ForceCache,
}

impl CacheMode {
    /// Parses the JS option value; unknown values are `None`.
    ///
    /// ```
    /// use projekt_client::engine::CacheMode;
    /// assert_eq!(CacheMode::parse("force-cache"), Some(CacheMode::ForceCache));
    /// assert_eq!(CacheMode::parse("only-if-cached"), None);
    /// ```
    pub fn parse(s: &str) -> Option<CacheMode> {
        Some(match s {
            "default" => CacheMode::Default,
            "no-cache" => CacheMode::NoCache,
            "reload" => CacheMode::Reload,
            "no-store" => CacheMode::NoStore,
            "force-cache" => CacheMode::ForceCache,
            _ => return None,
        })
    }
}

/// A client's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// The API's base URL (checked).
    pub base: BaseUrl,
    /// A `pjk_…` token.
    pub token: Option<String>,
    /// An org UUID.
    pub org_id: Option<String>,
    /// Allow a token over plain `http://` to a host that is not this machine.
    pub allow_insecure_token: bool,
    /// Per-attempt timeout in ms.
    pub timeout_ms: Option<f64>,
    /// Deadline for a whole call, retries and waits included, in ms.
    pub total_timeout_ms: Option<f64>,
    /// Retry settings.
    pub retry: RetryOptions,
    /// ETag cache bounds; `None`: no cache.
    pub cache: Option<CacheOptions>,
    /// Whether a 401 may ask the executor for a new token (`onUnauthorized`).
    pub refresh: bool,
    /// The most bytes a 2xx body may have (`maxBodyBytes`); `None`: no bound
    /// but the browser's own (a string of ~512 MiB in Chromium).
    pub max_body_bytes: Option<f64>,
    /// Tell clients of the same scope in other tabs about rate-limit holds
    /// and successful writes, and heed theirs ([`Engine::hear`]): `crossTab`.
    pub cross_tab: bool,
    /// Keep stored entries in a persisted cache too ([`Effect::Persist`],
    /// [`Action::Load`]): `cache: { persist: true }`.
    pub persist: bool,
}

/// Something the executor does on the side, with no event to report:
/// drained with [`Engine::take_effects`] after each step.
#[derive(Clone, Debug)]
pub enum Effect<B> {
    /// Post this message on the [`crate::tabs::CHANNEL`] channel; `true`:
    /// keep it too, for the clients made in the next hour (in this tab or
    /// another: a tab opened during a hold holds too).
    Tell(String, bool),
    /// Keep this entry in the persisted cache too.
    Persist(Persisted<B>),
    /// Drop persisted entries.
    Forget(Forget),
}

/// An entry to persist: where it goes, what it is, and the bounds the
/// persisted store keeps (evicting its least recently stored entries).
#[derive(Clone, Debug)]
pub struct Persisted<B> {
    /// The identity's scope ([`crate::tabs::scope`]).
    pub scope: String,
    /// The API's digest (what [`Forget::Base`] names).
    pub base: String,
    /// The entry's name ([`crate::cache::key_digest`]).
    pub key: String,
    /// Its path's digest (what [`Forget::Paths`] names).
    pub path: String,
    /// `ETag`.
    pub etag: String,
    /// The stored form.
    pub entry: B,
    /// Its size, as the memory cache counts it.
    pub size: usize,
    /// `maxEntries` for the scope.
    pub max_entries: usize,
    /// `maxBytes` for the scope.
    pub max_bytes: usize,
}

/// Which persisted entries to drop.
#[derive(Clone, Debug, PartialEq)]
pub enum Forget {
    /// One entry (`no-store`, a response that may not be stored).
    Key {
        /// The scope.
        scope: String,
        /// The entry.
        key: String,
    },
    /// Every entry of an identity (a 401 for it).
    Scope(String),
    /// Every entry of the API, all identities (`clearCache()`).
    Base(String),
    /// In every scope, the entries of these paths (a successful write).
    Paths(String, Option<String>),
}

/// What a call is, as the caller asked for it.
#[derive(Clone, Debug, Default)]
pub struct Start<'a> {
    /// The method, normalised ([`crate::request::normalise_method`]).
    pub method: &'a str,
    /// The URL, from [`Engine::url`].
    pub url: &'a str,
    /// The caller's cache mode.
    pub mode: CacheMode,
    /// Whether a body is sent.
    pub body: bool,
    /// Whether the caller set an `Idempotency-Key` header.
    pub idempotency_key: bool,
    /// The caller's own `If-None-Match` (the cache then stays out of it).
    pub if_none_match: Option<&'a str>,
    /// Whether the caller set `Authorization` (it is kept unless the client
    /// set its own on an earlier attempt).
    pub authorization: bool,
    /// Whether the caller set `X-Org-Id`.
    pub org: bool,
    /// Whether the caller set any header at all (no sharing then).
    pub headers: bool,
    /// Whether the caller passed an abort signal (no sharing then).
    pub signal: bool,
}

/// What to do with one request header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Header {
    /// Leave it as it is.
    Keep,
    /// Set it to this value.
    Set(String),
    /// Remove it.
    Remove,
}

/// Send the call's request once.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetch {
    /// `If-None-Match`.
    pub if_none_match: Header,
    /// `Authorization` (`Bearer …`).
    pub authorization: Header,
    /// `X-Org-Id`: set it to this value, or leave it.
    pub org: Option<String>,
    /// Fetch `cache: "no-store"` (the browser's HTTP cache stays out).
    pub no_store: bool,
    /// Fetch `redirect: "manual"` ([`crate::scope::may_follow_redirects`]).
    pub manual_redirect: bool,
    /// Abort the attempt after this many ms: a whole number, at least 1
    /// (what `AbortSignal.timeout` takes).
    pub timeout_ms: Option<f64>,
    /// Read an error status's body before reporting the response
    /// ([`Head::envelope`]): every status from 400 when `true`, else every
    /// one but 429, 500, 502, 503 and 504 (which may be retried unread).
    pub eager_all_errors: bool,
}

/// What `onRetry` is told before a retry wait.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryInfo {
    /// The number of the attempt about to be made (2 for the first retry).
    pub attempt: u32,
    /// The failed attempt's kind (`rate_limited`, `server`, …).
    pub reason: &'static str,
    /// Its status, 0 without a response.
    pub status: u16,
}

/// How a call settles.
// (Returned once per event and matched at once: boxing the error would
// only add an allocation to every failure.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Outcome<B> {
    /// With what was just read (a 2xx, or a 304 nothing was stored for).
    Fresh {
        /// The status.
        status: u16,
        /// The `ETag` (a 304's own, or the caller's `If-None-Match`).
        etag: Option<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// With a stored entry: a 304 revalidated it (`revalidated`), or
    /// `force-cache` served it without asking.
    Cached {
        /// The stored entry.
        entry: B,
        /// Its `ETag`.
        etag: String,
        /// Attempts made (0 for `force-cache`).
        attempts: u32,
        /// Whether a 304 came (its headers overlay the stored ones).
        revalidated: bool,
    },
    /// With an error (its `delays`, `attempts` and URL set).
    Failed(Error),
}

/// The engine's answer to an event: what the executor does next.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Action<B> {
    /// Send the request and report [`Event::Response`] or [`Event::Failed`].
    Fetch(Fetch),
    /// Read the 2xx body and report [`Event::Body`] (with the stored form
    /// when `keep`) or [`Event::BodyFailed`].
    ReadBody {
        /// Keep the body's text: it will be stored.
        keep: bool,
        /// Stop reading (cancel the stream) past this many bytes, and report
        /// [`BodyFailure::TooLarge`] (`maxBodyBytes`).
        max: Option<f64>,
    },
    /// Read the error body (at most [`MAX_ERROR_BODY`]) and report
    /// [`Event::Envelope`]; `read: false`: report an empty one unread.
    ReadError {
        /// Whether the body is worth reading (JSON, not too big, not HEAD).
        read: bool,
    },
    /// Wait (abortable), then report [`Event::Waited`]. With `retry`, cancel
    /// the failed response's body and tell `onRetry` first.
    Wait {
        /// How long.
        ms: f64,
        /// The retry it is for.
        retry: Option<RetryInfo>,
    },
    /// Ask for a new token (`onUnauthorized`) as refresh `id`, and report
    /// [`Event::Refreshed`] with it; other calls may await the same one.
    Refresh {
        /// The refresh's id.
        id: u32,
    },
    /// Await refresh `id`, which another call started, and report
    /// [`Event::Refreshed`] with its token.
    AwaitRefresh {
        /// The refresh's id.
        id: u32,
    },
    /// Wait until the browser is back online (or `ms`, when the deadline
    /// bounds it; abortable), then report [`Event::Waited`]: a network
    /// failure while offline spends no retry. Tell `onRetry` first.
    WaitOnline {
        /// The most to wait (what is left of `totalTimeoutMs`); `None`: no bound.
        ms: Option<f64>,
        /// The retry it is for (`reason: "offline"`).
        retry: RetryInfo,
    },
    /// Look up entry `key` of `scope` in the persisted cache and report
    /// [`Event::Loaded`] (`None` when absent or unreadable).
    Load {
        /// The identity's scope.
        scope: String,
        /// The entry ([`crate::cache::key_digest`]).
        key: String,
    },
    /// Settle the call.
    Done(Outcome<B>),
}

/// What a response's head says, as far as the engine reads it.
#[derive(Clone, Debug, Default)]
pub struct Head<'a> {
    /// The status (0 for an opaque redirect).
    pub status: u16,
    /// Whether fetch followed a redirect, or stopped at one (opaque).
    pub redirected: bool,
    /// `ETag`.
    pub etag: Option<&'a str>,
    /// `Cache-Control`.
    pub cache_control: Option<&'a str>,
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<&'a str>,
    /// `X-RateLimit-Reset`.
    pub reset: Option<&'a str>,
    /// `Retry-After`.
    pub retry_after: Option<&'a str>,
    /// `Allow`.
    pub allow: Option<&'a str>,
    /// `Content-Length`.
    pub content_length: Option<&'a str>,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// `Vary`.
    pub vary: Option<&'a str>,
    /// The error body's text, when [`Fetch::eager_all_errors`] had it read
    /// already (`Some("")` for an empty or unread one).
    pub envelope: Option<&'a str>,
}

/// Why a 2xx body could not be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFailure {
    /// It is not JSON.
    Decode,
    /// The attempt's timeout cut it off.
    Timeout,
    /// The connection failed.
    Network,
    /// It is too large for the browser to hold as text.
    TooLarge,
}

/// What happened, reported by the executor.
#[derive(Clone, Debug)]
pub enum Event<'a, B> {
    /// A response came (after [`Action::Fetch`]).
    Response(Head<'a>),
    /// No response: a network failure or the attempt's timeout.
    Failed(Failure),
    /// The 2xx body was read; `keep`: its stored form (`None`: empty or not asked).
    Body {
        /// The stored form.
        keep: Option<B>,
        /// Its size, counted against `maxBytes`.
        size: usize,
    },
    /// The 2xx body could not be read.
    BodyFailed(BodyFailure),
    /// The error body's text (`""` when empty, unreadable or not read).
    Envelope(&'a str),
    /// The wait ended.
    Waited,
    /// The refresh ended with this token (`None`: none, or it failed).
    Refreshed(Option<&'a str>),
    /// The caller's signal aborted the call.
    Aborted,
    /// No response, and the browser says it is offline (`navigator.onLine`).
    Offline,
    /// What the persisted cache held (after [`Action::Load`]): `ETag`, the
    /// stored form and its size.
    Loaded(Option<(String, B, usize)>),
}

/// The stage a call is at: the event it waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Gate,
    Load,
    Fetching,
    Body,
    Error,
    Retry,
    Refresh(u32),
}

/// What a failed response said, kept while its body is read (or a
/// refresh is awaited).
#[derive(Clone, Debug, Default)]
struct Failing {
    status: u16,
    allow: Option<String>,
    reset: Option<String>,
    retry_after: Option<String>,
    now: f64,
    /// Whether its body is worth reading (JSON, not too big, not HEAD).
    read: bool,
    /// Its body, when the executor read it with the head.
    envelope: Option<String>,
}

/// One call's state.
#[derive(Clone, Debug)]
struct Call<B> {
    id: CallId,
    method: String,
    url: String,
    key: String,
    mode: CacheMode,
    body: bool,
    idempotency_key: bool,
    user_auth: bool,
    user_org: bool,
    user_etag: Option<String>,
    caching: bool,
    write: bool,
    shared: Option<String>,
    attempts: u32,
    delays: Vec<f64>,
    refreshed: bool,
    skip_conditional: bool,
    auth_ours: bool,
    generation: u32,
    deadline: Option<f64>,
    timeout: Option<f64>,
    partition: String,
    stored: Option<(String, B)>,
    stage: Stage,
    /// A 2xx being read: its status, `ETag` and whether it may be stored.
    reading: Option<(u16, Option<String>, bool)>,
    failing: Failing,
}

/// Whether the call goes as the client's own identity (no `Authorization`
/// or `X-Org-Id` of the caller's): only then is what it learns the scope's.
fn own_identity<B>(call: &Call<B>) -> bool {
    !call.user_auth && !call.user_org
}

/// One refresh in flight: its id and the calls awaiting it.
#[derive(Clone, Debug)]
struct Refresh {
    id: u32,
    waiters: Vec<CallId>,
}

/// The client-wide state and every call in flight.
#[derive(Clone, Debug)]
pub struct Engine<B> {
    base: BaseUrl,
    allow_insecure_token: bool,
    token: Option<String>,
    org_id: Option<String>,
    partition: String,
    timeout_ms: Option<f64>,
    total_timeout_ms: Option<f64>,
    retry: RetryOptions,
    refresh_enabled: bool,
    max_body_bytes: Option<f64>,
    cross_tab: bool,
    persist: bool,
    /// The identity's scope ([`crate::tabs::scope`]): whose notes are heard
    /// and whose persisted entries are read.
    scope: String,
    /// Digests of the persisted entries looked up already (bounded).
    looked: Vec<u64>,
    effects: Vec<Effect<B>>,
    cache: Option<Cache<B>>,
    gate: Gate,
    /// Writes in flight: (call, path). A GET of what they affect skips the cache.
    writes: Vec<(CallId, String)>,
    /// Bumped by every finished write, so a GET that raced it does not store.
    generation: u32,
    refresh: Option<Refresh>,
    refreshes: u32,
    /// The last refresh that ended: its id and whether it gave a token.
    last_refresh: Option<(u32, bool)>,
    /// GETs in flight others may share: (key, leader).
    shared: Vec<(String, CallId)>,
    calls: Vec<Call<B>>,
    next_id: CallId,
}

/// Where a new call goes.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Started<B> {
    /// A call of its own, with its first action.
    Call(CallId, Action<B>),
    /// An identical GET is in flight: await call `leader` and take a copy
    /// of its result. (Start again if it is cancelled.)
    Join(CallId),
}

fn refuse_insecure() -> ConfigError {
    ConfigError(
        "projekt-client: refusing to send a token over plain http:// to a remote host; use https:// or pass allowInsecureToken: true".into(),
    )
}

impl<B: Clone> Engine<B> {
    /// Checks the identity and builds the engine.
    pub fn new(cfg: Config) -> Result<Engine<B>, ConfigError> {
        let mut e = Engine {
            base: cfg.base,
            allow_insecure_token: cfg.allow_insecure_token,
            token: None,
            org_id: None,
            partition: String::new(),
            timeout_ms: cfg.timeout_ms.filter(|t| t.is_finite() && *t > 0.0),
            total_timeout_ms: cfg.total_timeout_ms.filter(|t| t.is_finite() && *t > 0.0),
            retry: cfg.retry,
            refresh_enabled: cfg.refresh,
            max_body_bytes: cfg.max_body_bytes.filter(|n| *n >= 0.0),
            cross_tab: cfg.cross_tab,
            persist: cfg.persist && cfg.cache.is_some(),
            scope: String::new(),
            looked: Vec::new(),
            effects: Vec::new(),
            cache: cfg.cache.map(Cache::new),
            gate: Gate::new(),
            writes: Vec::new(),
            generation: 0,
            refresh: None,
            refreshes: 0,
            last_refresh: None,
            shared: Vec::new(),
            calls: Vec::new(),
            next_id: 1,
        };
        e.set_token(cfg.token.as_deref())?;
        e.set_org_id(cfg.org_id.as_deref())?;
        Ok(e)
    }

    /// Replaces the token (`None` removes it); a refused one keeps the old.
    pub fn set_token(&mut self, token: Option<&str>) -> Result<(), ConfigError> {
        if let Some(t) = token {
            validate_token(t)?;
            if !self.base.is_secure_for_tokens() && !self.allow_insecure_token {
                return Err(refuse_insecure());
            }
        }
        self.token = token.map(str::to_owned);
        self.partition = partition_key(self.token.as_deref(), self.org_id.as_deref());
        self.scope = crate::tabs::scope(self.base.as_str(), &self.partition);
        Ok(())
    }

    /// Replaces the org id (`None` removes it).
    pub fn set_org_id(&mut self, org_id: Option<&str>) -> Result<(), ConfigError> {
        if let Some(o) = org_id {
            validate_org_id(o)?;
        }
        self.org_id = org_id.map(str::to_owned);
        self.partition = partition_key(self.token.as_deref(), self.org_id.as_deref());
        self.scope = crate::tabs::scope(self.base.as_str(), &self.partition);
        Ok(())
    }

    /// The current token.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The base URL.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// The URL for `path` and query pairs, refused outside the base URL
    /// ([`BaseUrl::join`]).
    pub fn url(&self, path: &str, query: &[(String, String)]) -> Result<String, ConfigError> {
        let joined = self.base.join(path)?;
        Ok(crate::request::append_query(&joined, query))
    }

    /// Empties the cache (and the API's persisted entries, every identity's).
    pub fn clear_cache(&mut self) {
        if let Some(c) = self.cache.as_mut() {
            c.clear();
        }
        if self.persist {
            self.looked.clear();
            self.effects
                .push(Effect::Forget(Forget::Base(self.base_id())));
        }
    }

    /// The API's digest, naming its persisted entries.
    fn base_id(&self) -> String {
        let mut out = String::with_capacity(16);
        crate::cache::push_hex(
            &mut out,
            crate::cache::digest("projekt-client/base", self.base.as_str()),
        );
        out
    }

    /// The identity's scope: whose notes this client heeds ([`crate::tabs`]).
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// What the executor is to do on the side since the last call (posting
    /// notes to other tabs, persisting entries); empty for a client without
    /// `crossTab` or `persist`.
    pub fn take_effects(&mut self) -> Vec<Effect<B>> {
        core::mem::take(&mut self.effects)
    }

    /// Whether there are effects to take.
    pub fn has_effects(&self) -> bool {
        !self.effects.is_empty()
    }

    /// A message from the `crossTab` channel: heeded when it is a
    /// well-formed note of this client's scope (a hold for the gate, or a
    /// write's paths to drop), ignored otherwise. Returns whether heeded.
    pub fn hear(&mut self, message: &str, now: f64) -> bool {
        if !self.cross_tab {
            return false;
        }
        match crate::tabs::decode(message, &self.scope) {
            Some(crate::tabs::Note::Hold(ms)) => {
                // The same rule as for this client's own 429s: only when
                // retrying is on, never longer than a retry would sleep.
                if self.retry.limit > 0 {
                    self.gate.hold(now, ms, self.retry.max_delay_ms);
                }
                true
            }
            Some(crate::tabs::Note::Drop(path, parent)) => {
                if let Some(c) = self.cache.as_mut() {
                    c.invalidate_digests(path, parent);
                }
                // A GET in flight may have raced that write: it does not store.
                self.generation = self.generation.wrapping_add(1);
                true
            }
            None => false,
        }
    }

    /// Entries the cache holds.
    pub fn cache_len(&self) -> usize {
        self.cache.as_ref().map_or(0, |c| c.len())
    }

    /// Bytes the cache holds.
    pub fn cache_bytes(&self) -> usize {
        self.cache.as_ref().map_or(0, |c| c.bytes())
    }

    /// Calls in flight.
    pub fn calls(&self) -> usize {
        self.calls.len()
    }

    /// Whether nothing is held for any call: no write mark, refresh slot,
    /// shared GET or call. True whenever every call has settled or been
    /// cancelled.
    pub fn is_idle(&self) -> bool {
        self.calls.is_empty()
            && self.writes.is_empty()
            && self.refresh.is_none()
            && self.shared.is_empty()
    }

    /// Whether a GET of `url` would skip the cache for a write in flight.
    pub fn write_in_flight(&self, url: &str) -> bool {
        let path = path_of(url);
        self.writes.iter().any(|(_, w)| write_affects(w, path))
    }

    /// Starts a call.
    pub fn start(&mut self, s: Start<'_>, now: f64) -> Started<B> {
        let is_get = s.method == "GET";
        // A call sent as another identity (its own `Authorization` or
        // `X-Org-Id`) neither reads nor writes the client's partition: its
        // answer is that identity's, not the client's.
        let caching = is_get
            && self.cache.is_some()
            && s.mode != CacheMode::NoStore
            && s.if_none_match.is_none()
            && !s.authorization
            && !s.org
            && !self.write_in_flight(s.url);
        let key = cache_key(s.url);
        let mut shared = None;
        if caching && !s.signal && !s.headers && s.mode != CacheMode::Reload {
            let k = crate::text::concat(&[&self.partition, "\n", &key]);
            if let Some((_, leader)) = self.shared.iter().find(|(sk, _)| *sk == k) {
                return Started::Join(*leader);
            }
            shared = Some(k);
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let write = matches!(s.method, "POST" | "PUT" | "PATCH" | "DELETE");
        if write {
            self.writes.push((id, path_of(s.url).to_owned()));
        }
        if let Some(k) = &shared {
            self.shared.push((k.clone(), id));
        }
        let call = Call {
            id,
            method: s.method.to_owned(),
            url: s.url.to_owned(),
            key,
            mode: s.mode,
            body: s.body,
            idempotency_key: s.idempotency_key,
            user_auth: s.authorization,
            user_org: s.org,
            user_etag: s.if_none_match.map(str::to_owned),
            caching,
            write,
            shared,
            attempts: 0,
            delays: Vec::new(),
            refreshed: false,
            skip_conditional: s.mode == CacheMode::Reload,
            auth_ours: false,
            generation: self.generation,
            deadline: self.total_timeout_ms.map(|t| now + t),
            timeout: None,
            partition: String::new(),
            stored: None,
            stage: Stage::Gate,
            reading: None,
            failing: Failing::default(),
        };
        let action = self.attempt(call, now);
        Started::Call(id, action)
    }

    /// Feeds what happened to call `id`; answers what to do next. An event
    /// for a call that has settled or was cancelled (or one the call is not
    /// waiting for) is ignored, with a `Done` carrying an error.
    pub fn on(&mut self, id: CallId, event: Event<'_, B>, now: f64, random: f64) -> Action<B> {
        let Some(i) = self.calls.iter().position(|c| c.id == id) else {
            return Action::Done(Outcome::Failed(Error::new(
                Kind::Network,
                0,
                "projekt-client: this call has already ended",
            )));
        };
        let call = self.calls.swap_remove(i);
        match (call.stage, event) {
            (_, Event::Aborted) => {
                let e = self.error(
                    &call,
                    Kind::Aborted,
                    0,
                    "projekt-client: the request was aborted",
                );
                self.finish(call, Outcome::Failed(e))
            }
            (Stage::Gate, Event::Waited) => self.attempt(call, now),
            (Stage::Load, Event::Loaded(found)) => {
                if let (Some((etag, entry, size)), Some(c)) = (found, self.cache.as_mut()) {
                    // (Stored under the identity the lookup was for.)
                    if call.partition == self.partition {
                        c.put(&call.partition, &call.key, &etag, entry, size);
                    }
                }
                self.attempt(call, now)
            }
            (Stage::Fetching, Event::Offline) => self.offline(call, now, random),
            (Stage::Retry, Event::Waited) => self.attempt(call, now),
            (Stage::Fetching, Event::Response(head)) => self.response(call, &head, now, random),
            (Stage::Fetching, Event::Failed(f)) => self.failed(call, f, now, random),
            (Stage::Body, Event::Body { keep, size }) => self.body(call, keep, size),
            (Stage::Body, Event::BodyFailed(f)) => {
                let status = call.reading.as_ref().map_or(0, |r| r.0);
                let e = match f {
                    BodyFailure::Decode => {
                        let mut m = String::from("projekt-client: the ");
                        crate::text::push_u64(&mut m, status.into());
                        m.push_str(" response body is not valid JSON");
                        self.error(&call, Kind::Decode, status, &m)
                    }
                    BodyFailure::TooLarge => self.too_large(&call, status),
                    BodyFailure::Timeout => self.error(
                        &call,
                        Kind::Timeout,
                        0,
                        "projekt-client: the response body timed out",
                    ),
                    BodyFailure::Network => self.error(
                        &call,
                        Kind::Network,
                        0,
                        "projekt-client: the connection failed while reading the response body",
                    ),
                };
                self.finish(call, Outcome::Failed(e))
            }
            (Stage::Error, Event::Envelope(text)) => {
                let e = self.http_error(&call, text);
                self.finish(call, Outcome::Failed(e))
            }
            (Stage::Refresh(rid), Event::Refreshed(token)) => {
                self.refreshed(call, rid, token, now, random)
            }
            (_, _) => {
                // An event the call is not waiting for: a bug in the executor.
                let e = self.error(
                    &call,
                    Kind::Network,
                    0,
                    "projekt-client: internal error (an event out of order)",
                );
                self.finish(call, Outcome::Failed(e))
            }
        }
    }

    /// The caller went away (a dropped future, an executor torn down):
    /// everything call `id` holds is released, nothing is settled.
    pub fn cancel(&mut self, id: CallId) {
        if let Some(i) = self.calls.iter().position(|c| c.id == id) {
            let call = self.calls.swap_remove(i);
            // A cancelled write may have reached the server: its entries go.
            self.release(&call, true);
        }
    }

    // ------------------------------------------------------------ steps

    /// The top of the loop: the gate, the cache, the deadline, then a fetch.
    fn attempt(&mut self, mut call: Call<B>, now: f64) -> Action<B> {
        let wait = self.gate.wait_ms(now);
        if wait > 0.0 {
            call.stage = Stage::Gate;
            return self.hold(
                call,
                Action::Wait {
                    ms: wait,
                    retry: None,
                },
            );
        }
        // What the cache holds for this identity, asked per attempt (a 401
        // refresh changes the identity); the attempt stores under it too.
        call.partition = self.partition.clone();
        call.stored = None;
        if call.caching && !call.skip_conditional {
            if let Some(c) = self.cache.as_mut() {
                call.stored = c
                    .get(&call.partition, &call.key)
                    .map(|e| (e.etag.clone(), e.body.clone()));
            }
            if call.stored.is_none() && self.persist {
                // Not in memory: the persisted cache may have it (from
                // before a reload), asked once per entry and identity.
                let key = crate::cache::key_digest(&call.key);
                let d = crate::cache::digest(&self.scope, &key);
                if !self.looked.contains(&d) {
                    if self.looked.len() >= 4096 {
                        self.looked.clear();
                    }
                    self.looked.push(d);
                    call.stage = Stage::Load;
                    let scope = self.scope.clone();
                    return self.hold(call, Action::Load { scope, key });
                }
            }
        }
        if call.mode == CacheMode::ForceCache {
            if let Some((etag, entry)) = call.stored.clone() {
                let attempts = call.attempts;
                return self.finish(
                    call,
                    Outcome::Cached {
                        entry,
                        etag,
                        attempts,
                        revalidated: false,
                    },
                );
            }
        }
        let if_none_match = match &call.stored {
            Some((etag, _)) => Header::Set(etag.clone()),
            None if call.caching => Header::Remove,
            None => Header::Keep,
        };
        call.attempts += 1;
        let mut timeout = self.timeout_ms;
        if let Some(d) = call.deadline {
            let left = d - now;
            if left <= 0.0 {
                let e = self.total_timeout_error(&call);
                return self.finish(call, Outcome::Failed(e));
            }
            timeout = Some(timeout.map_or(left, |t| t.min(left)));
        }
        call.timeout = timeout;
        let authorization = match &self.token {
            Some(t) if !call.user_auth || call.auth_ours => {
                call.auth_ours = true;
                Header::Set(crate::text::concat(&["Bearer ", t]))
            }
            None if call.auth_ours => Header::Remove,
            _ => Header::Keep,
        };
        let org = self.org_id.clone().filter(|_| !call.user_org);
        let sends_auth = matches!(authorization, Header::Set(_))
            || (authorization == Header::Keep && call.user_auth);
        let manual_redirect = !crate::scope::may_follow_redirects(
            sends_auth,
            org.is_some() || call.user_org,
            call.body,
        );
        let fetch = Fetch {
            if_none_match,
            authorization,
            org,
            no_store: call.caching || call.method == "GET",
            manual_redirect,
            timeout_ms: timeout.map(|t| crate::num::ceil(t).max(1.0)),
            eager_all_errors: retry::exhausted(&self.retry, call.attempts),
        };
        call.stage = Stage::Fetching;
        self.hold(call, Action::Fetch(fetch))
    }

    fn response(&mut self, mut call: Call<B>, head: &Head<'_>, now: f64, random: f64) -> Action<B> {
        if head.redirected || head.status == 0 {
            let mut e = Error::redirect().with_request(&call.method, &call.url);
            e.attempts = call.attempts;
            e.delays_ms = call.delays.clone();
            return self.finish(call, Outcome::Failed(e));
        }
        let status = head.status;
        let headers = RetryHeaders {
            rate_limit_reset: head.reset,
            retry_after: head.retry_after,
        };
        // Hold this client's other calls while the window refills, but only
        // when retrying is on and the wait is one a retry would sleep
        // anyway: a longer wait goes to the caller as `retryAfterMs`.
        if self.retry.limit > 0 && (status == 429 || head.remaining.is_some()) {
            let requested = retry::requested_wait_ms(&headers, now);
            if requested.is_some_and(|w| w <= self.retry.max_delay_ms) {
                let grew = self.gate.observe(
                    status,
                    head.remaining,
                    &headers,
                    now,
                    self.retry.max_delay_ms,
                );
                if grew && self.cross_tab && own_identity(&call) {
                    let note = crate::tabs::Note::Hold(self.gate.wait_ms(now));
                    self.effects
                        .push(Effect::Tell(crate::tabs::encode(&self.scope, &note), true));
                }
            }
        }
        if (200..300).contains(&status) {
            let etag = head.etag.map(str::to_owned);
            let no_store = head
                .cache_control
                .is_some_and(|v| crate::text::find(&v.to_ascii_lowercase(), "no-store").is_some());
            // A response that varies on a request header a caller may set is
            // not stored: the cache keys by URL and identity. (Varying on the
            // identity — Authorization, X-Org-Id — is what the partitions
            // are; Origin, Accept-Encoding and Cookie are the same for
            // every request of a client.)
            let varies = head.vary.is_some_and(|v| {
                crate::text::pieces(v, b",").any(|h| {
                    let h = h.trim_ascii();
                    !(h.is_empty()
                        || [
                            "origin",
                            "accept-encoding",
                            "cookie",
                            "authorization",
                            "x-org-id",
                        ]
                        .iter()
                        .any(|ok| h.eq_ignore_ascii_case(ok)))
                })
            });
            let storable = call.caching && status == 200 && etag.is_some() && !no_store && !varies;
            let keep = call.caching && status == 200 && etag.is_some();
            let max = self.max_body_bytes;
            let declared = head
                .content_length
                // (An integer parse: `f64`'s parser is ~15 KB gzip of `.wasm`.)
                .and_then(|v| v.trim().parse::<u64>().ok().map(|n| n as f64));
            if let (Some(max), Some(n)) = (max, declared) {
                if n > max {
                    // Refused unread: the executor cancels the body.
                    let e = self.too_large(&call, status);
                    return self.finish(call, Outcome::Failed(e));
                }
            }
            call.reading = Some((status, etag, storable));
            call.stage = Stage::Body;
            // No body to read: a HEAD, a 204 or 205, a declared length of 0.
            if call.method == "HEAD" || status == 204 || status == 205 || declared == Some(0.0) {
                return self.body(call, None, 0);
            }
            return self.hold(call, Action::ReadBody { keep, max });
        }
        if status == 304 {
            if let Some((etag, entry)) = call.stored.take() {
                if let Some(c) = self.cache.as_mut() {
                    c.get(&call.partition, &call.key); // revalidated: the most recently used
                }
                let attempts = call.attempts;
                return self.finish(
                    call,
                    Outcome::Cached {
                        entry,
                        etag,
                        attempts,
                        revalidated: true,
                    },
                );
            }
            if call.caching && !call.skip_conditional {
                // Nothing stored (evicted meanwhile): ask once more, unconditionally.
                call.skip_conditional = true;
                call.attempts -= 1;
                return self.attempt(call, now);
            }
            let etag = head
                .etag
                .map(str::to_owned)
                .or_else(|| call.user_etag.clone());
            let attempts = call.attempts;
            return self.finish(
                call,
                Outcome::Fresh {
                    status,
                    etag,
                    attempts,
                },
            );
        }
        // A 401 for the client's own identity drops its partition and may
        // ask for a new token; one for a caller-set identity is the caller's.
        let own_identity = !call.user_auth && !call.user_org;
        if status == 401 && own_identity {
            let p = self.partition.clone();
            if let Some(c) = self.cache.as_mut() {
                c.drop_partition(&p);
            }
            if self.persist {
                self.looked.clear();
                self.effects
                    .push(Effect::Forget(Forget::Scope(self.scope.clone())));
            }
            if !call.refreshed && self.refresh_enabled {
                call.refreshed = true;
                let action = match self.refresh.as_mut() {
                    Some(r) => {
                        r.waiters.push(call.id);
                        call.stage = Stage::Refresh(r.id);
                        Action::AwaitRefresh { id: r.id }
                    }
                    None => {
                        self.refreshes = self.refreshes.wrapping_add(1);
                        let id = self.refreshes;
                        self.refresh = Some(Refresh {
                            id,
                            waiters: vec![call.id],
                        });
                        call.stage = Stage::Refresh(id);
                        Action::Refresh { id }
                    }
                };
                // The 401's facts, in case the refresh fails.
                call.failing = failing(head, now, &call.method);
                return self.hold(call, action);
            }
        }
        let decision = retry::decide(
            &self.retry,
            &call.method,
            call.idempotency_key,
            Failure::Status(status),
            call.attempts,
            &headers,
            now,
            random,
        );
        if let Decision::Retry { delay_ms } = decision {
            return self.retry(call, delay_ms, Failure::Status(status), status, now);
        }
        call.failing = failing(head, now, &call.method);
        self.reject_status(call)
    }

    /// An error status that is not retried: its envelope, read with the
    /// head or next.
    fn reject_status(&mut self, mut call: Call<B>) -> Action<B> {
        if let Some(text) = call.failing.envelope.take() {
            let e = self.http_error(&call, &text);
            return self.finish(call, Outcome::Failed(e));
        }
        call.stage = Stage::Error;
        let read = call.failing.read;
        self.hold(call, Action::ReadError { read })
    }

    fn failed(&mut self, call: Call<B>, failure: Failure, now: f64, random: f64) -> Action<B> {
        let decision = retry::decide(
            &self.retry,
            &call.method,
            call.idempotency_key,
            failure,
            call.attempts,
            &RetryHeaders::default(),
            now,
            random,
        );
        if let Decision::Retry { delay_ms } = decision {
            return self.retry(call, delay_ms, failure, 0, now);
        }
        let e = if failure == Failure::Timeout {
            let mut m = String::from("projekt-client: request timed out after ");
            m.push_str(&crate::date::format_number(crate::num::round(
                call.timeout.unwrap_or(0.0),
            )));
            m.push_str(" ms");
            self.error(&call, Kind::Timeout, 0, &m)
        } else {
            let m = crate::text::concat(&[
                "projekt-client: network error, no response from ",
                self.base.origin(),
            ]);
            self.error(&call, Kind::Network, 0, &m)
        };
        self.finish(call, Outcome::Failed(e))
    }

    /// A network failure while the browser is offline: a call that would be
    /// retried after a network failure waits for the network instead, and
    /// the attempt, which never left the machine, is not counted (no retry
    /// is spent). Bounded by the deadline; abortable by the executor.
    fn offline(&mut self, mut call: Call<B>, now: f64, random: f64) -> Action<B> {
        if self.retry.limit == 0
            || !retry::retryable(&call.method, call.idempotency_key, Failure::Network)
        {
            return self.failed(call, Failure::Network, now, random);
        }
        call.attempts = call.attempts.saturating_sub(1);
        let ms = call.deadline.map(|d| (d - now).max(0.0));
        let info = RetryInfo {
            attempt: call.attempts + 1,
            reason: "offline",
            status: 0,
        };
        call.stage = Stage::Retry;
        self.hold(call, Action::WaitOnline { ms, retry: info })
    }

    /// Waits `delay_ms` before the next attempt, unless the deadline comes first.
    fn retry(
        &mut self,
        mut call: Call<B>,
        delay_ms: f64,
        failure: Failure,
        status: u16,
        now: f64,
    ) -> Action<B> {
        let info = RetryInfo {
            attempt: call.attempts + 1,
            reason: retry::reason(failure),
            status,
        };
        if call.deadline.is_some_and(|d| now + delay_ms >= d) {
            let e = self.total_timeout_error(&call);
            return self.finish(call, Outcome::Failed(e));
        }
        call.delays.push(delay_ms);
        call.stage = Stage::Retry;
        self.hold(
            call,
            Action::Wait {
                ms: delay_ms,
                retry: Some(info),
            },
        )
    }

    fn body(&mut self, call: Call<B>, keep: Option<B>, size: usize) -> Action<B> {
        let (status, etag, storable) = call.reading.clone().unwrap_or((200, None, false));
        if call.caching {
            let same = call.generation == self.generation;
            let base = if self.persist {
                self.base_id()
            } else {
                String::new()
            };
            if let Some(cache) = self.cache.as_mut() {
                let kept = match (&etag, keep) {
                    (Some(tag), Some(entry)) if storable && same => {
                        let persisted = self.persist.then(|| entry.clone());
                        if cache.put(&call.partition, &call.key, tag, entry, size) {
                            persisted.map(|e| (tag.clone(), e))
                        } else {
                            cache.remove(&call.partition, &call.key);
                            None
                        }
                    }
                    _ => {
                        cache.remove(&call.partition, &call.key);
                        None
                    }
                };
                if self.persist && call.partition == self.partition {
                    let key = crate::cache::key_digest(&call.key);
                    let scope = self.scope.clone();
                    self.effects.push(match kept {
                        Some((etag, entry)) => {
                            let opts = cache.options();
                            let mut path = String::with_capacity(16);
                            crate::cache::push_hex(
                                &mut path,
                                crate::cache::path_digests(&call.key).0,
                            );
                            Effect::Persist(Persisted {
                                base,
                                scope,
                                key,
                                path,
                                etag,
                                entry,
                                size,
                                max_entries: opts.max_entries,
                                max_bytes: opts.max_bytes,
                            })
                        }
                        None => Effect::Forget(Forget::Key { scope, key }),
                    });
                }
            }
        }
        let attempts = call.attempts;
        self.finish(
            call,
            Outcome::Fresh {
                status,
                etag,
                attempts,
            },
        )
    }

    fn refreshed(
        &mut self,
        mut call: Call<B>,
        rid: u32,
        token: Option<&str>,
        now: f64,
        random: f64,
    ) -> Action<B> {
        let ok = match &self.refresh {
            Some(r) if r.id == rid => {
                let ok = match token {
                    Some(t) if Some(t) == self.token.as_deref() => true,
                    Some(t) => self.set_token(Some(t)).is_ok(),
                    None => false,
                };
                self.refresh = None;
                self.last_refresh = Some((rid, ok));
                ok
            }
            // Another waiter reported this refresh first.
            _ => self.last_refresh.is_some_and(|(id, ok)| id == rid && ok),
        };
        if ok {
            return self.attempt(call, now);
        }
        // No new token: the 401 stands (never retried).
        let _ = random;
        call.stage = Stage::Error;
        self.reject_status(call)
    }

    // ---------------------------------------------------------- helpers

    fn hold(&mut self, call: Call<B>, action: Action<B>) -> Action<B> {
        self.calls.push(call);
        action
    }

    /// Settles a call: everything it holds is released.
    fn finish(&mut self, call: Call<B>, outcome: Outcome<B>) -> Action<B> {
        let ok = !matches!(outcome, Outcome::Failed(_));
        self.release(&call, ok);
        Action::Done(outcome)
    }

    /// Drops the call's write mark (a successful write invalidates its
    /// resource and collection), shared GET and refresh wait.
    fn release(&mut self, call: &Call<B>, invalidate: bool) {
        if call.write {
            if let Some(i) = self.writes.iter().position(|(id, _)| *id == call.id) {
                self.writes.swap_remove(i);
            }
            self.generation = self.generation.wrapping_add(1);
            if invalidate {
                if let Some(c) = self.cache.as_mut() {
                    c.invalidate(&call.url);
                }
                if self.cross_tab || self.persist {
                    let (path, parent) = crate::cache::path_digests(&call.url);
                    if self.cross_tab {
                        // (Not kept: a client made later has none of the
                        // entries it drops, and revalidates what it persisted.)
                        let note = crate::tabs::Note::Drop(path, parent);
                        self.effects
                            .push(Effect::Tell(crate::tabs::encode(&self.scope, &note), false));
                    }
                    if self.persist {
                        let hex = |d: u64| {
                            let mut h = String::with_capacity(16);
                            crate::cache::push_hex(&mut h, d);
                            h
                        };
                        self.effects
                            .push(Effect::Forget(Forget::Paths(hex(path), parent.map(hex))));
                    }
                }
            }
        }
        if call.shared.is_some() {
            self.shared.retain(|(_, leader)| *leader != call.id);
        }
        if let Some(r) = self.refresh.as_mut() {
            r.waiters.retain(|w| *w != call.id);
            if r.waiters.is_empty() {
                // Nobody awaits it: a later 401 asks again.
                self.refresh = None;
            }
        }
    }

    fn error(&self, call: &Call<B>, kind: Kind, status: u16, message: &str) -> Error {
        let mut e = Error::new(kind, status, message).with_request(&call.method, &call.url);
        e.attempts = call.attempts;
        e.delays_ms = call.delays.clone();
        e
    }

    /// A 2xx body past `maxBodyBytes` (read or declared), or too long for
    /// the browser to make a string of: a [`Kind::Decode`] error.
    fn too_large(&self, call: &Call<B>, status: u16) -> Error {
        let mut m = String::from("projekt-client: the ");
        crate::text::push_u64(&mut m, status.into());
        match self.max_body_bytes {
            Some(max) => {
                m.push_str(" response body is larger than maxBodyBytes (");
                crate::text::push_u64(&mut m, max as u64);
                m.push_str(" bytes); it was not read past that");
            }
            None => m.push_str(
                " response body is too large to read (longer than the browser's largest string)",
            ),
        }
        self.error(call, Kind::Decode, status, &m)
    }

    fn total_timeout_error(&self, call: &Call<B>) -> Error {
        let mut m = String::from("projekt-client: request exceeded totalTimeoutMs (");
        m.push_str(&crate::date::format_number(
            self.total_timeout_ms.unwrap_or(0.0),
        ));
        m.push_str(" ms)");
        self.error(call, Kind::Timeout, 0, &m)
    }

    /// `text` with every token in it replaced by `[redacted]` (the current
    /// one, and one the call was sent with before a `setToken`): what an
    /// error's `data` is parsed from.
    pub fn redact_body<'t>(&self, text: &'t str) -> alloc::borrow::Cow<'t, str> {
        crate::redact::redact_json(text)
    }

    /// The typed error for an error status from its (untrusted) body text.
    fn http_error(&self, call: &Call<B>, text: &str) -> Error {
        let f = &call.failing;
        let text = if text.len() > MAX_ERROR_BODY {
            ""
        } else {
            text
        };
        let body = crate::json::parse_document(text);
        let (error, errors) = match &body {
            Raw::Map(members) => {
                let last = |k: &str| members.iter().rev().find(|(m, _)| m == k).map(|(_, v)| v);
                let error = last("error").filter(|v| matches!(v, Raw::Str(_)));
                let errors = match last("errors") {
                    Some(v @ Raw::Map(_))
                        if Kind::from_status(f.status) == Some(Kind::Validation) =>
                    {
                        v
                    }
                    _ => &Raw::Null,
                };
                (error, errors)
            }
            _ => (None, &Raw::Null),
        };
        let mut e = envelope::to_error(
            f.status,
            error,
            errors,
            self.token.as_deref(),
            f.allow.as_deref(),
        )
        .with_request(&call.method, &call.url);
        // Any token the server echoes, not only the current one: the call
        // may have been sent with another before a `setToken`.
        let shown = |m: &mut String| {
            if let alloc::borrow::Cow::Owned(r) = crate::redact::redact_text(m) {
                *m = r;
            }
        };
        shown(&mut e.message);
        for (key, messages) in e.field_errors.iter_mut() {
            shown(key);
            messages.iter_mut().for_each(shown);
        }
        if f.status == 429 {
            let h = RetryHeaders {
                rate_limit_reset: f.reset.as_deref(),
                retry_after: f.retry_after.as_deref(),
            };
            e.retry_after_ms = retry::retry_after_ms_for_error(&h, f.now);
        }
        e.attempts = call.attempts;
        e.delays_ms = call.delays.clone();
        e
    }
}

fn failing(head: &Head<'_>, now: f64, method: &str) -> Failing {
    let too_big = head
        .content_length
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_ERROR_BODY as u64);
    // Only a JSON body is the envelope: a proxy's page gets a message made
    // from the status.
    let json = match head.content_type {
        Some(t) => crate::text::find(&t.to_ascii_lowercase(), "json").is_some(),
        None => true,
    };
    let read = !too_big && json && method != "HEAD";
    Failing {
        status: head.status,
        allow: head.allow.map(str::to_owned),
        reset: head.reset.map(str::to_owned),
        retry_after: head.retry_after.map(str::to_owned),
        now,
        read,
        // A body read with the head that is not the envelope counts as none.
        envelope: head
            .envelope
            .map(|t| if read { t.to_owned() } else { String::new() }),
    }
}

/// Whether `update` reads again and reapplies its change after an error
/// with this status: a 409 conflict, or a 412 for its stale `If-Match`.
///
/// ```
/// assert!(projekt_client::engine::update_again(412));
/// assert!(!projekt_client::engine::update_again(422));
/// ```
pub fn update_again(status: u16) -> bool {
    status == 409 || status == 412
}

/// The method `update` writes with: `PUT` (the default) or `PATCH`, in any
/// case; anything else is refused.
///
/// ```
/// use projekt_client::engine::update_method;
/// assert_eq!(update_method(None).unwrap(), "PUT");
/// assert_eq!(update_method(Some("patch")).unwrap(), "PATCH");
/// assert!(update_method(Some("POST")).is_err());
/// ```
pub fn update_method(method: Option<&str>) -> Result<&'static str, ConfigError> {
    match method {
        None => Ok("PUT"),
        Some(m) if m.eq_ignore_ascii_case("PUT") => Ok("PUT"),
        Some(m) if m.eq_ignore_ascii_case("PATCH") => Ok("PATCH"),
        Some(_) => Err(ConfigError(
            "projekt-client: update's method must be PUT or PATCH".into(),
        )),
    }
}
