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

/// `ANY /fault?seed=S&i=I[&kind=NAME]`.
pub fn fault(scope: &Arc<Mutex<Scope>>, _req: &Request, q: &Query) -> Response {
    let name = match q.get("kind").and_then(|k| FAULTS.iter().find(|f| **f == k)) {
        Some(f) => *f,
        None => choose(q.get("seed").unwrap_or("0"), q.get("i").unwrap_or("0")),
    };
    *lock(scope).faults.entry(name.to_string()).or_insert(0) += 1;
    build(name).header("X-Fault", name)
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
    fn every_fault_builds() {
        for f in FAULTS {
            let r = build(f);
            assert!(r.status >= 200);
        }
    }
}
