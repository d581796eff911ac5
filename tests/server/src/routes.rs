//! Request dispatch and the simple (stateless or counter-only) routes.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::http::{bodiless, Mode, Query, Request, Response};
use crate::state::{lock, valid_scope, Server};
use crate::{fault, resources, statics};

/// Most faults one `/__faultplan` answer lists.
pub const MAX_PLAN: u64 = 100_000;

/// Longest sleep any route accepts (ms).
pub const MAX_SLEEP_MS: u64 = 120_000;

pub const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
pub const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, If-None-Match, If-Match, X-Org-Id, Idempotency-Key, X-Test, X-Custom";

pub const MSG_ORG: &str = "API key bound to a different organization";
pub const MSG_SESSION: &str = "Not available for API key auth — use a user session";

/// The default 422 `errors` map.
pub const DEFAULT_422_ERRORS: &str = r#"{"title":["The title field is required"],"priority":["The priority must be one of: low, medium, high, urgent"]}"#;

/// Routes one request.
pub fn handle(server: &Server, req: &Request) -> Response {
    if req.path == "/__hits" {
        return Response::json(200, &server.hits_json());
    }
    server.hit(&req.method, &req.path);
    if req.method == "OPTIONS" && req.header("access-control-request-method").is_some() {
        return preflight(req);
    }
    if let Some(rest) = req.path.strip_prefix("/s/") {
        let (scope, sub) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if !valid_scope(scope) {
            return Response::error(404, "Invalid scope: use [A-Za-z0-9_-]{1,64}");
        }
        return scoped(server, scope, sub, req);
    }
    if req.path.starts_with("/__") {
        return global_internal(server, req);
    }
    if req.method == "OPTIONS" {
        return preflight(req);
    }
    if req.method == "GET" || req.method == "HEAD" {
        let versioned = req.params().get("v").is_some();
        if let Some(resp) = statics::serve(&server.static_dirs, &req.path, versioned) {
            return resp;
        }
        if req.path == "/" && server.static_dirs.is_empty() {
            return Response::text(200, "text/plain", "projekt-test-server\n");
        }
    }
    Response::error(404, "Not found")
}

/// CORS preflight answer.
pub fn preflight(req: &Request) -> Response {
    let allow_headers = req
        .header("access-control-request-headers")
        .filter(|h| !h.trim().is_empty())
        .map(|h| format!("{ALLOW_HEADERS}, {h}"))
        .unwrap_or_else(|| ALLOW_HEADERS.to_string());
    let mut resp = Response::new(204)
        .header("Access-Control-Allow-Methods", ALLOW_METHODS)
        .header("Access-Control-Allow-Headers", allow_headers)
        .header("Access-Control-Max-Age", "600")
        .header("Allow", ALLOW_METHODS);
    if req
        .header("access-control-request-private-network")
        .is_some()
    {
        resp = resp.header("Access-Control-Allow-Private-Network", "true");
    }
    resp
}

/// `/__log?scope=X`, `/__counts?scope=X`, `/__reset?scope=X`, `/__health`.
fn global_internal(server: &Server, req: &Request) -> Response {
    if req.path == "/__health" {
        return Response::json(200, &json!({"ok": true, "port": server.port}));
    }
    let q = req.params();
    if req.path == "/__faultplan" {
        let seed = q.get("seed").unwrap_or("0");
        let from = q.num::<u64>("from").unwrap_or(0);
        let n = q.num::<u64>("n").unwrap_or(100).min(MAX_PLAN);
        return Response::json(
            200,
            &json!({"seed": seed, "from": from, "faults": fault::plan(seed, from, n)}),
        );
    }
    let Some(scope) = q.get("scope").filter(|s| valid_scope(s)) else {
        return Response::error(400, "Missing or invalid ?scope=");
    };
    let name = req.path.trim_start_matches('/');
    internal(server, scope, name).unwrap_or_else(|| Response::error(404, "Not found"))
}

