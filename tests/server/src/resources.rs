//! Stateful routes: ETag'd items, rate limits, validation, pagination and the
//! versioned (optimistic-locking) resource.

use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::http::{Query, Request, Response};
use crate::routes::{envelope_text, status_response, MAX_SLEEP_MS};
use crate::state::{RateWindow, Scope, Server, Versioned};

const ITEM_ALLOW: &str = "GET, HEAD, PUT, PATCH, DELETE";
const COLLECTION_ALLOW: &str = "GET, HEAD, POST";
const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];
const PRIORITY_MSG: &str = "The priority must be one of: low, medium, high, urgent";

/// The opaque part of an entity tag (`W/` prefix dropped).
fn opaque(tag: &str) -> &str {
    let t = tag.trim();
    t.strip_prefix("W/").unwrap_or(t)
}

/// Weak comparison of `current` against an `If-None-Match` / `If-Match`
/// header value (`*` matches anything, comma lists allowed).
pub fn etag_list_matches(header: &str, current: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .any(|t| t == "*" || opaque(t) == opaque(current))
}

fn method_not_allowed(allow: &str) -> Response {
    Response::error(405, "Method not allowed").header("Allow", allow)
}

/// Whether `v` is a string with something besides whitespace.
fn nonempty_str(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::String(s)) if !s.trim().is_empty())
}

/// Parses the body as a JSON object.
fn json_object(req: &Request) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Response::error(400, "Body must be a JSON object")),
        Err(_) => Err(Response::error(400, "Malformed JSON")),
    }
}

/// Adds the ETag (unless `noetag`) and `Cache-Control` (when `nostore`), and
/// turns the response into a 304 when `If-None-Match` matches.
fn conditional_get(req: &Request, q: &Query, etag: String, body: &Value) -> Response {
    let etag = if q.flag("weak") {
        format!("W/{etag}")
    } else {
        etag
    };
    let send_etag = !q.flag("noetag");
    let matches = send_etag
        && req
            .header_joined("if-none-match")
            .is_some_and(|h| etag_list_matches(&h, &etag));
    let mut resp = if matches {
        Response::new(304)
    } else {
        Response::json(200, body)
    };
    if send_etag {
        resp = resp.header("ETag", &etag);
    }
    if q.flag("nostore") {
        resp = resp.header("Cache-Control", "no-store");
    }
    resp
}

fn item_etag(item: &Map<String, Value>) -> String {
    let v = item.get("version").and_then(Value::as_u64).unwrap_or(1);
    let id = item.get("id").and_then(Value::as_u64).unwrap_or(0);
    format!("\"v{v}-{id}\"")
}

