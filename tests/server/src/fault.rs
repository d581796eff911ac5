//! `/fault?seed=S&i=I`: a deterministic stream of misbehaving responses for
//! fuzz and soak tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::http::{Mode, Query, Request, Response};
use crate::routes::{envelope_text, standard_message};
use crate::state::{lock, Scope};

/// Every fault, in selection order. `kind=<name>` forces one.
pub const FAULTS: &[&str] = &[
    "ok",
    "created",
    "no_content",
    "server_500",
    "bad_gateway_502",
    "unavailable_503",
    "timeout_504",
    "retry_after_garbage",
    "retry_after_negative",
    "retry_after_huge",
    "retry_after_duplicate",
    "retry_after_nonascii",
    "reset_nan",
    "reset_fraction",
    "html_502",
    "empty_500",
    "truncated_200",
    "wrong_content_type",
    "invalid_422",
    "garbage_header",
    "slow_first_byte",
    "drop",
];

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A number from a query value: the integer itself, or an FNV-1a hash.
fn as_number(s: &str) -> u64 {
    s.trim().parse().unwrap_or_else(|_| {
        s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    })
}

/// The fault chosen for `seed` and `i`.
pub fn choose(seed: &str, i: &str) -> &'static str {
    let h = splitmix64(splitmix64(as_number(seed)) ^ as_number(i));
    FAULTS[(h % FAULTS.len() as u64) as usize]
}

fn rate_limited() -> Response {
    Response::json_text(429, envelope_text(&standard_message(429), None))
}

fn envelope(code: u16) -> Response {
    Response::json_text(code, envelope_text(&standard_message(code), None))
}