fn internal(server: &Server, scope: &str, name: &str) -> Option<Response> {
    match name {
        "__log" => Some(Response::json(200, &lock(&server.scope(scope)).log_json())),
        "__counts" => Some(Response::json(
            200,
            &lock(&server.scope(scope)).counts_json(),
        )),
        "__faults" => Some(Response::json(
            200,
            &lock(&server.scope(scope)).faults_json(),
        )),
        "__reset" => {
            server.reset_scope(scope);
            Some(Response::json(200, &json!({"ok": true})))
        }
        _ => None,
    }
}

fn scoped(server: &Server, scope_name: &str, sub: &str, req: &Request) -> Response {
    let segs: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
    if let [name] = segs.as_slice() {
        if name.starts_with("__") {
            return internal(server, scope_name, name)
                .unwrap_or_else(|| Response::error(404, "Not found"));
        }
    }
    let scope = server.scope(scope_name);
    let path_count = lock(&scope).record(req, sub, server.t_ms());
    let q = req.params();
    let m = req.method.as_str();
    // `/s/{scope}/v1/...` routes as `/s/{scope}/...` (logged with its `/v1`):
    // a base URL with a path under the scope, so that a path climbing out of
    // it still lands in the scope's log.
    let routed = match segs.as_slice() {
        ["v1", rest @ ..] => rest,
        all => all,
    };
    let mut resp = match routed {
        ["echo"] => echo(req, sub),
        ["status", code] => match parse_status(code) {
            Some(code) => status_response(code, &q, req),
            None => Response::error(400, "Status must be a number in 200..=599"),
        },
        ["flaky", key] => {
            let k = {
                let mut s = lock(&scope);
                let n = s.flaky.entry((*key).to_string()).or_insert(0);
                *n += 1;
                *n
            };
            let fail: u64 = q.num("fail").unwrap_or(1);
            if k <= fail {
                let code = q.get("code").and_then(parse_status).unwrap_or(503);
                status_response(code, &q, req)
            } else {
                let code = if m == "POST" { 201 } else { 200 };
                Response::json(code, &json!({"ok": true, "attempt": k}))
            }
        }
        ["slow"] => {
            let mut r = Response::json(200, &json!({"ok": true}));
            r.delay = Some(sleep_param(&q, "ms"));
            r
        }
        ["slowbody"] => Response::json(200, &json!({"ok": true, "slow": "body"}))
            .mode(Mode::SlowBody(sleep_param(&q, "ms"))),
        ["drop"] => Response::new(200).mode(Mode::Drop),
        ["dropbody"] => Response::new(200)
            .header("Content-Type", "application/json")
            .body(dropbody_bytes())
            .mode(Mode::Truncate(10)),
        ["json"] => match q.num::<usize>("kb") {
            Some(kb) => Response::json_text(200, big_json(kb.min(50_000))),
            None => Response::json_text(200, r#"{"id":1,"title":"hello","tags":["a","b"]}"#),
        },
        ["empty200"] => Response::new(200).header("Content-Type", "application/json"),
        ["empty200chunked"] => Response::new(200)
            .header("Content-Type", "application/json")
            .mode(Mode::Chunked),
        ["notjson"] => Response::text(200, "text/html", "<html>oops</html>"),
        ["nocontent"] => Response::new(204),
        ["token-echo"] => {
            let token = req.bearer().unwrap_or_default();
            Response::error(401, &format!("Invalid token {token}"))
        }
        ["etag304"] => {
            if req.header("if-none-match").is_some() {
                Response::new(304).header("ETag", "\"x\"")
            } else {
                Response::json(200, &json!({"fresh": true})).header("ETag", "\"x\"")
            }
        }
        ["items"] => resources::items_collection(&mut lock(&scope), scope_name, req, &q),
        ["items", id] => resources::item(&mut lock(&scope), id, req, &q),
        ["ratelimit", key] => resources::ratelimit(&mut lock(&scope), key, req, &q),
        ["validate"] => resources::validate(&mut lock(&scope), req),
        ["pages", kind] => resources::pages(server, scope_name, kind, req, &q),
        ["versioned", key] => resources::versioned(&mut lock(&scope), key, req, &q),
        ["versioned", key, "bump"] => resources::versioned_bump(&mut lock(&scope), key, req),
        ["fault", ..] => fault::fault(&scope, req, &q),
        ["whoami"] => whoami(req, &q),
        ["stream"] => {
            // A hostile body: `mb` MB (default 50) of an error envelope that
            // never closes, chunked (`length=1`: with its Content-Length),
            // with status `status` (default 400).
            let code = q.get("status").and_then(parse_status).unwrap_or(400);
            let mb = q.num::<u64>("mb").unwrap_or(50).min(2_000);
            let mut chunk = br#"{"error":""#.to_vec();
            chunk.resize(64 * 1024, b'a');
            let mut r = Response::new(code)
                .header("Content-Type", "application/json")
                .body(chunk);
            r.mode = Mode::Stream {
                total: mb << 20,
                sent: lock(&scope).streamed.clone(),
                sized: q.get("length") == Some("1"),
            };
            r
        }
        ["files", name] => {
            // A path parameter as it arrived: the raw segment (percent-encoded
            // as sent) and how many segments the path had, for the clients'
            // path-parameter encoding (openapi.json: /files/{name}).
            if req.method != "GET" && req.method != "HEAD" {
                return Response::error(405, "Method not allowed").header("Allow", "GET, HEAD");
            }
            Response::json(200, &json!({ "raw": name, "segments": routed.len() }))
        }
        ["bomb"] => {
            // A gzip bomb: `Content-Encoding: gzip`, about 300 KB on the
            // wire that inflate to a 300 MB JSON envelope (whose `error` is
            // all `a`s), with status `status` (default 400). Made once.
            let code = q.get("status").and_then(parse_status).unwrap_or(400);
            Response::new(code)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .body(gzip_bomb().to_vec())
        }
        ["longpages"] => {
            // Endless-looking pagination with fat cursors: page `i` of `n`
            // (default 300), each `meta.next` carrying `kb` KB (default 300)
            // of cursor, for the client's memory bound on page URLs.
            let i = q.num::<u64>("i").unwrap_or(0);
            let n = q.num::<u64>("n").unwrap_or(300).min(2_000);
            let kb = q.num::<usize>("kb").unwrap_or(300).min(2_000);
            let next = (i + 1 < n).then(|| {
                let pad: String =
                    std::iter::repeat_n((b'a' + (i % 26) as u8) as char, kb * 1024).collect();
                format!(
                    "/s/{scope_name}/longpages?i={}&n={n}&kb={kb}&pad={pad}",
                    i + 1
                )
            });
            Response::json(
                200,
                &json!({ "data": [{ "id": i }], "meta": { "next": next } }),
            )
        }
        ["vary"] => {
            // A representation per Accept-Language, ETag'd: `Vary` says so.
            let lang = req.header("accept-language").unwrap_or("en").to_string();
            Response::json(200, &json!({ "lang": lang }))
                .header("ETag", format!("\"v-{}\"", lang.len()))
                .header("Vary", "Accept-Language")
        }
        ["handoff"] => {
            // One page whose next page is wherever the test says: a `Link`
            // (`link=`) or `meta.next` (`next=`) target, for the client's
            // refusal of links that leave the base URL.
            let mut r = Response::json(
                200,
                &json!({"data": [{"id": 1}], "meta": {"next": q.get("next")}}),
            );
            if let Some(link) = q.get("link") {
                r = r.header("Link", format!("<{link}>; rel=\"next\""));
            }
            r
        }
        _ => Response::error(404, "Not found"),
    };
    if m == "OPTIONS"
        && resp.status == 405
        && !matches!(routed.first(), Some(&"echo" | &"status" | &"flaky"))
    {
        // A plain (non-preflight) OPTIONS on a resource: describe it.
        resp = preflight(req);
    }
    if !resp.has_header("X-Request-Count") {
        resp.set_header("X-Request-Count", &path_count.to_string());
    }
    resp
}

/// Parses a status code accepted by `/status/{code}` (200..=599).
pub fn parse_status(s: &str) -> Option<u16> {
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|c| (200..=599).contains(c))
}