/// `/items`.
pub fn items_collection(s: &mut Scope, scope_name: &str, req: &Request, q: &Query) -> Response {
    match req.method.as_str() {
        "GET" | "HEAD" => {
            let data: Vec<Value> = s.items.values().cloned().map(Value::Object).collect();
            let body = json!({"data": data, "meta": {"total": data.len()}});
            conditional_get(req, q, format!("\"c{}\"", s.collection_version), &body)
        }
        "POST" => {
            let mut obj = match json_object(req) {
                Ok(o) => o,
                Err(r) => return r,
            };
            if !nonempty_str(obj.get("title")) {
                return Response::json_text(
                    422,
                    envelope_text(
                        "Validation failed",
                        Some(r#"{"title":["The title field is required"]}"#),
                    ),
                );
            }
            let id = s.next_item_id;
            s.next_item_id += 1;
            obj.insert("id".into(), json!(id));
            obj.insert("version".into(), json!(1));
            let etag = item_etag(&obj);
            s.items.insert(id, obj.clone());
            s.collection_version += 1;
            Response::json(201, &Value::Object(obj))
                .header("Location", format!("/s/{scope_name}/items/{id}"))
                .header("ETag", etag)
        }
        _ => method_not_allowed(COLLECTION_ALLOW),
    }
}

/// `/items/{id}`.
pub fn item(s: &mut Scope, id: &str, req: &Request, q: &Query) -> Response {
    let method = req.method.as_str();
    if !matches!(method, "GET" | "HEAD" | "PUT" | "PATCH" | "DELETE") {
        return method_not_allowed(ITEM_ALLOW);
    }
    let Some(id) = id.parse::<u64>().ok().filter(|id| s.items.contains_key(id)) else {
        return Response::error(404, "Not found");
    };
    let current = s.items.get(&id).cloned().unwrap_or_default();
    let etag = item_etag(&current);
    if method == "GET" || method == "HEAD" {
        return conditional_get(req, q, etag, &Value::Object(current));
    }
    if let Some(im) = req.header_joined("if-match") {
        if !etag_list_matches(&im, &etag) {
            return Response::error(412, "Precondition failed").header("ETag", &etag);
        }
    }
    if method == "DELETE" {
        s.items.remove(&id);
        s.collection_version += 1;
        return Response::new(204);
    }
    let patch = match json_object(req) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut next = if method == "PUT" {
        Map::new()
    } else {
        current.clone()
    };
    for (k, v) in patch {
        if k == "id" || k == "version" {
            continue;
        }
        if method == "PATCH" && v.is_null() {
            next.remove(&k);
        } else {
            next.insert(k, v);
        }
    }
    let version = current.get("version").and_then(Value::as_u64).unwrap_or(1) + 1;
    next.insert("id".into(), json!(id));
    next.insert("version".into(), json!(version));
    let etag = item_etag(&next);
    s.items.insert(id, next.clone());
    s.collection_version += 1;
    Response::json(200, &Value::Object(next)).header("ETag", etag)
}

/// Formats seconds for a header: integers without a fraction.
fn fmt_secs(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// `/ratelimit/{key}?reset=S&limit=L`.
pub fn ratelimit(s: &mut Scope, key: &str, req: &Request, q: &Query) -> Response {
    let reset: f64 = q
        .num::<f64>("reset")
        .filter(|r| r.is_finite() && *r >= 0.0)
        .unwrap_or(1.0)
        .min(3600.0);
    let limit: u64 = q.num("limit").unwrap_or(1);
    let now = Instant::now();
    let w = s.ratelimits.entry(key.to_string()).or_insert(RateWindow {
        used: 0,
        window_start: now,
        first_429: None,
    });
    if let Some(first) = w.first_429 {
        if now.duration_since(first).as_secs_f64() >= reset {
            *w = RateWindow {
                used: 0,
                window_start: now,
                first_429: None,
            };
        }
    }
    if w.used < limit {
        w.used += 1;
        let left = (reset - now.duration_since(w.window_start).as_secs_f64()).max(0.0);
        return Response::json(200, &json!({"ok": true, "n": w.used}))
            .header("X-RateLimit-Limit", limit.to_string())
            .header("X-RateLimit-Remaining", (limit - w.used).to_string())
            .header("X-RateLimit-Reset", fmt_secs(left.ceil()));
    }
    let first = *w.first_429.get_or_insert(now);
    let left = (reset - now.duration_since(first).as_secs_f64())
        .ceil()
        .max(1.0);
    s.rate_limited += 1;
    let mut resp = status_response(429, q, req);
    resp.set_header("X-RateLimit-Limit", &limit.to_string());
    resp.set_header("X-RateLimit-Remaining", "0");
    resp.set_header("X-RateLimit-Reset", &fmt_secs(left));
    resp
}

/// `POST /validate`.
pub fn validate(s: &mut Scope, req: &Request) -> Response {
    if req.method != "POST" {
        return method_not_allowed("POST");
    }
    let body = match json_object(req) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    match body.get("title") {
        Some(Value::String(t)) if !t.trim().is_empty() => {}
        Some(Value::String(_)) | Some(Value::Null) | None => {
            errors.push(("title".into(), vec!["The title field is required".into()]))
        }
        Some(_) => errors.push(("title".into(), vec!["The title must be a string".into()])),
    }
    let priority_ok = body
        .get("priority")
        .and_then(Value::as_str)
        .is_some_and(|p| PRIORITIES.contains(&p));
    if !priority_ok {
        errors.push(("priority".into(), vec![PRIORITY_MSG.into()]));
    }
    match body.get("items") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, it) in items.iter().enumerate() {
                let ok = it
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.trim().is_empty());
                if !ok {
                    errors.push((
                        format!("items.{i}.name"),
                        vec![format!("The items.{i}.name field is required")],
                    ));
                }
            }
        }
        Some(_) => errors.push(("items".into(), vec!["The items must be an array".into()])),
    }
    match body.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tags)) if tags.iter().all(Value::is_string) => {}
        Some(_) => errors.push((
            "tags".into(),
            vec!["The tags must be an array of strings".into()],
        )),
    }
    if body.get("x_unknown") == Some(&Value::Bool(true)) {
        errors.push((
            "unknown_field_x".into(),
            vec!["The unknown_field_x field is invalid".into()],
        ));
    }
    if !errors.is_empty() {
        let map = errors
            .iter()
            .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), json!(v)))
            .collect::<Vec<_>>()
            .join(",");
        return Response::json_text(
            422,
            envelope_text("Validation failed", Some(&format!("{{{map}}}"))),
        );
    }
    let id = s.next_validate_id;
    s.next_validate_id += 1;
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    for (k, v) in body {
        if k != "id" {
            out.insert(k, v);
        }
    }
    Response::json(201, &Value::Object(out))
}

