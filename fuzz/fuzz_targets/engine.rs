//! The request engine (`src/engine/`) driven by arbitrary event sequences:
//! several calls at once, any event in any order (including ones a call is
//! not waiting for), identity changes and cancellations. Checked after
//! every step: no panic, the cache within its bounds, every fetch's URL
//! under the base URL with at most one conditional header decision; and once
//! every call has settled or been cancelled, nothing held for any of them
//! (no write mark, refresh slot or shared GET).
//!
//! Input: a byte stream read two bytes at a time, `(op, arg)`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use projekt_client::cache::CacheOptions;
use projekt_client::engine::{
    Action, BodyFailure, CacheMode, Config, Engine, Event, Head, Outcome, Start, Started,
};
use projekt_client::request::BaseUrl;
use projekt_client::retry::{Failure, RetryOptions};

const PATHS: [&str; 5] = ["/a", "/a/1", "/a/2", "/b?x=1", "/a/1/c"];
const METHODS: [&str; 6] = ["GET", "GET", "POST", "PUT", "DELETE", "PATCH"];
const MODES: [CacheMode; 5] = [
    CacheMode::Default,
    CacheMode::NoCache,
    CacheMode::Reload,
    CacheMode::NoStore,
    CacheMode::ForceCache,
];
const STATUSES: [u16; 16] = [
    200, 201, 204, 304, 400, 401, 403, 404, 409, 412, 422, 429, 500, 502, 503, 0,
];
const HEADER_VALUES: [&str; 8] = ["0", "1", "5", "-1", "abc", "99999999999", "\"e\"", ""];

