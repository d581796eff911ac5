//! The engine as scripted exchanges: events in, actions out, one test (or
//! more) per rule of the contract and the README, and cancellation at every
//! step leaving nothing behind.

use super::*;

pub(super) const BASE: &str = "https://api.test/v1";
pub(super) const TOKEN: &str = "pjk_live_engine";

pub(super) fn config() -> Config {
    Config {
        base: BaseUrl::parse(BASE).unwrap(),
        token: Some(TOKEN.into()),
        org_id: None,
        allow_insecure_token: false,
        timeout_ms: Some(10_000.0),
        total_timeout_ms: None,
        retry: RetryOptions {
            limit: 3,
            base_delay_ms: 100.0,
            max_delay_ms: 10_000.0,
        },
        cache: Some(CacheOptions::default()),
        refresh: false,
        max_body_bytes: None,
        cross_tab: false,
        persist: false,
    }
}

fn engine() -> Engine<String> {
    Engine::new(config()).unwrap()
}

pub(super) fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

fn start(e: &mut Engine<String>, method: &str, u: &str) -> (CallId, Action<String>) {
    match e.start(
        Start {
            method,
            url: u,
            body: method != "GET" && method != "DELETE",
            ..Start::default()
        },
        0.0,
    ) {
        Started::Call(id, a) => (id, a),
        Started::Join(l) => panic!("joined {l}"),
    }
}

fn fetch(a: &Action<String>) -> &Fetch {
    match a {
        Action::Fetch(f) => f,
        other => panic!("expected a fetch, got {other:?}"),
    }
}

pub(super) fn head(status: u16) -> Head<'static> {
    Head {
        status,
        ..Head::default()
    }
}