fn sleep_param(q: &Query, key: &str) -> Duration {
    Duration::from_millis(q.num::<u64>(key).unwrap_or(0).min(MAX_SLEEP_MS))
}

/// `GET whoami[?delay_ms=][&lax304=1]`: `{"who": <digest of Authorization
/// and X-Org-Id>}` with `ETag: "who-<digest>"`. A matching `If-None-Match`
/// gets a 304; with `lax304=1` *any* `If-None-Match` does (a server whose
/// tags do not depend on the caller), so a client that sent one identity's
/// tag for another would be handed the wrong body.
/// `{"error":"aaa…"}` of 300 MB, gzipped (about 300 KB), made on first use.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = [b'a'; 1 << 16];
        let _ = gz.write_all(br#"{"error":""#);
        for _ in 0..(300 << 20) / chunk.len() {
            let _ = gz.write_all(&chunk);
        }
        let _ = gz.write_all(br#""}"#);
        gz.finish().unwrap_or_default()
    })
}

fn whoami(req: &Request, q: &Query) -> Response {
    let ident = format!(
        "{}\n{}",
        req.header("authorization").unwrap_or(""),
        req.header("x-org-id").unwrap_or("")
    );
    let who = format!(
        "{:016x}",
        ident.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    );
    let tag = format!("\"who-{who}\"");
    let inm = req.header("if-none-match");
    let matches = inm.is_some_and(|v| q.flag("lax304") || v.split(',').any(|t| t.trim() == tag));
    let mut resp = if matches {
        Response::new(304)
    } else {
        Response::json(200, &json!({ "who": who }))
    };
    resp = resp.header("ETag", &tag);
    if let Some(ms) = q.num::<u64>("delay_ms") {
        resp.delay = Some(Duration::from_millis(ms.min(MAX_SLEEP_MS)));
    }
    resp
}