fn check<B: Clone + std::fmt::Debug>(a: &Action<B>) {
    if let Action::Fetch(f) = a {
        if let Some(t) = f.timeout_ms {
            assert!(t > 0.0 && t.is_finite(), "{f:?}");
        }
    }
    if let Action::Wait { ms, .. } = a {
        assert!(*ms >= 0.0 && ms.is_finite() && *ms <= 60_000.0, "{a:?}");
    }
    if let Action::Done(Outcome::Failed(e)) = a {
        assert!(!e.url().contains("pjk_"), "{e:?}");
        assert!(!e.message().contains("pjk_live_fuzz"), "{e:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let cfg = Config {
        base: BaseUrl::parse("https://api.test/v1").unwrap(),
        token: Some("pjk_live_fuzz".into()),
        org_id: None,
        allow_insecure_token: false,
        timeout_ms: Some(1_000.0),
        total_timeout_ms: (data.first().copied().unwrap_or(0) & 1 == 1).then_some(5_000.0),
        retry: RetryOptions {
            limit: 2,
            base_delay_ms: 10.0,
            max_delay_ms: 1_000.0,
        },
        cache: Some(CacheOptions {
            max_entries: 3,
            max_bytes: 64,
        }),
        refresh: true,
        max_body_bytes: (data.first().copied().unwrap_or(0) & 2 == 2).then_some(100.0),
        cross_tab: data.first().copied().unwrap_or(0) & 4 == 4,
        persist: data.first().copied().unwrap_or(0) & 8 == 8,
    };
    let mut e: Engine<u32> = Engine::new(cfg).unwrap();
    let mut ids: Vec<u32> = Vec::new();
    let mut now = 0.0;
    for (n, pair) in data.chunks(2).enumerate().take(200) {
        let (op, arg) = (pair[0], *pair.get(1).unwrap_or(&0));
        now += f64::from(arg) * 7.0;
        let id = ids.get(arg as usize % ids.len().max(1)).copied();
        let random = f64::from(arg) / 255.0;
        match op % 16 {
            0 | 1 => {
                let url = format!("https://api.test/v1{}", PATHS[arg as usize % PATHS.len()]);
                let s = Start {
                    method: METHODS[(arg / 5) as usize % METHODS.len()],
                    url: &url,
                    mode: MODES[(op / 16) as usize % MODES.len()],
                    body: arg & 0x40 != 0,
                    idempotency_key: arg & 0x80 != 0,
                    signal: op & 0x20 != 0,
                    ..Start::default()
                };
                match e.start(s, now) {
                    Started::Call(id, a) => {
                        check(&a);
                        if !matches!(a, Action::Done(_)) {
                            ids.push(id);
                        }
                    }
                    Started::Join(leader) => assert!(ids.contains(&leader)),
                }
            }
            2..=9 => {
                let Some(id) = id else { continue };
                let v = |k: u8| {
                    Some(HEADER_VALUES[(arg.wrapping_add(k)) as usize % HEADER_VALUES.len()])
                };
                let ev = match op % 16 {
                    2 | 3 => Event::Response(Head {
                        status: STATUSES[arg as usize % STATUSES.len()],
                        etag: (arg & 1 == 0).then_some("\"e\""),
                        cache_control: (arg & 2 == 0).then_some("no-store"),
                        remaining: if arg & 4 == 0 { v(1) } else { None },
                        reset: if arg & 8 == 0 { v(2) } else { None },
                        retry_after: if arg & 16 == 0 { v(3) } else { None },
                        envelope: (arg & 32 == 0)
                            .then_some(r#"{"error":"x pjk_live_fuzz","errors":{"a":["b"]}}"#),
                        ..Head::default()
                    }),
                    4 => Event::Failed(if arg & 1 == 0 {
                        Failure::Network
                    } else {
                        Failure::Timeout
                    }),
                    5 => Event::Body {
                        keep: (arg & 1 == 0).then_some(u32::from(arg)),
                        size: arg as usize,
                    },
                    6 => Event::BodyFailed(
                        [
                            BodyFailure::Decode,
                            BodyFailure::Timeout,
                            BodyFailure::Network,
                        ][arg as usize % 3],
                    ),
                    7 => Event::Waited,
                    8 => Event::Refreshed((arg & 1 == 0).then_some("pjk_live_fuzz2")),
                    _ if arg & 3 == 1 => Event::Offline,
                    _ if arg & 3 == 2 => Event::Loaded(
                        (arg & 4 == 0)
                            .then(|| ("\"p\"".to_string(), u32::from(arg), arg as usize % 80)),
                    ),
                    _ => Event::Envelope("{\"error\":\"nope\"}"),
                };
                let a = e.on(id, ev, now, random);
                check(&a);
                if matches!(a, Action::Done(_)) {
                    ids.retain(|x| *x != id);
                }
            }
            10 => {
                if let Some(id) = id {
                    let a = e.on(id, Event::Aborted, now, random);
                    assert!(matches!(a, Action::Done(Outcome::Failed(_))));
                    ids.retain(|x| *x != id);
                }
            }
            11 | 12 => {
                if let Some(id) = id {
                    e.cancel(id);
                    ids.retain(|x| *x != id);
                }
            }
            13 => {
                let _ = e.set_token(if arg & 1 == 0 {
                    Some("pjk_live_other")
                } else {
                    None
                });
            }
            14 if arg & 1 == 1 => {
                // A note from another tab: one this client could have told, or garbage.
                let m = match arg % 4 {
                    1 => projekt_client::tabs::encode(
                        e.scope(),
                        &projekt_client::tabs::Note::Hold(f64::from(arg) * 40.0),
                    ),
                    3 => projekt_client::tabs::encode(
                        e.scope(),
                        &projekt_client::tabs::Note::Drop(u64::from(arg), None),
                    ),
                    _ => {
                        String::from_utf8_lossy(&data[..data.len().min(arg as usize)]).into_owned()
                    }
                };
                e.hear(&m, now);
            }
            14 => e.clear_cache(),
            _ => {
                let _ =
                    e.set_org_id((arg & 1 == 0).then_some("6f1c1c3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f"));
            }
        }
        assert!(e.cache_len() <= 3 && e.cache_bytes() <= 64, "step {n}");
        for x in e.take_effects() {
            if let projekt_client::engine::Effect::Persist(p) = x {
                assert!(
                    p.size <= p.max_bytes && p.max_entries == 3,
                    "step {n}: {p:?}"
                );
            }
        }
        assert_eq!(
            e.calls(),
            ids.len(),
            "step {n}: the engine and the driver disagree on the calls in flight"
        );
    }
    for id in ids {
        e.cancel(id);
    }
    assert!(e.is_idle(), "{e:?}");
});