const PAGE_TOTAL: usize = 20;

/// The request's `Host` when it is plain (`[A-Za-z0-9.:-[]]`), else the server's address.
fn plain_host(server: &Server, req: &Request) -> String {
    req.header("host")
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".:-[]".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| format!("127.0.0.1:{}", server.port))
}

/// The raw query's parameters other than `drop`, as `&k=v…`, so that a
/// next-page URL keeps the test's flags (only plain URL characters are kept).
fn carried_params(req: &Request, drop: &[&str]) -> String {
    req.query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter(|kv| !drop.contains(&kv.split('=').next().unwrap_or("")))
        .filter(|kv| {
            kv.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=%-._~+,".contains(&b))
        })
        .map(|kv| format!("&{kv}"))
        .collect()
}

/// A stable entity tag for a JSON body.
fn body_etag(body: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.to_string().hash(&mut h);
    format!("\"pg-{:016x}\"", h.finish())
}

/// `/pages/{kind}`. Every page has an ETag (a matching `If-None-Match` gets a
/// 304 that still carries the `Link` header, unless `bare304=1`);
/// `delay_ms=` delays every page; for `next`, `next_as=url|path` makes
/// `meta.next` an absolute URL or a root-relative path instead of a cursor.
pub fn pages(server: &Server, scope: &str, kind: &str, req: &Request, q: &Query) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        return method_not_allowed("GET, HEAD");
    }
    let per_page = q.num::<usize>("per_page").unwrap_or(5).clamp(1, 100);
    let last_page = PAGE_TOTAL.div_ceil(per_page);
    let slice = |offset: usize| -> Vec<Value> {
        (offset..(offset + per_page).min(PAGE_TOTAL))
            .map(|i| json!({"id": i + 1, "name": format!("Item {}", i + 1)}))
            .collect()
    };
    let cursor_offset = || -> Result<usize, Response> {
        match q.get("cursor") {
            None | Some("") => Ok(0),
            Some(c) => c
                .strip_prefix('c')
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= PAGE_TOTAL)
                .ok_or_else(|| Response::error(400, "Invalid cursor")),
        }
    };
    let page = q.num::<usize>("page").unwrap_or(1).max(1);
    let page_offset = (page - 1).saturating_mul(per_page).min(PAGE_TOTAL);
    let mut link = None;
    let body = match kind {
        "cursor" | "next" => {
            let off = match cursor_offset() {
                Ok(o) => o,
                Err(r) => return r,
            };
            let next = if off + per_page < PAGE_TOTAL {
                let cursor = format!("c{}", off + per_page);
                let path = || {
                    format!(
                        "/s/{scope}/pages/next?cursor={cursor}{}",
                        carried_params(req, &["cursor"])
                    )
                };
                match (kind, q.get("next_as")) {
                    ("next", Some("url")) => {
                        json!(format!("http://{}{}", plain_host(server, req), path()))
                    }
                    ("next", Some("path")) => json!(path()),
                    _ => json!(cursor),
                }
            } else {
                Value::Null
            };
            let key = if kind == "cursor" {
                "next_cursor"
            } else {
                "next"
            };
            let mut meta = Map::new();
            meta.insert(key.into(), next);
            json!({"data": slice(off), "meta": meta})
        }
        "numbered" => {
            json!({"data": slice(page_offset), "meta": {"current_page": page, "last_page": last_page}})
        }
        "totalpages" => {
            json!({"data": slice(page_offset), "meta": {"page": page, "total_pages": last_page}})
        }
        "link" => {
            if page < last_page {
                link = Some(format!(
                    "<http://{}/s/{scope}/pages/link?page={}&per_page={per_page}{}>; rel=\"next\"",
                    plain_host(server, req),
                    page + 1,
                    carried_params(req, &["page", "per_page"])
                ));
            }
            json!({"data": slice(page_offset), "meta": {}})
        }
        "buggy" => {
            let off = cursor_offset().unwrap_or(0);
            json!({"data": slice(off), "meta": {"next_cursor": "same"}})
        }
        _ => return Response::error(404, "Not found"),
    };
    let mut resp = conditional_get(req, q, body_etag(&body), &body);
    if let Some(link) = link {
        if resp.status != 304 || !q.flag("bare304") {
            resp = resp.header("Link", link);
        }
    }
    if let Some(ms) = q.num::<u64>("delay_ms") {
        resp.delay = Some(std::time::Duration::from_millis(ms.min(MAX_SLEEP_MS)));
    }
    resp
}