fn echo(req: &Request, sub: &str) -> Response {
    let mut headers = Map::new();
    for (name, _) in &req.headers {
        if !headers.contains_key(name) {
            headers.insert(
                name.clone(),
                Value::String(req.header_joined(name).unwrap_or_default()),
            );
        }
    }
    Response::json(
        200,
        &json!({
            "method": req.method,
            "path": sub,
            "query": req.query,
            "headers": headers,
            "body": req.body_text(),
        }),
    )
}

/// The standard envelope message for a status.
pub fn standard_message(code: u16) -> String {
    match code {
        400 => "Bad request".into(),
        401 => "Authentication required".into(),
        403 => "Forbidden".into(),
        404 => "Not found".into(),
        405 => "Method not allowed".into(),
        409 => "Conflict".into(),
        412 => "Precondition failed".into(),
        422 => "Validation failed".into(),
        429 => "Rate limit exceeded. Try again later.".into(),
        500 => "Internal server error".into(),
        502 => "Bad gateway".into(),
        503 => "Service unavailable".into(),
        504 => "Gateway timeout".into(),
        _ => format!("Status {code}"),
    }
}

/// `{"error": msg}` plus an optional raw-JSON `errors` member.
pub fn envelope_text(msg: &str, errors_raw: Option<&str>) -> String {
    let msg = Value::String(msg.to_string()).to_string();
    match errors_raw {
        Some(errors) => format!(r#"{{"error":{msg},"errors":{errors}}}"#),
        None => format!(r#"{{"error":{msg}}}"#),
    }
}

/// The 10 MB body used by `body=big`.
fn big_body() -> Vec<u8> {
    let pad = 10 * 1024 * 1024;
    let mut b = Vec::with_capacity(pad + 32);
    b.extend_from_slice(br#"{"error":"big","pad":""#);
    b.resize(b.len() + pad, b'x');
    b.extend_from_slice(br#""}"#);
    b
}

fn dropbody_bytes() -> Vec<u8> {
    let mut b = br#"{"items":["#.to_vec();
    while b.len() < 1000 {
        b.extend_from_slice(b"0,");
    }
    b.truncate(1000);
    b
}

/// `{"items":[...],"meta":{"count":n}}` of roughly `kb` KiB.
fn big_json(kb: usize) -> String {
    let target = kb * 1024;
    let mut s = String::with_capacity(target + 256);
    s.push_str(r#"{"items":["#);
    let mut i = 0u64;
    while s.len() + 40 < target || i == 0 {
        i += 1;
        if i > 1 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"id":{i},"title":"Item {i}","done":{},"tags":["a","b"],"note":"Lorem ipsum dolor sit amet"}}"#,
            i & 1 == 0
        ));
    }
    s.push_str(&format!(r#"],"meta":{{"count":{i}}}}}"#));
    s
}

/// The response of `/status/{code}` (also used by `/flaky`). See the README
/// in `lib.rs` for the query parameters.
pub fn status_response(code: u16, q: &Query, req: &Request) -> Response {
    let kind = q.get("body").unwrap_or("default");
    let msg = if q.flag("echo_token") {
        format!("Invalid token {}", req.bearer().unwrap_or_default())
    } else if kind == "custom" {
        q.get("msg").unwrap_or("").to_string()
    } else {
        match q.get("msg") {
            Some("org") => MSG_ORG.to_string(),
            Some("session") => MSG_SESSION.to_string(),
            Some(m) => m.to_string(),
            None => standard_message(code),
        }
    };
    let errors_raw: Option<String> = match q.get("errors") {
        Some(raw) if serde_json::from_str::<Value>(raw).is_ok() => Some(raw.to_string()),
        Some(raw) => Some(Value::String(raw.to_string()).to_string()),
        None if code == 422 => Some(DEFAULT_422_ERRORS.to_string()),
        None => None,
    };
    let envelope = || envelope_text(&msg, errors_raw.as_deref());
    let mut resp = if bodiless(code) {
        Response::new(code)
    } else {
        match kind {
            "html" => Response::text(
                code,
                "text/html",
                format!(
                    "<html><body><h1>{code} {}</h1></body></html>",
                    crate::http::reason(code)
                ),
            ),
            "empty" => Response::new(code),
            "truncated" => Response::json_text(code, r#"{"error":"Validation fai"#),
            "text" => Response::text(code, "text/plain", "upstream exploded"),
            "notstring" => Response::json_text(code, r#"{"error":42}"#),
            "array" => Response::json_text(code, "[1,2]"),
            "big" => Response::new(code)
                .header("Content-Type", "application/json")
                .body(big_body()),
            "wrongtype" => Response::text(code, "text/plain", envelope()),
            "default" if (200..300).contains(&code) => {
                Response::json(code, &json!({"ok": true, "status": code}))
            }
            _ => Response::json_text(code, envelope()),
        }
    };
    if let Some(allow) = q.get("allow") {
        resp = resp.header("Allow", allow);
    } else if code == 405 {
        resp = resp.header("Allow", "GET, POST");
    }
    for (param, header) in [
        ("reset", "X-RateLimit-Reset"),
        ("retry_after", "Retry-After"),
        ("remaining", "X-RateLimit-Remaining"),
        ("limit", "X-RateLimit-Limit"),
        ("etag", "ETag"),
        ("cache_control", "Cache-Control"),
        ("location", "Location"),
    ] {
        if let Some(v) = q.get(param) {
            resp = resp.header(header, v);
        }
    }
    if let Some(secs) = q.num::<u64>("retry_after_date") {
        let when = std::time::SystemTime::now() + Duration::from_secs(secs.min(10_000_000));
        resp = resp.header("Retry-After", crate::http::http_date(when));
    }
    if q.flag("nostore") {
        resp = resp.header("Cache-Control", "no-store");
    }
    if q.flag("echo_token_header") {
        // The bearer token echoed in a response header, as a careless proxy might.
        resp = resp.header("X-Echo-Token", req.bearer().unwrap_or_default());
    }
    if let Some(ms) = q.num::<u64>("delay_ms") {
        resp.delay = Some(Duration::from_millis(ms.min(MAX_SLEEP_MS)));
    }
    resp
}
