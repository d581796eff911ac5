//! Response headers: `Retry-After`, `X-RateLimit-Reset/Remaining/Limit`,
//! `ETag`, `Link`, `Allow`, through `retry`, `ratelimit`, `date`,
//! `pagination` and the cache's ETag bookkeeping.
//!
//! Input, one value per line (a missing line is an absent header):
//!
//! ```text
//! 0 Retry-After
//! 1 X-RateLimit-Reset
//! 2 X-RateLimit-Remaining
//! 3 X-RateLimit-Limit
//! 4 Link
//! 5 ETag
//! 6 Allow
//! 7 knobs: now_ms status attempts method limit base_ms max_ms random key page last_page items
//! ```
//!
//! Every knob is optional (the default is used when a word does not parse);
//! the first 8 bytes of the input are also read as an `f64` for
//! `format_number`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use projekt_client::cache::{Cache, CacheOptions};
use projekt_client::date::{format_number, parse_decimal, parse_http_date};
use projekt_client::envelope::parse_allow;
use projekt_client::pagination::{link_next, next_page, Next, PageMeta, Walk};
use projekt_client::ratelimit::Gate;
use projekt_client::retry::{
    backoff_ms, decide, is_idempotent, reason, requested_wait_ms, retry_after_ms_for_error,
    retryable, Decision, Failure, RetryHeaders, RetryOptions, MAX_TIMER_MS, MAX_WAIT_MS,
};
use projekt_fuzz::{line, lines};
use std::time::{Duration, UNIX_EPOCH};

struct Knobs {
    now_ms: f64,
    status: u16,
    attempts: u32,
    method: String,
    opts: RetryOptions,
    random: f64,
    key: bool,
    page: Option<f64>,
    last_page: Option<f64>,
    items: usize,
}

fn knobs(s: &str) -> Knobs {
    let w: Vec<&str> = s.split_whitespace().collect();
    let f = |i: usize, d: f64| w.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(d);
    let u = |i: usize, d: u64| w.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(d);
    Knobs {
        now_ms: f(0, 1_700_000_000_000.0),
        status: u(1, 429) as u16,
        attempts: u(2, 1) as u32,
        method: w.get(3).map_or("GET", |m| m).to_owned(),
        opts: RetryOptions {
            limit: u(4, 3) as u32,
            base_delay_ms: f(5, 500.0),
            max_delay_ms: f(6, 30_000.0),
        },
        random: f(7, 0.5),
        key: u(8, 0) != 0,
        page: w.get(9).and_then(|v| v.parse().ok()),
        last_page: w.get(10).and_then(|v| v.parse().ok()),
        items: u(11, 5) as usize,
    }
}

fuzz_target!(|data: &[u8]| {
    let ls = lines(data);
    let present = |i: usize| ls.get(i).map(String::as_str);
    let k = knobs(line(&ls, 7));

    let mut bits = [0u8; 8];
    for (i, b) in data.iter().take(8).enumerate() {
        bits[i] = *b;
    }
    for n in [f64::from_le_bytes(bits), k.now_ms, k.random, k.opts.base_delay_ms] {
        check_format_number(n);
    }

    for i in 0..4 {
        let v = line(&ls, i);
        check_date(v);
        check_decimal(v);
        for member in v.split(',').take(16) {
            check_date(member);
            check_decimal(member.trim_matches([' ', '\t']));
        }
    }

    check_waits(present(0), present(1), k.now_ms);
    for now in [0.0, f64::NAN, f64::INFINITY, -1e308, 1e300] {
        check_waits(present(0), present(1), now);
    }
    check_decide(&k, present(0), present(1));
    check_gate(&k, present(0), present(1), present(2));
    check_links(&k, present(4), line(&ls, 5), line(&ls, 0));
    check_etag(line(&ls, 4), line(&ls, 5), k.items);
    check_allow(line(&ls, 6));
});

/// `date::parse_http_date` agrees with `httpdate` (as its docs say), stays
/// in 1970–9999, and reads back what `httpdate` writes for its result.
fn check_date(s: &str) {
    let ours = parse_http_date(s);
    let oracle = httpdate::parse_http_date(s)
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    assert_eq!(ours, oracle, "parse_http_date({s:?})");
    if let Some(secs) = ours {
        assert!((0..=253_402_300_799).contains(&secs), "{secs}");
        let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs as u64));
        assert_eq!(parse_http_date(&text), Some(secs), "{text}");
    }
}