fn etagged(status: u16, etag: &'static str) -> Head<'static> {
    Head {
        status,
        etag: Some(etag),
        ..Head::default()
    }
}

fn failed(a: Action<String>) -> Error {
    match a {
        Action::Done(Outcome::Failed(e)) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// A GET answered 200 with `etag` and body `body`: stored.
fn get_200(e: &mut Engine<String>, path: &str, etag: &'static str, body: &str) {
    let (id, a) = start(e, "GET", &url(path));
    assert_eq!(fetch(&a).if_none_match, Header::Remove);
    let a = e.on(id, Event::Response(etagged(200, etag)), 1.0, 0.5);
    assert!(matches!(a, Action::ReadBody { keep: true, .. }), "{a:?}");
    let a = e.on(
        id,
        Event::Body {
            keep: Some(body.into()),
            size: body.len(),
        },
        1.0,
        0.5,
    );
    assert!(
        matches!(
            a,
            Action::Done(Outcome::Fresh {
                status: 200,
                attempts: 1,
                ..
            })
        ),
        "{a:?}"
    );
}

// ------------------------------------------------------------------ cache

#[test]
fn a_stored_200_is_revalidated_and_a_304_serves_it() {
    let mut e = engine();
    get_200(&mut e, "/items/1", "\"v1\"", "{\"id\":1}");
    assert_eq!((e.cache_len(), e.cache_bytes()), (1, 8));
    let (id, a) = start(&mut e, "GET", &url("/items/1"));
    let f = fetch(&a);
    assert_eq!(f.if_none_match, Header::Set("\"v1\"".into()));
    assert_eq!(f.authorization, Header::Set(format!("Bearer {TOKEN}")));
    assert!(f.no_store && f.manual_redirect);
    match e.on(id, Event::Response(head(304)), 2.0, 0.5) {
        Action::Done(Outcome::Cached {
            entry,
            etag,
            attempts: 1,
            revalidated: true,
        }) => assert_eq!((entry.as_str(), etag.as_str()), ("{\"id\":1}", "\"v1\"")),
        other => panic!("{other:?}"),
    }
    assert!(e.is_idle());
}

#[test]
fn no_store_is_not_stored_and_drops_the_entry() {
    let mut e = engine();
    get_200(&mut e, "/items/1", "\"v1\"", "{}");
    let (id, _) = start(&mut e, "GET", &url("/items/1"));
    let h = Head {
        cache_control: Some("private, No-Store"),
        ..etagged(200, "\"v2\"")
    };
    assert!(matches!(
        e.on(id, Event::Response(h), 1.0, 0.5),
        Action::ReadBody { keep: true, .. }
    ));
    e.on(
        id,
        Event::Body {
            keep: Some("{}".into()),
            size: 2,
        },
        1.0,
        0.5,
    );
    assert_eq!(e.cache_len(), 0);
}

#[test]
fn an_orphan_304_is_fetched_again_unconditionally_without_counting_an_attempt() {
    let mut e = engine();
    get_200(&mut e, "/items/1", "\"v1\"", "{}");
    let (id, _) = start(&mut e, "GET", &url("/items/1"));
    e.clear_cache(); // evicted while in flight
    let a = e.on(id, Event::Response(head(304)), 1.0, 0.5);
    // The stored entry the attempt held still serves it.
    assert!(matches!(a, Action::Done(Outcome::Cached { .. })), "{a:?}");
    // Nothing held at all: one more request, without If-None-Match.
    let mut e = engine();
    let (id, _) = start(&mut e, "GET", &url("/items/2"));
    let a = e.on(id, Event::Response(head(304)), 1.0, 0.5);
    assert_eq!(fetch(&a).if_none_match, Header::Remove);
    let a = e.on(id, Event::Response(etagged(200, "\"x\"")), 1.0, 0.5);
    assert!(matches!(a, Action::ReadBody { .. }));
    let a = e.on(
        id,
        Event::Body {
            keep: None,
            size: 0,
        },
        1.0,
        0.5,
    );
    assert!(
        matches!(a, Action::Done(Outcome::Fresh { attempts: 1, .. })),
        "{a:?}"
    );
}

#[test]
fn identities_never_see_each_others_entries_and_a_401_drops_its_own() {
    let mut e = engine();
    get_200(&mut e, "/me", "\"a\"", "{\"me\":\"a\"}");
    e.set_token(Some("pjk_live_other")).unwrap();
    let (id, a) = start(&mut e, "GET", &url("/me"));
    assert_eq!(fetch(&a).if_none_match, Header::Remove);
    e.cancel(id);
    e.set_token(Some(TOKEN)).unwrap();
    let (id, a) = start(&mut e, "GET", &url("/me"));
    assert!(matches!(fetch(&a).if_none_match, Header::Set(_)));
    let a = e.on(id, Event::Response(head(401)), 1.0, 0.5);
    assert!(matches!(a, Action::ReadError { read: true }), "{a:?}");
    assert_eq!(e.cache_len(), 0);
    let err = failed(e.on(
        id,
        Event::Envelope(r#"{"error":"Invalid token pjk_live_engine"}"#),
        1.0,
        0.5,
    ));
    assert_eq!((err.kind(), err.status()), (Kind::Unauthorized, 401));
    assert_eq!(err.message(), "Invalid token [redacted]");
}

#[test]
fn a_successful_write_invalidates_its_resource_and_collection() {
    let mut e = engine();
    get_200(&mut e, "/items", "\"l\"", "[]");
    get_200(&mut e, "/items/7", "\"7\"", "{}");
    get_200(&mut e, "/items/8", "\"8\"", "{}");
    let (id, a) = start(&mut e, "PATCH", &url("/items/7"));
    assert!(fetch(&a).manual_redirect);
    assert!(e.write_in_flight(&url("/items")) && e.write_in_flight(&url("/items/7")));
    assert!(!e.write_in_flight(&url("/items/8")));
    e.on(id, Event::Response(head(200)), 1.0, 0.5);
    e.on(
        id,
        Event::Body {
            keep: None,
            size: 0,
        },
        1.0,
        0.5,
    );
    assert_eq!(e.cache_len(), 1);
    assert!(e.is_idle());
}

#[test]
fn a_get_during_a_write_skips_the_cache_and_one_that_raced_it_does_not_store() {
    let mut e = engine();
    get_200(&mut e, "/items/7", "\"7\"", "{}");
    let (w, _) = start(&mut e, "PUT", &url("/items/7"));
    let (g, a) = start(&mut e, "GET", &url("/items/7"));
    assert_eq!(
        fetch(&a).if_none_match,
        Header::Keep,
        "no cache while the write is in flight"
    );
    e.cancel(g);
    // A GET that started before the write ended does not store.
    e.cancel(w);
    let (g, _) = start(&mut e, "GET", &url("/items/9"));
    let (w, _) = start(&mut e, "POST", &url("/other"));
    e.on(w, Event::Response(head(201)), 1.0, 0.5);
    e.on(
        w,
        Event::Body {
            keep: None,
            size: 0,
        },
        1.0,
        0.5,
    );
    e.on(g, Event::Response(etagged(200, "\"9\"")), 1.0, 0.5);
    e.on(
        g,
        Event::Body {
            keep: Some("{}".into()),
            size: 2,
        },
        1.0,
        0.5,
    );
    assert_eq!(e.cache_len(), 0);
}

#[test]
fn force_cache_serves_without_asking_and_no_store_mode_bypasses() {
    let mut e = engine();
    get_200(&mut e, "/x", "\"x\"", "1");
    let s = Start {
        method: "GET",
        url: &url("/x"),
        mode: CacheMode::ForceCache,
        ..Start::default()
    };
    assert!(matches!(
        e.start(s, 0.0),
        Started::Call(
            _,
            Action::Done(Outcome::Cached {
                attempts: 0,
                revalidated: false,
                ..
            })
        )
    ));
    let s = Start {
        method: "GET",
        url: &url("/x"),
        mode: CacheMode::NoStore,
        ..Start::default()
    };
    let Started::Call(id, a) = e.start(s, 0.0) else {
        panic!()
    };
    assert_eq!(fetch(&a).if_none_match, Header::Keep);
    assert!(fetch(&a).no_store, "a GET never uses the browser's cache");
    assert!(matches!(
        e.on(id, Event::Response(etagged(200, "\"y\"")), 0.0, 0.5),
        Action::ReadBody { keep: false, .. }
    ));
}

// ---------------------------------------------------------------- retries

#[test]
fn transient_failures_are_retried_only_when_idempotent() {
    let mut e = engine();
    let (id, _) = start(&mut e, "GET", &url("/x"));
    match e.on(id, Event::Response(head(503)), 0.0, 0.5) {
        Action::Wait {
            ms,
            retry:
                Some(RetryInfo {
                    attempt: 2,
                    reason: "unavailable",
                    status: 503,
                }),
        } => assert_eq!(ms, 50.0),
        other => panic!("{other:?}"),
    }
    let a = e.on(id, Event::Waited, 50.0, 0.5);
    assert!(matches!(a, Action::Fetch(_)));
    match e.on(id, Event::Failed(Failure::Timeout), 60.0, 1.0) {
        Action::Wait { ms, retry: Some(r) } => {
            assert_eq!((ms, r.reason, r.attempt), (200.0, "timeout", 3))
        }
        other => panic!("{other:?}"),
    }
    e.cancel(id);

    let (id, _) = start(&mut e, "POST", &url("/x"));
    let a = e.on(id, Event::Response(head(503)), 0.0, 0.5);
    assert!(matches!(a, Action::ReadError { read: true }), "{a:?}");
    let err = failed(e.on(id, Event::Envelope(""), 0.0, 0.5));
    assert_eq!((err.kind(), err.attempts()), (Kind::Unavailable, 1));

    let s = Start {
        method: "POST",
        url: &url("/x"),
        body: true,
        idempotency_key: true,
        ..Start::default()
    };
    let Started::Call(id, _) = e.start(s, 0.0) else {
        panic!()
    };
    assert!(matches!(
        e.on(id, Event::Failed(Failure::Network), 0.0, 0.5),
        Action::Wait { .. }
    ));
}

#[test]
fn retries_stop_at_the_limit_with_every_delay_reported() {
    let mut e = engine();
    let mut delays = Vec::new();
    // An event the call does not wait for ends it (an executor bug), holding nothing.
    let (id, _) = start(&mut e, "GET", &url("/x"));
    assert!(matches!(
        e.on(id, Event::Waited, 0.0, 0.5),
        Action::Done(Outcome::Failed(_))
    ));
    assert!(e.is_idle());
    let (id, _) = start(&mut e, "GET", &url("/x"));
    for _ in 0..3 {
        match e.on(id, Event::Failed(Failure::Network), 0.0, 0.5) {
            Action::Wait { ms, .. } => delays.push(ms),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            e.on(id, Event::Waited, 0.0, 0.5),
            Action::Fetch(_)
        ));
    }
    let err = failed(e.on(id, Event::Failed(Failure::Network), 0.0, 0.5));
    assert_eq!((err.kind(), err.attempts()), (Kind::Network, 4));
    assert_eq!(err.delays_ms, delays);
    assert_eq!(
        err.message(),
        "projekt-client: network error, no response from https://api.test"
    );
}

#[test]
fn a_429_waits_the_servers_time_or_rejects_at_once_when_too_long() {
    let mut e = engine();
    let (id, _) = start(&mut e, "POST", &url("/x"));
    let h = Head {
        reset: Some("2"),
        ..head(429)
    };
    match e.on(id, Event::Response(h), 1000.0, 0.5) {
        Action::Wait { ms, retry: Some(r) } => assert_eq!((ms, r.reason), (2000.0, "rate_limited")),
        other => panic!("{other:?}"),
    }
    // The gate holds every other call of this client until the reset.
    let (other, a) = start(&mut e, "GET", &url("/y"));
    match e.on(other, Event::Aborted, 0.0, 0.0) {
        Action::Done(Outcome::Failed(err)) => assert_eq!(err.kind(), Kind::Aborted),
        a2 => panic!("{a2:?} after {a:?}"),
    }
    let Started::Call(other, a) = e.start(
        Start {
            method: "GET",
            url: &url("/y"),
            ..Start::default()
        },
        1500.0,
    ) else {
        panic!()
    };
    assert!(
        matches!(a, Action::Wait { ms, retry: None } if ms == 1500.0),
        "{a:?}"
    );
    assert!(matches!(
        e.on(other, Event::Waited, 3000.0, 0.5),
        Action::Fetch(_)
    ));
    e.cancel(other);
    e.cancel(id);

    let mut e = engine();
    let (id, _) = start(&mut e, "GET", &url("/x"));
    let h = Head {
        retry_after: Some("600"),
        envelope: Some(r#"{"error":"Slow down"}"#),
        ..head(429)
    };
    let err = failed(e.on(id, Event::Response(h), 0.0, 0.5));
    assert_eq!(
        (err.kind(), err.retry_after_ms, err.message()),
        (Kind::RateLimited, Some(600_000.0), "Slow down")
    );
    assert!(e.is_idle());
}

#[test]
fn the_deadline_bounds_waits_and_attempts() {
    let mut cfg = config();
    cfg.total_timeout_ms = Some(1000.0);
    let mut e: Engine<String> = Engine::new(cfg).unwrap();
    let (id, a) = start(&mut e, "GET", &url("/x"));
    assert_eq!(fetch(&a).timeout_ms, Some(1000.0));
    let a = e.on(id, Event::Failed(Failure::Network), 500.0, 0.5);
    assert!(matches!(a, Action::Wait { .. }));
    let a = e.on(id, Event::Waited, 900.0, 0.5);
    assert_eq!(fetch(&a).timeout_ms, Some(100.0));
    let err = failed(e.on(id, Event::Failed(Failure::Network), 990.0, 1.0));
    assert_eq!(err.kind(), Kind::Timeout);
    assert_eq!(
        err.message(),
        "projekt-client: request exceeded totalTimeoutMs (1000 ms)"
    );
    assert_eq!(err.delays_ms.len(), 1);
}

#[test]
fn errors_carry_their_class_extras_and_a_redacted_url() {
    let mut e = engine();
    let u = url("/validate?t=pjk_live_q");
    let (id, _) = start(&mut e, "POST", &u);
    let h = Head {
        envelope: Some(
            r#"{"error":"Validation failed","errors":{"title":["required"],"items.0.name":["bad"]}}"#,
        ),
        ..head(422)
    };
    let err = failed(e.on(id, Event::Response(h), 0.0, 0.5));
    assert_eq!(err.kind(), Kind::Validation);
    assert_eq!(err.first("title"), Some("required"));
    assert_eq!(err.url(), format!("{BASE}/validate?t=[redacted]"));
    let (id, _) = start(&mut e, "DELETE", &url("/x"));
    let h = Head {
        allow: Some("GET, POST"),
        content_type: Some("text/html"),
        ..head(405)
    };
    assert!(matches!(
        e.on(id, Event::Response(h), 0.0, 0.5),
        Action::ReadError { read: false }
    ));
    let err = failed(e.on(id, Event::Envelope(""), 0.0, 0.5));
    assert_eq!(err.allow, vec!["GET".to_string(), "POST".into()]);
    let (id, _) = start(&mut e, "GET", &url("/x"));
    let h = Head {
        content_length: Some("99999999"),
        ..head(404)
    };
    assert!(matches!(
        e.on(id, Event::Response(h), 0.0, 0.5),
        Action::ReadError { read: false }
    ));
}

#[test]
fn a_redirect_is_refused_and_a_bare_request_may_be_followed() {
    let mut e = engine();
    let (id, a) = start(&mut e, "GET", &url("/x"));
    assert!(fetch(&a).manual_redirect, "the token is on it");
    let h = Head {
        redirected: true,
        ..head(200)
    };
    let err = failed(e.on(id, Event::Response(h), 0.0, 0.5));
    assert_eq!((err.kind(), err.status()), (Kind::Http, 0));
    let mut cfg = config();
    cfg.token = None;
    let mut bare: Engine<String> = Engine::new(cfg).unwrap();
    let (_, a) = start(&mut bare, "GET", &url("/x"));
    assert!(!fetch(&a).manual_redirect);
    let (_, a) = start(&mut bare, "POST", &url("/x"));
    assert!(fetch(&a).manual_redirect, "a body is on it");
}

#[test]
fn decode_and_body_failures_are_classed() {
    let mut e = engine();
    for (f, kind, status) in [
        (BodyFailure::Decode, Kind::Decode, 200),
        (BodyFailure::Timeout, Kind::Timeout, 0),
        (BodyFailure::Network, Kind::Network, 0),
    ] {
        let (id, _) = start(&mut e, "GET", &url("/x"));
        e.on(id, Event::Response(head(200)), 0.0, 0.5);
        let err = failed(e.on(id, Event::BodyFailed(f), 0.0, 0.5));
        assert_eq!((err.kind(), err.status()), (kind, status));
    }
    assert!(e.is_idle());
}

// ---------------------------------------------------------------- sharing

#[test]
fn identical_gets_share_one_call_until_it_settles() {
    let mut e = engine();
    let (leader, _) = start(&mut e, "GET", &url("/x?a=1&b=2"));
    let s = Start {
        method: "GET",
        url: &url("/x?b=2&a=1"),
        ..Start::default()
    };
    assert!(matches!(e.start(s.clone(), 0.0), Started::Join(l) if l == leader));
    let with_signal = Start {
        signal: true,
        ..s.clone()
    };
    assert!(matches!(e.start(with_signal, 0.0), Started::Call(..)));
    e.cancel(leader);
    // The leader went away: a new caller leads.
    let Started::Call(next, _) = e.start(s.clone(), 0.0) else {
        panic!()
    };
    e.on(next, Event::Failed(Failure::Network), 0.0, 0.5);
    e.on(next, Event::Aborted, 0.0, 0.5);
    assert!(matches!(e.start(s, 0.0), Started::Call(..)));
}

// ---------------------------------------------------------------- refresh

fn refreshing() -> Engine<String> {
    let mut cfg = config();
    cfg.refresh = true;
    Engine::new(cfg).unwrap()
}

#[test]
fn concurrent_401s_share_one_refresh_and_retry_with_the_new_token() {
    let mut e = refreshing();
    let (a, _) = start(&mut e, "GET", &url("/a"));
    let (b, _) = start(&mut e, "POST", &url("/b"));
    let ra = e.on(a, Event::Response(head(401)), 0.0, 0.5);
    let rb = e.on(b, Event::Response(head(401)), 0.0, 0.5);
    let Action::Refresh { id } = ra else {
        panic!("{ra:?}")
    };
    assert!(matches!(rb, Action::AwaitRefresh { id: i } if i == id));
    let next = e.on(a, Event::Refreshed(Some("pjk_live_new")), 0.0, 0.5);
    assert_eq!(
        fetch(&next).authorization,
        Header::Set("Bearer pjk_live_new".into())
    );
    let next = e.on(b, Event::Refreshed(Some("pjk_live_new")), 0.0, 0.5);
    assert_eq!(
        fetch(&next).authorization,
        Header::Set("Bearer pjk_live_new".into())
    );
    assert_eq!(e.token(), Some("pjk_live_new"));
    // A second 401 on the same call is not refreshed again.
    let err = e.on(a, Event::Response(head(401)), 0.0, 0.5);
    assert!(matches!(err, Action::ReadError { .. }), "{err:?}");
}

#[test]
fn a_failed_refresh_rejects_with_the_401() {
    let mut e = refreshing();
    let (a, _) = start(&mut e, "GET", &url("/a"));
    let h = Head {
        envelope: Some(r#"{"error":"Token expired"}"#),
        ..head(401)
    };
    assert!(matches!(
        e.on(a, Event::Response(h), 0.0, 0.5),
        Action::Refresh { .. }
    ));
    let err = failed(e.on(a, Event::Refreshed(None), 0.0, 0.5));
    assert_eq!(
        (err.kind(), err.message()),
        (Kind::Unauthorized, "Token expired")
    );
    assert!(e.is_idle());
}

#[test]
fn a_refresh_nobody_awaits_any_more_is_forgotten() {
    let mut e = refreshing();
    let (a, _) = start(&mut e, "GET", &url("/a"));
    let Action::Refresh { id: first } = e.on(a, Event::Response(head(401)), 0.0, 0.5) else {
        panic!()
    };
    e.cancel(a);
    assert!(e.is_idle(), "the slot went with its last waiter");
    // Much later, a 401 asks again instead of reusing the old answer.
    let (b, _) = start(&mut e, "GET", &url("/b"));
    let Action::Refresh { id } = e.on(b, Event::Response(head(401)), 0.0, 0.5) else {
        panic!()
    };
    assert_ne!(id, first);
}

// ----------------------------------------------------------- cancellation

/// Drives one call of each kind to `step` events in, then cancels it: the
/// engine must hold nothing afterwards.
#[test]
fn cancellation_at_every_step_leaves_nothing_behind() {
    type Script = &'static [fn() -> Event<'static, String>];
    let scripts: &[(&str, &str, bool, Script)] = &[
        (
            "GET",
            "/a",
            false,
            &[|| Event::Response(etagged(200, "\"e\""))],
        ),
        (
            "GET",
            "/a",
            false,
            &[|| Event::Failed(Failure::Network), || Event::Waited],
        ),
        ("POST", "/a/1", false, &[|| Event::Response(head(422))]),
        ("PUT", "/a/1", true, &[|| Event::Response(head(401))]),
        (
            "DELETE",
            "/a/1",
            true,
            &[|| Event::Response(head(503)), || Event::Waited],
        ),
    ];
    for (method, path, refresh, script) in scripts {
        for cut in 0..=script.len() {
            let mut e = if *refresh { refreshing() } else { engine() };
            get_200(&mut e, "/a", "\"e\"", "[]");
            let (id, _) = start(&mut e, method, &url(path));
            // A second call awaiting the same refresh, cancelled too.
            let (other, _) = start(&mut e, "GET", &url("/b"));
            for ev in &script[..cut] {
                let _ = e.on(id, ev(), 0.0, 0.5);
            }
            e.cancel(id);
            e.cancel(other);
            assert!(
                e.is_idle(),
                "{method} {path} cancelled after {cut} events: {e:?}"
            );
            // No mark left: a GET of the collection uses the cache again.
            let (g, a) = start(&mut e, "GET", &url("/a"));
            let expect_cached = *method == "GET";
            assert_eq!(
                matches!(fetch(&a).if_none_match, Header::Set(_)),
                expect_cached,
                "{method} {path} cut {cut}: a cancelled write drops its entries, a GET keeps them"
            );
            e.cancel(g);
        }
    }
}

#[test]
fn an_abort_settles_with_the_delays_so_far() {
    let mut e = engine();
    let (id, _) = start(&mut e, "GET", &url("/x"));
    e.on(id, Event::Response(head(503)), 0.0, 0.5);
    let err = failed(e.on(id, Event::Aborted, 0.0, 0.5));
    assert_eq!(
        (err.kind(), err.status(), err.delays_ms.len()),
        (Kind::Aborted, 0, 1)
    );
    assert!(e.is_idle());
}

proptest::proptest! {
    /// Whatever events arrive, in whatever order, for several calls at once:
    /// the engine never panics, and once every call has settled or been
    /// cancelled it holds nothing for any of them.
    #[test]
    fn any_event_sequence_leaves_the_state_consistent(
        starts in proptest::collection::vec((0usize..5, 0usize..3, proptest::bool::ANY), 1..6),
        events in proptest::collection::vec((0usize..6, 0usize..12, 0u16..600), 0..40),
    ) {
        let mut e = refreshing();
        let methods = ["GET", "POST", "PUT", "DELETE", "GET"];
        let paths = ["/a", "/a/1", "/b"];
        let mut ids = Vec::new();
        for (m, p, sig) in &starts {
            let u = url(paths[*p]);
            let s = Start { method: methods[*m], url: &u, signal: *sig, body: *m == 1, ..Start::default() };
            if let Started::Call(id, _) = e.start(s, 0.0) {
                ids.push(id);
            }
        }
        for (t, (which, kind, status)) in events.iter().enumerate() {
            let Some(&id) = ids.get(*which % ids.len().max(1)) else { break };
            let now = t as f64 * 10.0;
            let ev = match kind {
                0 => Event::Response(head(*status)),
                1 => Event::Response(etagged(200, "\"e\"")),
                2 => Event::Failed(Failure::Network),
                3 => Event::Failed(Failure::Timeout),
                4 => Event::Body { keep: Some("{}".into()), size: 2 },
                5 => Event::BodyFailed(BodyFailure::Decode),
                6 => Event::Envelope("{}"),
                7 => Event::Waited,
                8 => Event::Refreshed(Some("pjk_live_fresh")),
                9 => Event::Refreshed(None),
                10 => Event::Aborted,
                _ => { e.cancel(id); continue; }
            };
            let _ = e.on(id, ev, now, 0.5);
            proptest::prop_assert!(e.calls() <= ids.len());
        }
        for id in ids {
            e.cancel(id);
        }
        proptest::prop_assert!(e.is_idle(), "{:?}", e);
        proptest::prop_assert!(e.cache_len() <= 3);
    }
}

#[test]
fn a_token_the_call_was_sent_with_is_redacted_after_set_token() {
    let mut e = engine();
    let (id, _) = start(&mut e, "GET", &url("/x"));
    e.set_token(Some("pjk_live_next")).unwrap();
    let h = Head {
        envelope: Some(
            r#"{"error":"Invalid token pjk_live_engine","errors":{"t":["pjk_live_engine is bad"]}}"#,
        ),
        ..head(422)
    };
    let err = failed(e.on(id, Event::Response(h), 0.0, 0.5));
    assert_eq!(err.message(), "Invalid token [redacted]");
    assert_eq!(err.first("t"), Some("[redacted] is bad"));
    assert_eq!(
        e.redact_body(r#"{"error":"pjk_live_engine"}"#),
        r#"{"error":"[redacted]"}"#
    );
}

#[test]
fn a_call_sent_as_another_identity_neither_reads_nor_writes_the_cache() {
    let mut e = engine();
    get_200(&mut e, "/me", "\"mine\"", "{}");
    for (auth, org) in [(true, false), (false, true)] {
        let s = Start {
            method: "GET",
            url: &url("/me"),
            authorization: auth,
            org,
            ..Start::default()
        };
        let Started::Call(id, a) = e.start(s.clone(), 0.0) else {
            panic!()
        };
        assert_eq!(
            fetch(&a).if_none_match,
            Header::Keep,
            "no revalidation with the client's tag"
        );
        assert!(matches!(
            e.on(id, Event::Response(etagged(200, "\"theirs\"")), 0.0, 0.5),
            Action::ReadBody { keep: false, .. }
        ));
        e.on(
            id,
            Event::Body {
                keep: None,
                size: 0,
            },
            0.0,
            0.5,
        );
        // Its 401 is not the client's: the client's entries stay.
        let Started::Call(id, _) = e.start(s, 0.0) else {
            panic!()
        };
        e.on(id, Event::Response(head(401)), 0.0, 0.5);
        e.on(id, Event::Envelope(""), 0.0, 0.5);
        assert_eq!(e.cache_len(), 1);
    }
    let (id, a) = start(&mut e, "GET", &url("/me"));
    assert_eq!(fetch(&a).if_none_match, Header::Set("\"mine\"".into()));
    e.cancel(id);
}

#[test]
fn a_response_that_varies_on_a_request_header_is_not_stored() {
    let mut e = engine();
    for (vary, stored) in [
        ("Accept-Language", 0),
        ("Origin, Accept-Encoding", 1),
        ("Authorization, X-Org-Id", 1),
        ("Accept, Origin", 0),
        ("*", 0),
    ] {
        e.clear_cache();
        let (id, _) = start(&mut e, "GET", &url("/v"));
        let h = Head {
            vary: Some(vary),
            ..etagged(200, "\"v\"")
        };
        e.on(id, Event::Response(h), 0.0, 0.5);
        e.on(
            id,
            Event::Body {
                keep: Some("{}".into()),
                size: 2,
            },
            0.0,
            0.5,
        );
        assert_eq!(e.cache_len(), stored, "Vary: {vary}");
    }
}

#[test]
fn a_body_too_large_for_a_string_is_a_decode_error_that_says_so() {
    let mut e = engine();
    let (id, _) = start(&mut e, "GET", &url("/huge"));
    e.on(id, Event::Response(head(200)), 0.0, 0.5);
    let err = failed(e.on(id, Event::BodyFailed(BodyFailure::TooLarge), 0.0, 0.5));
    assert_eq!((err.kind(), err.status()), (Kind::Decode, 200));
    assert_eq!(
        err.message(),
        "projekt-client: the 200 response body is too large to read (longer than the browser's largest string)"
    );
}

#[test]
fn max_body_bytes_bounds_the_read_and_refuses_a_declared_length_over_it() {
    let mut e: Engine<String> = Engine::new(Config {
        max_body_bytes: Some(1_000.0),
        ..config()
    })
    .unwrap();
    // Under the bound (or no length): read, with the bound passed on.
    for length in [Some("1000"), None] {
        let (id, _) = start(&mut e, "GET", &url("/b"));
        let h = Head {
            content_length: length,
            ..head(200)
        };
        let a = e.on(id, Event::Response(h), 0.0, 0.5);
        assert!(
            matches!(a, Action::ReadBody { max: Some(m), .. } if m == 1_000.0),
            "{a:?}"
        );
        e.cancel(id);
    }
    // A declared length over it: refused unread, one attempt, no retry.
    let (id, _) = start(&mut e, "GET", &url("/b"));
    let h = Head {
        content_length: Some(" 1001 "),
        ..head(200)
    };
    let err = failed(e.on(id, Event::Response(h), 0.0, 0.5));
    assert_eq!((err.kind(), err.status()), (Kind::Decode, 200));
    assert_eq!(
        err.message(),
        "projekt-client: the 200 response body is larger than maxBodyBytes (1000 bytes); it was not read past that"
    );
    // A body that runs past it while read: the same error.
    let (id, _) = start(&mut e, "GET", &url("/b"));
    e.on(id, Event::Response(head(200)), 0.0, 0.5);
    let err = failed(e.on(id, Event::BodyFailed(BodyFailure::TooLarge), 0.0, 0.5));
    assert!(
        err.message().contains("maxBodyBytes (1000 bytes)"),
        "{}",
        err.message()
    );
    assert_eq!(e.calls(), 0);
    // Without the option nothing is bounded.
    let mut plain = engine();
    let (id, _) = start(&mut plain, "GET", &url("/b"));
    let a = plain.on(id, Event::Response(head(200)), 0.0, 0.5);
    assert!(matches!(a, Action::ReadBody { max: None, .. }), "{a:?}");
}

#[test]
fn an_error_body_with_an_escaped_token_is_redacted_after_decoding() {
    let mut e = engine();
    let (id, _) = start(&mut e, "POST", &url("/v"));
    let body = r#"{"error":"x","errors":{"pjk\u005flive_k":["a pjk_live_ab\/cd b"]}}"#;
    let h = Head {
        envelope: Some(body),
        ..head(422)
    };
    let err = failed(e.on(id, Event::Response(h), 0.0, 0.5));
    assert_eq!(
        err.field_errors,
        vec![("[redacted]".to_string(), vec!["a [redacted] b".to_string()])]
    );
    assert!(
        !e.redact_body(body).contains("live_"),
        "{}",
        e.redact_body(body)
    );
}

#[test]
fn a_response_with_no_body_settles_without_a_read() {
    let mut e = engine();
    get_200(&mut e, "/issues/7", "\"v1\"", "{\"id\":7}");
    // A 204 to a write, a 205, a HEAD's 200 and a declared length of 0:
    // settled at the head, with nothing to read; a write still invalidates.
    let cases: [(&str, &str, u16, Option<&str>); 4] = [
        ("DELETE", "/issues/7", 204, None),
        ("POST", "/issues/8/reset", 205, None),
        ("HEAD", "/issues/9", 200, None),
        ("GET", "/issues/10", 200, Some("0")),
    ];
    for (method, path, status, length) in cases {
        let (id, _) = start(&mut e, method, &url(path));
        let h = Head {
            content_length: length,
            ..etagged(status, "\"v2\"")
        };
        let a = e.on(id, Event::Response(h), 1.0, 0.5);
        assert!(
            matches!(a, Action::Done(Outcome::Fresh { status: s, attempts: 1, .. }) if s == status),
            "{method} {status}: {a:?}"
        );
        assert_eq!(e.calls(), 0, "{method} {status}: nothing held");
    }
    // The DELETE dropped /issues/7's entry; the empty GET stored nothing.
    assert_eq!(e.cache_len(), 0);
    // A 200 with a length reads its body as before.
    let (id, _) = start(&mut e, "GET", &url("/issues/11"));
    let h = Head {
        content_length: Some("12"),
        ..head(200)
    };
    assert!(matches!(
        e.on(id, Event::Response(h), 1.0, 0.5),
        Action::ReadBody { .. }
    ));
}

#[test]
fn an_attempts_timeout_is_a_whole_number_of_ms_at_least_one() {
    let mut e: Engine<String> = Engine::new(Config {
        timeout_ms: Some(2.5),
        total_timeout_ms: Some(1_000.0),
        ..config()
    })
    .unwrap();
    let (_, a) = start(&mut e, "GET", &url("/t"));
    assert_eq!(fetch(&a).timeout_ms, Some(3.0));
    // A deadline with a fraction of a ms left: 1 ms, not 0 (no timeout at all).
    let (id, _) = match e.start(
        Start {
            method: "GET",
            url: &url("/u"),
            ..Start::default()
        },
        0.0,
    ) {
        Started::Call(id, a) => (id, a),
        Started::Join(l) => panic!("joined {l}"),
    };
    let a = e.on(id, Event::Response(head(503)), 999.75, 0.0);
    assert!(matches!(a, Action::Wait { .. }), "{a:?}");
    let a = e.on(id, Event::Waited, 999.75, 0.0);
    assert_eq!(fetch(&a).timeout_ms, Some(1.0));
}
