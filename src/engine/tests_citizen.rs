//! The engine's decisions for a good browser citizen (`crossTab`, the
//! persisted cache, offline-aware retries), as scripted exchanges.

use super::*;
use crate::tabs;

use super::tests::{head, url, TOKEN};

/// The shared test config (src/engine/tests.rs) with crossTab on.
fn config() -> Config {
    Config {
        cross_tab: true,
        ..super::tests::config()
    }
}

fn engine(cfg: Config) -> Engine<String> {
    Engine::new(cfg).unwrap()
}

fn start(e: &mut Engine<String>, method: &str, path: &str, now: f64) -> (CallId, Action<String>) {
    match e.start(
        Start {
            method,
            url: &url(path),
            body: method != "GET" && method != "DELETE",
            ..Start::default()
        },
        now,
    ) {
        Started::Call(id, a) => (id, a),
        Started::Join(l) => panic!("joined {l}"),
    }
}

fn tells(e: &mut Engine<String>) -> Vec<String> {
    e.take_effects()
        .into_iter()
        .filter_map(|x| match x {
            Effect::Tell(m, keep) => {
                // Holds are kept for later clients; drops are not.
                assert_eq!(keep, m.contains(" h "), "{m}");
                Some(m)
            }
            _ => None,
        })
        .collect()
}

/// A write answered `status` (2xx), body and all.
fn write_ok(e: &mut Engine<String>, method: &str, path: &str, status: u16) {
    let (id, _) = start(e, method, path, 0.0);
    let a = e.on(id, Event::Response(head(status)), 0.0, 0.5);
    let a = match a {
        Action::ReadBody { .. } => e.on(
            id,
            Event::Body {
                keep: None,
                size: 0,
            },
            0.0,
            0.5,
        ),
        a => a,
    };
    assert!(matches!(a, Action::Done(Outcome::Fresh { .. })), "{a:?}");
}

/// A GET of `path` answered 200 with an ETag and stored.
fn stored(e: &mut Engine<String>, path: &str) {
    let (id, a) = start(e, "GET", path, 0.0);
    let a = match a {
        Action::Load { .. } => e.on(id, Event::Loaded(None), 0.0, 0.5),
        a => a,
    };
    assert!(matches!(a, Action::Fetch(_)), "{a:?}");
    let h = Head {
        etag: Some("\"e\""),
        ..head(200)
    };
    e.on(id, Event::Response(h), 0.0, 0.5);
    let a = e.on(
        id,
        Event::Body {
            keep: Some("{}".into()),
            size: 2,
        },
        0.0,
        0.5,
    );
    assert!(matches!(a, Action::Done(Outcome::Fresh { .. })), "{a:?}");
}

// ---------------------------------------------------------------- crossTab

#[test]
fn a_429_in_one_tab_holds_the_gate_of_the_same_scope_in_another() {
    let mut a = engine(config());
    let mut b = engine(config());
    let mut other = engine(Config {
        token: Some("pjk_live_someone_else".into()),
        ..config()
    });
    let (id, _) = start(&mut a, "GET", "/x", 0.0);
    let h = Head {
        retry_after: Some("2"),
        ..head(429)
    };
    a.on(id, Event::Response(h), 0.0, 0.5);
    let told = tells(&mut a);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        !told[0].contains(TOKEN) && !told[0].contains("/x"),
        "{}",
        told[0]
    );
    // Heard 100 ms later in the same scope: the gate holds ~2 s from then.
    assert!(b.hear(&told[0], 100.0));
    let (_, first) = start(&mut b, "GET", "/y", 100.0);
    assert!(
        matches!(first, Action::Wait { ms, retry: None } if ms == 2000.0),
        "{first:?}"
    );
    // Another identity's client ignores it, and so does a client without crossTab.
    assert!(!other.hear(&told[0], 100.0));
    assert!(matches!(
        start(&mut other, "GET", "/y", 100.0).1,
        Action::Fetch(_)
    ));
    let mut off = engine(Config {
        cross_tab: false,
        ..config()
    });
    assert!(!off.hear(&told[0], 100.0));
    assert!(matches!(
        start(&mut off, "GET", "/y", 100.0).1,
        Action::Fetch(_)
    ));
    // A client with retries off keeps its gate open, as for its own 429s.
    let mut no_retry = engine(Config {
        retry: RetryOptions::disabled(),
        ..config()
    });
    assert!(no_retry.hear(&told[0], 100.0));
    assert!(matches!(
        start(&mut no_retry, "GET", "/y", 100.0).1,
        Action::Fetch(_)
    ));
}