/// `parse_decimal` accepts exactly `DIGITS [ "." DIGITS ]` (not both empty)
/// and agrees with std's correctly rounded parser up to float error.
fn check_decimal(s: &str) {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let grammar = !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac);
    for scale in [1.0, 1000.0] {
        let got = parse_decimal(s, scale);
        assert_eq!(got.is_some(), grammar, "parse_decimal({s:?})");
        let Some(v) = got else { continue };
        assert!(v >= 0.0, "{s:?} -> {v}");
        let std_value = format!("0{int}.{frac}0").parse::<f64>().unwrap() * scale;
        // Near f64::MAX the digit-by-digit sum may overflow where std rounds
        // down: both are "too long a wait", so only finite pairs are compared.
        if v != std_value && std_value < 1e300 {
            let err = (v - std_value).abs();
            assert!(
                err <= 1e-9 * std_value.max(1.0),
                "parse_decimal({s:?}, {scale}) = {v}, std says {std_value}"
            );
        }
    }
}

/// `format_number` writes `-?DIGITS[.DIGITS]` close to `n` (6 places), as
/// its docs say: whole numbers from 1e15 on, `u64::MAX` past it.
fn check_format_number(n: f64) {
    let out = format_number(n);
    if !n.is_finite() {
        assert!(out.is_empty());
        return;
    }
    let body = out.strip_prefix('-').unwrap_or(&out);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    assert!(!int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()), "{n:e} -> {out}");
    assert!(frac.len() <= 6 && frac.bytes().all(|b| b.is_ascii_digit()), "{n:e} -> {out}");
    assert!(!frac.ends_with('0'), "{n:e} -> {out}");
    assert!(out != "-0" && out.len() <= 28, "{n:e} -> {out}");
    let back: f64 = out.parse().unwrap();
    let a = n.abs();
    let ok = if a < 1e15 {
        (back - n).abs() <= 5e-7 + a * 1e-15
    } else {
        body == (a as u64).to_string()
    };
    // F1 (fixed): `a * 1e6` overflowed u64 from about 1.8e13 on.
    assert!(ok, "format_number({n:e}) = {out}");
}

fn check_waits(after: Option<&str>, reset: Option<&str>, now: f64) {
    let both = RetryHeaders {
        rate_limit_reset: reset,
        retry_after: after,
    };
    let only_reset = RetryHeaders {
        rate_limit_reset: reset,
        retry_after: None,
    };
    let only_after = RetryHeaders {
        rate_limit_reset: None,
        retry_after: after,
    };
    for h in [&both, &only_reset, &only_after] {
        let w = requested_wait_ms(h, now);
        if let Some(w) = w {
            assert!(w.is_finite() && (0.0..=MAX_WAIT_MS).contains(&w), "{w}");
        }
        assert_eq!(retry_after_ms_for_error(h, now), w.map(f64::ceil));
    }
    // X-RateLimit-Reset wins when usable, else Retry-After.
    let r = requested_wait_ms(&only_reset, now);
    let expected = r.or_else(|| requested_wait_ms(&only_after, now));
    assert_eq!(requested_wait_ms(&both, now), expected);
    // A reset list is its largest usable member (no dates, no stitching).
    if let Some(v) = reset {
        let members = v.split(',').filter_map(|m| {
            requested_wait_ms(
                &RetryHeaders {
                    rate_limit_reset: Some(m),
                    retry_after: None,
                },
                now,
            )
        });
        let largest = members.fold(None, |acc: Option<f64>, m| Some(acc.map_or(m, |a| a.max(m))));
        assert_eq!(r, largest, "X-RateLimit-Reset {v:?}");
        // A reset is a delta: the clock does not matter.
        assert_eq!(r, requested_wait_ms(&only_reset, f64::NAN));
    }
    // Retry-After is at least its largest delta-seconds member.
    if let Some(v) = after {
        let w = requested_wait_ms(&only_after, now);
        for m in v.split(',') {
            let as_seconds = requested_wait_ms(
                &RetryHeaders {
                    rate_limit_reset: Some(m),
                    retry_after: None,
                },
                now,
            );
            if let Some(s) = as_seconds {
                assert!(w.is_some_and(|w| w >= s), "Retry-After {v:?}: {w:?} < {s}");
            }
        }
    }
}

fn clamp(ms: f64) -> f64 {
    if ms.is_nan() || ms <= 0.0 {
        0.0
    } else {
        ms.min(MAX_TIMER_MS)
    }
}