fn versioned_json(key: &str, v: &Versioned) -> Value {
    let mut m = v.fields.clone();
    m.insert("id".into(), json!(key));
    m.insert("count".into(), json!(v.count));
    m.insert("version".into(), json!(v.version));
    Value::Object(m)
}

fn versioned_entry<'a>(s: &'a mut Scope, key: &str) -> &'a mut Versioned {
    s.versioned.entry(key.to_string()).or_insert(Versioned {
        version: 1,
        count: 0,
        fields: Map::new(),
    })
}

/// `/versioned/{key}`.
pub fn versioned(s: &mut Scope, key: &str, req: &Request, q: &Query) -> Response {
    let method = req.method.as_str();
    if !matches!(method, "GET" | "HEAD" | "PUT" | "PATCH") {
        return method_not_allowed("GET, HEAD, PUT, PATCH");
    }
    let v = versioned_entry(s, key);
    let etag = format!("\"{}\"", v.version);
    if method == "GET" || method == "HEAD" {
        return conditional_get(req, q, etag, &versioned_json(key, v));
    }
    if let Some(im) = req.header_joined("if-match") {
        if !etag_list_matches(&im, &etag) {
            let resp = if q.get("mode") == Some("412") {
                Response::error(412, "Precondition failed")
            } else {
                Response::error(409, "Conflict: version mismatch")
            };
            return resp.header("ETag", &etag);
        }
    }
    let body = match json_object(req) {
        Ok(o) => o,
        Err(r) => return r,
    };
    if method == "PUT" {
        v.fields.clear();
    }
    for (k, val) in body {
        match k.as_str() {
            "id" | "version" => {}
            "count" => {
                if let Some(c) = val.as_i64() {
                    v.count = c;
                }
            }
            _ if method == "PATCH" && val.is_null() => {
                v.fields.remove(&k);
            }
            _ => {
                v.fields.insert(k, val);
            }
        }
    }
    v.version += 1;
    let etag = format!("\"{}\"", v.version);
    Response::json(200, &versioned_json(key, v)).header("ETag", etag)
}

/// `POST /versioned/{key}/bump`: a concurrent writer.
pub fn versioned_bump(s: &mut Scope, key: &str, req: &Request) -> Response {
    if req.method != "POST" {
        return method_not_allowed("POST");
    }
    let v = versioned_entry(s, key);
    v.version += 1;
    v.count += 1;
    let etag = format!("\"{}\"", v.version);
    Response::json(200, &versioned_json(key, v)).header("ETag", etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_matching() {
        assert!(etag_list_matches("\"a\"", "\"a\""));
        assert!(etag_list_matches("W/\"a\"", "\"a\""));
        assert!(etag_list_matches("\"b\", W/\"a\"", "W/\"a\""));
        assert!(etag_list_matches("*", "\"zz\""));
        assert!(!etag_list_matches("\"b\"", "\"a\""));
        assert!(!etag_list_matches("", "\"a\""));
    }

    #[test]
    fn seconds_format() {
        assert_eq!(fmt_secs(3.0), "3");
        assert_eq!(fmt_secs(0.5), "0.5");
    }
}