/// Builds the response for one fault name.
pub fn build(name: &str) -> Response {
    match name {
        "ok" => Response::json(200, &json!({"ok": true, "fault": "ok"})),
        "created" => Response::json(201, &json!({"ok": true, "id": 1, "fault": "created"})),
        "no_content" => Response::new(204),
        "server_500" => envelope(500),
        "bad_gateway_502" => envelope(502),
        "unavailable_503" => envelope(503),
        "timeout_504" => envelope(504),
        "retry_after_garbage" => rate_limited().header("Retry-After", "soon-ish, maybe"),
        "retry_after_negative" => rate_limited().header("Retry-After", "-5"),
        "retry_after_huge" => rate_limited().header("Retry-After", "1e99"),
        "retry_after_duplicate" => rate_limited()
            .header("Retry-After", "1")
            .header("Retry-After", "2"),
        "retry_after_nonascii" => rate_limited().header_bytes("Retry-After", b"\xff\xfe1"),
        "reset_nan" => rate_limited().header("X-RateLimit-Reset", "NaN"),
        "reset_fraction" => rate_limited().header("X-RateLimit-Reset", "0.1"),
        "html_502" => Response::text(
            502,
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        "empty_500" => Response::new(500),
        "truncated_200" => Response::json_text(200, r#"{"ok":true,"items":[1,2"#),
        "wrong_content_type" => Response::text(200, "text/html", r#"{"ok":true}"#),
        "invalid_422" => Response::json_text(
            422,
            r#"{"error":"Validation failed","errors":{"title":"a string not array","nested":{"a":["x"]},"n":[1,2],"__proto__":["polluted"]}}"#,
        ),
        "garbage_header" => Response::json(200, &json!({"ok": true, "fault": "garbage_header"}))
            .header_bytes("X-Garbage", b"caf\xe9 \xff\xfe \x01end"),
        "slow_first_byte" => {
            let mut r = Response::json(200, &json!({"ok": true, "fault": "slow_first_byte"}));
            r.delay = Some(Duration::from_millis(200));
            r
        }
        _ => Response::new(200).mode(Mode::Drop),
    }
}

/// The largest `pad=` accepted, in bytes.
pub const MAX_PAD: usize = 1 << 20;

/// The faults chosen for `seed` and `i` = `from`, `from + 1`, … (`n` of them).
pub fn plan(seed: &str, from: u64, n: u64) -> Vec<&'static str> {
    (from..from.saturating_add(n))
        .map(|i| choose(seed, &i.to_string()))
        .collect()
}

/// FNV-1a, as hex: ETags made from request keys.
fn fnv_hex(s: &str) -> String {
    let h = s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// Faults with a JSON object body that `req=` and `pad=` extend.
fn extensible(name: &str) -> bool {
    matches!(
        name,
        "ok" | "created" | "garbage_header" | "slow_first_byte"
    )
}

/// `ANY /fault[/…]?seed=S&i=I[&kind=NAME][&req=K][&heal=H][&etag=1][&pad=N]`.
///
/// - `req=K` names the request (else the key is `seed|i|kind`): the scope
///   records every response per key (`__faults`), and success bodies echo it
///   as `"req"`.
/// - `heal=H`: after H responses for the key, the fault is `ok` (a retry
///   that succeeds), marked `X-Fault-Healed: 1`.
/// - `etag=1`: an `ok` GET carries `ETag: "f-<hash of key>-<pad>"` and a
///   matching `If-None-Match` gets a 304.
/// - `pad=N`: success bodies carry `"pad"` of N bytes (at most [`MAX_PAD`]).
pub fn fault(scope: &Arc<Mutex<Scope>>, req: &Request, q: &Query) -> Response {
    let seed = q.get("seed").unwrap_or("0");
    let i = q.get("i").unwrap_or("0");
    let chosen = match q.get("kind").and_then(|k| FAULTS.iter().find(|f| **f == k)) {
        Some(f) => *f,
        None => choose(seed, i),
    };
    let key = q
        .get("req")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{seed}|{i}|{}", q.get("kind").unwrap_or("")));
    let pad = q.num::<usize>("pad").unwrap_or(0).min(MAX_PAD);
    let mut s = lock(scope);
    let seen = s.fault_seq.get(&key).map_or(0, Vec::len);
    let healed = q.num::<usize>("heal").is_some_and(|h| seen >= h);
    let name = if healed { "ok" } else { chosen };
    let etag = (q.flag("etag") && name == "ok" && (req.method == "GET" || req.method == "HEAD"))
        .then(|| format!("\"f-{}-{pad}\"", fnv_hex(&key)));
    let not_modified = etag.as_ref().is_some_and(|tag| {
        req.header("if-none-match")
            .is_some_and(|inm| inm.split(',').any(|v| v.trim() == tag))
    });
    *s.faults.entry(name.to_string()).or_insert(0) += 1;
    let served = if not_modified { "not_modified" } else { name };
    s.fault_seq
        .entry(key)
        .or_default()
        .push(format!("{} {served}", req.method));
    drop(s);
    let mut resp = if not_modified {
        Response::new(304)
    } else {
        build(name)
    };
    if !not_modified && extensible(name) && (q.get("req").is_some() || pad > 0) {
        if let Ok(serde_json::Value::Object(mut m)) = serde_json::from_slice(&resp.body) {
            if let Some(r) = q.get("req") {
                m.insert("req".into(), json!(r));
            }
            if pad > 0 {
                m.insert("pad".into(), json!("x".repeat(pad)));
            }
            resp.body = serde_json::Value::Object(m).to_string().into_bytes();
        }
    }
    if let Some(tag) = etag {
        resp = resp.header("ETag", tag);
    }
    if healed {
        resp = resp.header("X-Fault-Healed", "1");
    }
    resp.header("X-Fault", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_is_deterministic_and_covers_all() {
        assert_eq!(choose("7", "3"), choose("7", "3"));
        let mut seen = std::collections::HashSet::new();
        for i in 0..2000 {
            seen.insert(choose("42", &i.to_string()));
        }
        assert_eq!(seen.len(), FAULTS.len());
    }

    #[test]
    fn plan_matches_choose() {
        let p = plan("42", 10, 5);
        assert_eq!(p.len(), 5);
        for (k, name) in p.iter().enumerate() {
            assert_eq!(*name, choose("42", &(10 + k).to_string()));
        }
    }

    fn req(method: &str, inm: Option<&str>) -> Request {
        let mut headers = Vec::new();
        if let Some(v) = inm {
            headers.push(("if-none-match".to_string(), v.to_string()));
        }
        Request {
            method: method.into(),
            path: "/fault".into(),
            query: String::new(),
            http11: true,
            headers,
            body: Vec::new(),
        }
    }

    fn header<'a>(r: &'a Response, name: &str) -> Option<&'a [u8]> {
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    #[test]
    fn heal_req_pad_etag_and_log() {
        let scope = Arc::new(Mutex::new(Scope::new()));
        let q = Query::parse("kind=unavailable_503&req=r1&heal=2&pad=3");
        assert_eq!(fault(&scope, &req("POST", None), &q).status, 503);
        assert_eq!(fault(&scope, &req("POST", None), &q).status, 503);
        let healed = fault(&scope, &req("POST", None), &q);
        assert_eq!(healed.status, 200);
        assert_eq!(header(&healed, "x-fault-healed"), Some(&b"1"[..]));
        let body: serde_json::Value = serde_json::from_slice(&healed.body).unwrap();
        assert_eq!(
            body,
            json!({"ok": true, "fault": "ok", "req": "r1", "pad": "xxx"})
        );

        let q = Query::parse("kind=ok&req=c1&etag=1");
        let first = fault(&scope, &req("GET", None), &q);
        let tag = String::from_utf8(header(&first, "etag").unwrap().to_vec()).unwrap();
        assert!(tag.starts_with("\"f-") && tag.ends_with("-0\""), "{tag}");
        let again = fault(&scope, &req("GET", Some(&tag)), &q);
        assert_eq!(again.status, 304);
        assert_eq!(
            fault(&scope, &req("GET", Some("\"other\"")), &q).status,
            200
        );
        assert!(header(&fault(&scope, &req("PUT", None), &q), "etag").is_none());

        let log = lock(&scope).faults_json();
        assert_eq!(
            log,
            json!({
                "c1": ["GET ok", "GET not_modified", "GET ok", "PUT ok"],
                "r1": ["POST unavailable_503", "POST unavailable_503", "POST ok"],
            })
        );
    }

    #[test]
    fn every_fault_builds() {
        for f in FAULTS {
            let r = build(f);
            assert!(r.status >= 200);
        }
    }
}