fn check_decide(k: &Knobs, after: Option<&str>, reset: Option<&str>) {
    let h = RetryHeaders {
        rate_limit_reset: reset,
        retry_after: after,
    };
    let failures = [
        Failure::Status(k.status),
        Failure::Status(429),
        Failure::Status(503),
        Failure::Network,
        Failure::Timeout,
    ];
    for failure in failures {
        let _ = reason(failure);
        let d = decide(
            &k.opts, &k.method, k.key, failure, k.attempts, &h, k.now_ms, k.random,
        );
        let may = retryable(&k.method, k.key, failure) && k.attempts.max(1) <= k.opts.limit;
        match d {
            Decision::GiveUp => {}
            Decision::Retry { delay_ms } => {
                assert!(may, "retried {failure:?} {:?} attempt {}", k.method, k.attempts);
                assert!(delay_ms.is_finite() && delay_ms >= 0.0, "{delay_ms}");
                assert!(delay_ms <= clamp(k.opts.max_delay_ms), "{delay_ms}");
                assert_eq!(delay_ms, delay_ms.floor(), "{delay_ms}");
            }
        }
        if !may {
            assert_eq!(d, Decision::GiveUp);
        }
        if let Failure::Status(s) = failure {
            if s != 429 && !matches!(s, 500 | 502 | 503 | 504) {
                assert!(!retryable(&k.method, true, failure));
            }
        }
    }
    // Writes without a key are never repeated after a possibly-processed failure.
    if !is_idempotent(&k.method) {
        assert!(!retryable(&k.method, false, Failure::Network));
    }
    for n in [0, 1, k.attempts, u32::MAX] {
        let b = backoff_ms(&k.opts, n, k.random);
        let ceiling = clamp(k.opts.max_delay_ms);
        assert!(b.is_finite() && (0.0..=ceiling).contains(&b), "backoff {b}");
        assert_eq!(b, b.floor());
    }
}

fn check_gate(k: &Knobs, after: Option<&str>, reset: Option<&str>, remaining: Option<&str>) {
    let h = RetryHeaders {
        rate_limit_reset: reset,
        retry_after: after,
    };
    let mut g = Gate::new();
    let max = k.opts.max_delay_ms;
    g.observe(k.status, remaining, &h, k.now_ms, max);
    g.observe(429, remaining, &h, k.now_ms - k.random * 1e6, k.opts.base_delay_ms);
    g.observe(200, Some("0"), &h, k.now_ms + 1.0, max);
    let cap = clamp(max).max(clamp(k.opts.base_delay_ms));
    for t in [
        k.now_ms,
        k.now_ms - 1e12,
        k.now_ms + 1.0,
        k.now_ms + cap,
        0.0,
        -1e308,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let w = g.wait_ms(t);
        assert!(w.is_finite() && (0.0..=cap).contains(&w), "gate wait {w} at {t}");
    }
    assert_eq!(g.wait_ms(f64::NAN), 0.0);
    g.clear();
    assert_eq!(g.wait_ms(k.now_ms), 0.0);
}

fn check_links(k: &Knobs, link: Option<&str>, cursor: &str, next: &str) {
    if let Some(header) = link {
        if let Some(t) = link_next(header) {
            assert!(!t.is_empty() && !t.contains('>'), "{t:?}");
            assert!(header.contains(&format!("<{t}>")), "{t:?} not in {header:?}");
        }
    }
    let meta = PageMeta {
        next_cursor: (!cursor.is_empty()).then(|| cursor.to_owned()),
        next: (!next.is_empty()).then(|| next.to_owned()),
        page: k.page,
        last_page: k.last_page,
    };
    match next_page(&meta, link, k.items) {
        Next::Done => {}
        Next::Url(u) => {
            let from_link = link.and_then(link_next);
            assert!(from_link.as_deref() == Some(u.as_str()) || u == next, "{u:?}");
        }
        Next::Param("cursor", c) => {
            assert!(k.items > 0 && !c.is_empty() && (c == cursor || c == next));
        }
        Next::Param("page", p) => {
            let p: u64 = p.parse().expect("page number");
            assert!((2..=1_000_000_000).contains(&p), "{p}");
            assert!(k.items > 0);
        }
        other => panic!("{other:?}"),
    }
    let mut walk = Walk::new(k.items.min(8) as u32);
    for u in [next, cursor, next, cursor, "", ""] {
        walk.admit(u);
    }
    assert!(walk.pages() <= 8 && walk.pages() as usize <= k.items.min(8));
}

/// The ETag is stored and given back byte for byte (`If-None-Match` must
/// carry it exactly), and never counted in `bytes()`.
fn check_etag(url: &str, etag: &str, size: usize) {
    let size = size % 4096;
    let mut c: Cache<u8> = Cache::new(CacheOptions {
        max_entries: 2,
        max_bytes: 2048,
    });
    let stored = c.put("t:0|no-org", url, etag, 7, size);
    assert_eq!(stored, size <= 2048);
    match c.get("t:0|no-org", url) {
        Some(e) => {
            assert!(stored);
            assert_eq!(e.etag, etag);
            assert_eq!((e.body, e.size), (7, size));
        }
        None => assert!(!stored),
    }
    assert_eq!(c.bytes(), if stored { size } else { 0 });
    assert!(c.get("anon|no-org", url).is_none());
}

fn check_allow(header: &str) {
    let methods = parse_allow(header);
    assert!(methods.len() <= 64);
    for m in &methods {
        assert!(!m.is_empty() && m.len() <= 32 && m.bytes().all(|b| b.is_ascii_graphic()));
    }
}