#[test]
fn a_hold_heard_is_capped_by_the_hearers_max_delay_and_never_shortens_one() {
    let mut b = engine(Config {
        retry: RetryOptions {
            limit: 3,
            base_delay_ms: 100.0,
            max_delay_ms: 500.0,
        },
        ..config()
    });
    let scope = b.scope().to_owned();
    assert!(b.hear(&tabs::encode(&scope, &tabs::Note::Hold(60_000.0)), 0.0));
    assert!(matches!(start(&mut b, "GET", "/y", 0.0).1, Action::Wait { ms, .. } if ms == 500.0));
    assert!(b.hear(&tabs::encode(&scope, &tabs::Note::Hold(10.0)), 0.0));
    assert!(matches!(start(&mut b, "GET", "/z", 0.0).1, Action::Wait { ms, .. } if ms == 500.0));
}

#[test]
fn a_write_in_one_tab_drops_the_same_entries_in_another() {
    let mut a = engine(config());
    let mut b = engine(config());
    stored(&mut b, "/issues/7");
    stored(&mut b, "/issues?page=2");
    stored(&mut b, "/issues/8");
    assert_eq!(b.cache_len(), 3);
    write_ok(&mut a, "PATCH", "/issues/7", 204);
    let told = tells(&mut a);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(!told[0].contains("issues"), "{}", told[0]);
    assert!(b.hear(&told[0], 0.0));
    assert_eq!(b.cache_len(), 1, "/issues/8 stays");
    // B's next GET of the item is unconditional.
    let (_, a2) = start(&mut b, "GET", "/issues/7", 0.0);
    assert!(
        matches!(
            a2,
            Action::Fetch(Fetch {
                if_none_match: Header::Remove,
                ..
            })
        ),
        "{a2:?}"
    );
    // A failed write tells nothing.
    let (id, _) = start(&mut a, "PATCH", "/issues/8", 0.0);
    let h = Head {
        envelope: Some(r#"{"error":"x"}"#),
        ..head(409)
    };
    a.on(id, Event::Response(h), 0.0, 0.5);
    assert!(tells(&mut a).is_empty());
}

#[test]
fn a_get_in_flight_when_another_tab_writes_does_not_store() {
    let mut a = engine(config());
    let mut b = engine(config());
    let (get, _) = start(&mut b, "GET", "/issues/7", 0.0);
    write_ok(&mut a, "DELETE", "/issues/7", 204);
    b.hear(&tells(&mut a)[0], 0.0);
    let h = Head {
        etag: Some("\"old\""),
        ..head(200)
    };
    b.on(get, Event::Response(h), 0.0, 0.5);
    b.on(
        get,
        Event::Body {
            keep: Some("{}".into()),
            size: 2,
        },
        0.0,
        0.5,
    );
    assert_eq!(b.cache_len(), 0);
}

#[test]
fn without_cross_tab_nothing_is_told() {
    let mut a = engine(Config {
        cross_tab: false,
        ..config()
    });
    write_ok(&mut a, "POST", "/x", 201);
    let (id, _) = start(&mut a, "GET", "/x", 0.0);
    let h = Head {
        retry_after: Some("2"),
        ..head(429)
    };
    a.on(id, Event::Response(h), 0.0, 0.5);
    assert!(!a.has_effects());
}

// ----------------------------------------------------------------- persist

fn persisting() -> Engine<String> {
    engine(Config {
        persist: true,
        cross_tab: false,
        ..config()
    })
}

#[test]
fn a_miss_asks_the_persisted_cache_once_and_revalidates_what_it_held() {
    let mut e = persisting();
    let (id, a) = start(&mut e, "GET", "/me", 0.0);
    let (scope, key) = match a {
        Action::Load { scope, key } => (scope, key),
        other => panic!("{other:?}"),
    };
    assert_eq!(scope, e.scope());
    assert_eq!(key.len(), 16);
    let a = e.on(
        id,
        Event::Loaded(Some(("\"v1\"".into(), "{\"me\":1}".into(), 8))),
        0.0,
        0.5,
    );
    assert!(
        matches!(&a, Action::Fetch(Fetch { if_none_match: Header::Set(t), .. }) if t == "\"v1\""),
        "{a:?}"
    );
    let a = e.on(id, Event::Response(head(304)), 0.0, 0.5);
    assert!(
        matches!(&a, Action::Done(Outcome::Cached { entry, attempts: 1, .. }) if entry == "{\"me\":1}"),
        "{a:?}"
    );
    // Held in memory now: no second lookup.
    let (id, a) = start(&mut e, "GET", "/me", 0.0);
    assert!(matches!(a, Action::Fetch(_)), "{a:?}");
    e.cancel(id);
    // A key the persisted cache did not have is not asked for again.
    let (id, a) = start(&mut e, "GET", "/none", 0.0);
    assert!(matches!(a, Action::Load { .. }));
    assert!(matches!(
        e.on(id, Event::Loaded(None), 0.0, 0.5),
        Action::Fetch(_)
    ));
    e.cancel(id);
    let (id, a) = start(&mut e, "GET", "/none", 0.0);
    assert!(matches!(a, Action::Fetch(_)), "{a:?}");
    e.cancel(id);
    // force-cache serves what was persisted without a request.
    let (id, a) = start(&mut e, "GET", "/other", 0.0);
    assert!(matches!(a, Action::Load { .. }));
    e.cancel(id);
    assert!(e.is_idle());
}

#[test]
fn another_identity_looks_in_its_own_scope() {
    let mut e = persisting();
    let (id, a) = start(&mut e, "GET", "/me", 0.0);
    let Action::Load { scope: mine, key } = a else {
        panic!()
    };
    e.cancel(id);
    e.set_token(Some("pjk_live_second")).unwrap();
    let (_, a) = start(&mut e, "GET", "/me", 0.0);
    let Action::Load {
        scope: theirs,
        key: same,
    } = a
    else {
        panic!("{a:?}")
    };
    assert_ne!(mine, theirs);
    assert_eq!(key, same);
}

#[test]
fn what_is_stored_is_persisted_and_what_is_dropped_is_forgotten() {
    let mut e = persisting();
    stored(&mut e, "/issues/7");
    let fx = e.take_effects();
    assert_eq!(fx.len(), 1, "{fx:?}");
    let Effect::Persist(p) = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (p.scope.as_str(), p.etag.as_str(), p.entry.as_str(), p.size),
        (e.scope(), "\"e\"", "{}", 2)
    );
    assert_eq!(p.max_entries, CacheOptions::default().max_entries);
    assert_eq!(p.path.len(), 16);
    assert_eq!(p.base.len(), 16);
    // A response that may not be stored: forgotten.
    let (id, a) = start(&mut e, "GET", "/issues/7", 0.0);
    assert!(matches!(a, Action::Fetch(_)));
    let h = Head {
        etag: Some("\"f\""),
        cache_control: Some("no-store"),
        ..head(200)
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
    let fx = e.take_effects();
    assert!(
        matches!(&fx[..], [Effect::Forget(Forget::Key { scope, key })] if scope == e.scope() && key == &p.key),
        "{fx:?}"
    );
    // A successful write forgets its paths, in every scope.
    write_ok(&mut e, "DELETE", "/issues/7", 204);
    let fx = e.take_effects();
    assert!(
        matches!(&fx[..], [Effect::Forget(Forget::Paths(a, Some(_)))] if a == &p.path),
        "{fx:?}"
    );
    // A 401 forgets the identity's scope; clearCache() the API's entries.
    let scope = e.scope().to_owned();
    let (id, _) = start(&mut e, "GET", "/x", 0.0);
    let a = e.on(id, Event::Loaded(None), 0.0, 0.5);
    assert!(matches!(a, Action::Fetch(_)));
    e.on(id, Event::Response(head(401)), 0.0, 0.5);
    let fx = e.take_effects();
    assert!(
        matches!(&fx[..], [Effect::Forget(Forget::Scope(s))] if *s == scope),
        "{fx:?}"
    );
    e.clear_cache();
    let fx = e.take_effects();
    assert!(
        matches!(&fx[..], [Effect::Forget(Forget::Base(b))] if *b == p.base),
        "{fx:?}"
    );
}

#[test]
fn a_request_as_another_identity_neither_loads_nor_persists() {
    let mut e = persisting();
    let s = Start {
        method: "GET",
        url: &url("/me"),
        authorization: true,
        headers: true,
        ..Start::default()
    };
    let Started::Call(id, a) = e.start(s, 0.0) else {
        panic!()
    };
    assert!(matches!(a, Action::Fetch(_)), "{a:?}");
    let h = Head {
        etag: Some("\"e\""),
        ..head(200)
    };
    e.on(id, Event::Response(h), 0.0, 0.5);
    e.on(
        id,
        Event::Body {
            keep: None,
            size: 0,
        },
        0.0,
        0.5,
    );
    assert!(!e.has_effects());
}

// ----------------------------------------------------------------- offline

#[test]
fn offline_waits_for_the_network_without_spending_a_retry() {
    let mut e = engine(config());
    let (id, _) = start(&mut e, "GET", "/x", 0.0);
    let a = e.on(id, Event::Offline, 10.0, 0.5);
    match &a {
        Action::WaitOnline { ms: None, retry } => {
            assert_eq!(
                (retry.attempt, retry.reason, retry.status),
                (1, "offline", 0)
            );
        }
        other => panic!("{other:?}"),
    }
    // Offline again and again: still no retry spent.
    for _ in 0..10 {
        assert!(matches!(
            e.on(id, Event::Waited, 20.0, 0.5),
            Action::Fetch(_)
        ));
        assert!(matches!(
            e.on(id, Event::Offline, 20.0, 0.5),
            Action::WaitOnline { .. }
        ));
    }
    assert!(matches!(
        e.on(id, Event::Waited, 30.0, 0.5),
        Action::Fetch(_)
    ));
    let a = e.on(id, Event::Response(head(200)), 40.0, 0.5);
    let a = match a {
        Action::ReadBody { .. } => e.on(
            id,
            Event::Body {
                keep: None,
                size: 0,
            },
            40.0,
            0.5,
        ),
        a => a,
    };
    assert!(
        matches!(a, Action::Done(Outcome::Fresh { attempts: 1, .. })),
        "{a:?}"
    );
}

#[test]
fn the_offline_wait_is_bounded_by_the_deadline() {
    let mut e = engine(Config {
        total_timeout_ms: Some(5_000.0),
        ..config()
    });
    let (id, _) = start(&mut e, "GET", "/x", 0.0);
    let a = e.on(id, Event::Offline, 1_000.0, 0.5);
    assert!(
        matches!(a, Action::WaitOnline { ms: Some(ms), .. } if ms == 4_000.0),
        "{a:?}"
    );
    let err = match e.on(id, Event::Waited, 5_000.0, 0.5) {
        Action::Done(Outcome::Failed(err)) => err,
        other => panic!("{other:?}"),
    };
    assert_eq!(err.kind(), Kind::Timeout);
    assert!(e.is_idle());
}

#[test]
fn offline_without_retries_or_for_a_post_is_a_network_error() {
    for (cfg, method) in [
        (
            Config {
                retry: RetryOptions::disabled(),
                ..config()
            },
            "GET",
        ),
        (config(), "POST"),
    ] {
        let mut e = engine(cfg);
        let (id, _) = start(&mut e, method, "/x", 0.0);
        match e.on(id, Event::Offline, 0.0, 0.5) {
            Action::Done(Outcome::Failed(err)) => assert_eq!(err.kind(), Kind::Network, "{method}"),
            other => panic!("{method}: {other:?}"),
        }
    }
}

#[test]
fn an_offline_wait_is_cancelled_with_nothing_left() {
    let mut e = engine(config());
    let (id, _) = start(&mut e, "GET", "/x", 0.0);
    e.on(id, Event::Offline, 0.0, 0.5);
    let a = e.on(id, Event::Aborted, 1.0, 0.5);
    assert!(
        matches!(a, Action::Done(Outcome::Failed(ref err)) if err.kind() == Kind::Aborted),
        "{a:?}"
    );
    assert!(e.is_idle());
}
