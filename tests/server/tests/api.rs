//! End-to-end checks over raw TCP against an in-process server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

fn port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| projekt_test_server::start(Vec::new()).0)
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open() -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port())).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn {
            reader: BufReader::new(s.try_clone().unwrap()),
            writer: s,
        }
    }

    fn send_raw(&mut self, raw: &[u8]) {
        self.writer.write_all(raw).unwrap();
    }

    fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (n, v) in headers {
            raw.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" || method == "PUT" || method == "PATCH" {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        raw.push_str("\r\n");
        raw.push_str(body);
        self.send_raw(raw.as_bytes());
        self.read_response(method == "HEAD")
    }

    fn read_response(&mut self, head_only: bool) -> Resp {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut l = Vec::new();
            self.reader.read_until(b'\n', &mut l).unwrap();
            let l = String::from_utf8_lossy(&l).trim_end().to_string();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').unwrap();
            headers.push((n.to_string(), v.trim().to_string()));
        }
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status == 204 || status == 304 {
            assert!(resp.header("content-length").is_none() || status != 204);
            return resp;
        }
        if let Some(len) = resp.header("content-length") {
            let mut body = vec![0; len.parse().unwrap()];
            self.reader.read_exact(&mut body).unwrap();
            resp.body = body;
        } else if resp.header("transfer-encoding") == Some("chunked") {
            loop {
                let mut l = String::new();
                self.reader.read_line(&mut l).unwrap();
                let n = usize::from_str_radix(l.trim(), 16).unwrap();
                let mut chunk = vec![0; n + 2];
                self.reader.read_exact(&mut chunk).unwrap();
                if n == 0 {
                    break;
                }
                resp.body.extend_from_slice(&chunk[..n]);
            }
        } else {
            self.reader.read_to_end(&mut resp.body).unwrap();
        }
        resp
    }

    /// True when the server closed the connection.
    fn is_closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.reader.read(&mut b), Ok(0) | Err(_))
    }
}

fn get(path: &str) -> Resp {
    Conn::open().request("GET", path, &[], "")
}

fn assert_cors(r: &Resp) {
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let exposed = r.header("access-control-expose-headers").unwrap();
    for h in ["ETag", "Retry-After", "X-RateLimit-Reset", "Allow", "Link"] {
        assert!(exposed.contains(h), "{h} not exposed");
    }
}

#[test]
fn preflight_has_cors_and_is_not_logged() {
    let mut c = Conn::open();
    let r = c.request(
        "OPTIONS",
        "/s/pre/items",
        &[
            ("Origin", "http://localhost:9"),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "authorization, if-match"),
        ],
        "",
    );
    assert_eq!(r.status, 204);
    assert_cors(&r);
    assert!(r
        .header("access-control-allow-methods")
        .unwrap()
        .contains("PATCH"));
    assert!(r
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase()
        .contains("if-match"));
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    let counts = c.request("GET", "/s/pre/__counts", &[], "").json();
    assert_eq!(counts["total"], 0);
}

#[test]
fn validation_error_has_cors_and_envelope() {
    let r = get("/s/v422/status/422");
    assert_eq!(r.status, 422);
    assert_cors(&r);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let j = r.json();
    assert_eq!(j["error"], "Validation failed");
    assert_eq!(j["errors"]["title"][0], "The title field is required");

    let mut c = Conn::open();
    let r = c.request(
        "POST",
        "/s/v422/validate",
        &[],
        r#"{"items":[{"name":""}]}"#,
    );
    assert_eq!(r.status, 422);
    assert_cors(&r);
    let j = r.json();
    assert!(j["errors"]["items.0.name"].is_array());
    assert!(j["errors"]["priority"].is_array());
    let r = c.request(
        "POST",
        "/s/v422/validate",
        &[],
        r#"{"title":"x","priority":"high"}"#,
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["title"], "x");
}

#[test]
fn status_variants() {
    let r = get("/s/st/status/403?msg=org");
    assert_eq!(
        r.json()["error"],
        "API key bound to a different organization"
    );
    let r = get("/s/st/status/405");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = get("/s/st/status/429?retry_after=Wed%2C%2021%20Oct%202015%2007%3A28%3A00%20GMT");
    assert_eq!(
        r.header("retry-after"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    let r = get("/s/st/status/502?body=html");
    assert_eq!(
        r.body,
        b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec()
    );
    let r = get("/s/st/status/500?body=truncated");
    assert_eq!(r.body, br#"{"error":"Validation fai"#.to_vec());
    let r = get("/s/st/status/422?errors=%7B%22__proto__%22%3A%5B%22p%22%5D%7D");
    assert_eq!(
        r.body,
        br#"{"error":"Validation failed","errors":{"__proto__":["p"]}}"#.to_vec()
    );
    let mut c = Conn::open();
    let r = c.request(
        "GET",
        "/s/st/status/401?echo_token=1",
        &[("Authorization", "Bearer pjk_live_secret")],
        "",
    );
    assert_eq!(r.json()["error"], "Invalid token pjk_live_secret");
    let r = c.request("GET", "/s/st/status/204", &[], "");
    assert_eq!(r.status, 204);
    let r = c.request("GET", "/s/st/status/201", &[], "");
    assert_eq!(r.json()["status"], 201);
}

#[test]
fn etag_and_304_on_items() {
    let mut c = Conn::open();
    let r = c.request("GET", "/s/etag/items/1", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag"), Some("\"v1-1\""));
    assert_eq!(r.json()["title"], "Item 1");
    let r = c.request(
        "GET",
        "/s/etag/items/1",
        &[("If-None-Match", "\"v1-1\"")],
        "",
    );
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some("\"v1-1\""));
    assert_eq!(r.header("x-request-count"), Some("2"));
    assert_cors(&r);
    // Weak comparison and lists.
    let r = c.request(
        "GET",
        "/s/etag/items/1?weak=1",
        &[("If-None-Match", "\"zz\", W/\"v1-1\"")],
        "",
    );
    assert_eq!(r.status, 304);
    assert_eq!(r.header("etag"), Some("W/\"v1-1\""));
    // A stale If-Match is refused, a fresh one accepted.
    let r = c.request(
        "PATCH",
        "/s/etag/items/1",
        &[("If-Match", "\"v0-1\"")],
        r#"{"title":"x"}"#,
    );
    assert_eq!(r.status, 412);
    let r = c.request(
        "PATCH",
        "/s/etag/items/1",
        &[("If-Match", "\"v1-1\"")],
        r#"{"title":"x"}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag"), Some("\"v2-1\""));
    let r = c.request(
        "GET",
        "/s/etag/items/1",
        &[("If-None-Match", "\"v1-1\"")],
        "",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["title"], "x");
    let r = c.request("POST", "/s/etag/items", &[], r#"{"title":"new"}"#);
    assert_eq!(r.status, 201);
    assert_eq!(r.header("location"), Some("/s/etag/items/4"));
    let r = c.request("DELETE", "/s/etag/items/4", &[], "");
    assert_eq!(r.status, 204);
    let r = c.request("GET", "/s/etag/items/4", &[], "");
    assert_eq!(r.status, 404);
    let r = c.request("GET", "/s/etag/items?nostore=1", &[], "");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.json()["meta"]["total"], 3);
}

#[test]
fn ratelimit_counts_429s() {
    let mut c = Conn::open();
    let r = c.request("GET", "/s/rl/ratelimit/k?limit=2&reset=0.3", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("1"));
    let r = c.request("GET", "/s/rl/ratelimit/k?limit=2&reset=0.3", &[], "");
    assert_eq!(r.status, 200);
    for _ in 0..2 {
        let r = c.request("GET", "/s/rl/ratelimit/k?limit=2&reset=0.3", &[], "");
        assert_eq!(r.status, 429);
        assert_eq!(r.header("x-ratelimit-reset"), Some("1"));
        assert_eq!(r.json()["error"], "Rate limit exceeded. Try again later.");
    }
    std::thread::sleep(Duration::from_millis(350));
    let r = c.request("GET", "/s/rl/ratelimit/k?limit=2&reset=0.3", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["n"], 1);
    let counts = c.request("GET", "/s/rl/__counts", &[], "").json();
    assert_eq!(counts["rate_limited"], 2);
    assert_eq!(counts["total"], 5);
    assert_eq!(counts["by_path"]["GET /ratelimit/k"], 5);
}

#[test]
fn flaky_fails_then_succeeds() {
    let mut c = Conn::open();
    for _ in 0..2 {
        let r = c.request(
            "GET",
            "/s/fl/flaky/a?fail=2&code=503&retry_after=1",
            &[],
            "",
        );
        assert_eq!(r.status, 503);
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(r.json()["error"], "Service unavailable");
    }
    let r = c.request("GET", "/s/fl/flaky/a?fail=2&code=503", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["attempt"], 3);
    let r = c.request("POST", "/s/fl/flaky/b?fail=0", &[], "{}");
    assert_eq!(r.status, 201);
}

#[test]
fn scopes_are_isolated() {
    let mut c = Conn::open();
    c.request("PATCH", "/s/iso-a/items/2", &[], r#"{"title":"changed"}"#);
    c.request("GET", "/s/iso-a/flaky/x?fail=1", &[], "");
    let b = c.request("GET", "/s/iso-b/items/2", &[], "").json();
    assert_eq!(b["title"], "Item 2");
    let r = c.request("GET", "/s/iso-b/flaky/x?fail=1", &[], "");
    assert_eq!(r.status, 503);
    let log_a = c.request("GET", "/s/iso-a/__log", &[], "").json();
    let log_b = c.request("GET", "/s/iso-b/__log", &[], "").json();
    assert_eq!(log_a.as_array().unwrap().len(), 2);
    assert_eq!(log_b.as_array().unwrap().len(), 2);
    assert_eq!(log_a[0]["method"], "PATCH");
    assert_eq!(log_a[0]["path"], "/items/2");
    assert_eq!(log_a[0]["body"], r#"{"title":"changed"}"#);
    assert_eq!(log_a[1]["query"], "fail=1");
    assert!(log_a[1]["t_ms"].as_f64().unwrap() >= log_a[0]["t_ms"].as_f64().unwrap());
    let r = c.request("GET", "/s/bad.scope/echo", &[], "");
    assert_eq!(r.status, 404);
}

#[test]
fn keep_alive_serves_several_requests() {
    let mut c = Conn::open();
    let r = c.request(
        "GET",
        "/s/ka/echo?x=1",
        &[("X-Custom", "a"), ("x-custom", "b")],
        "",
    );
    assert_eq!(r.header("connection"), Some("keep-alive"));
    assert_eq!(r.json()["headers"]["x-custom"], "a, b");
    let r = c.request("GET", "/s/ka/nocontent", &[], "");
    assert_eq!(r.status, 204);
    let r = c.request("GET", "/s/ka/etag304", &[("If-None-Match", "\"x\"")], "");
    assert_eq!(r.status, 304);
    let r = c.request("GET", "/s/ka/empty200chunked", &[], "");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = c.request("HEAD", "/s/ka/json", &[], "");
    assert_eq!(r.status, 200);
    let r = c.request("POST", "/s/ka/echo", &[("Connection", "close")], "hi");
    assert_eq!(r.json()["body"], "hi");
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.is_closed());
}

#[test]
fn garbage_gets_400_and_close() {
    let mut c = Conn::open();
    c.send_raw(b"\x16\x03\x01 garbage\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.status, 400);
    assert_cors(&r);
    assert!(c.is_closed());

    let mut c = Conn::open();
    c.send_raw(b"GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
    assert_eq!(c.read_response(false).status, 400);
    // The server is still alive.
    assert_eq!(get("/__health").status, 200);
}

#[test]
fn drops_and_pages() {
    let mut c = Conn::open();
    c.send_raw(b"GET /s/dr/drop HTTP/1.1\r\n\r\n");
    assert!(c.is_closed());

    let r = get("/s/pg/pages/link?page=1");
    assert_eq!(
        r.header("link"),
        Some("<http://127.0.0.1/s/pg/pages/link?page=2&per_page=5>; rel=\"next\"")
    );
    let r = get("/s/pg/pages/link?page=4");
    assert!(r.header("link").is_none());
    let j = get("/s/pg/pages/cursor?cursor=c15").json();
    assert_eq!(j["data"][0]["id"], 16);
    assert!(j["meta"]["next_cursor"].is_null());
    let j = get("/s/pg/pages/numbered?page=2").json();
    assert_eq!(j["meta"]["last_page"], 4);
}

#[test]
fn pages_have_etags_and_next_urls() {
    let mut c = Conn::open();
    // Every page has an ETag; a matching If-None-Match gets a 304 that keeps
    // the Link header, unless bare304=1.
    let r = c.request("GET", "/s/pe/pages/link?page=2", &[], "");
    assert_eq!(r.status, 200);
    let tag = r.header("etag").expect("ETag on a page").to_string();
    let link = r.header("link").unwrap().to_string();
    let r = c.request(
        "GET",
        "/s/pe/pages/link?page=2",
        &[("If-None-Match", &tag)],
        "",
    );
    assert_eq!(r.status, 304);
    assert_eq!(r.header("link"), Some(link.as_str()));
    let r = c.request(
        "GET",
        "/s/pe/pages/link?page=3",
        &[("If-None-Match", &tag)],
        "",
    );
    assert_eq!(r.status, 200, "another page has another tag");
    let r = c.request("GET", "/s/pe/pages/link?page=2&bare304=1", &[], "");
    assert_eq!(
        r.header("link"),
        Some("<http://127.0.0.1/s/pe/pages/link?page=3&per_page=5&bare304=1>; rel=\"next\"")
    );
    let tag = r.header("etag").unwrap().to_string();
    let r = c.request(
        "GET",
        "/s/pe/pages/link?page=2&bare304=1",
        &[("If-None-Match", &tag)],
        "",
    );
    assert_eq!(r.status, 304);
    assert!(r.header("link").is_none());
    // meta.next as a URL or a root-relative path, flags carried along.
    let j = c
        .request("GET", "/s/pe/pages/next?next_as=url&per_page=8", &[], "")
        .json();
    assert_eq!(
        j["meta"]["next"],
        "http://127.0.0.1/s/pe/pages/next?cursor=c8&next_as=url&per_page=8"
    );
    let j = c
        .request("GET", "/s/pe/pages/next?cursor=c5&next_as=path", &[], "")
        .json();
    assert_eq!(j["data"][0]["id"], 6);
    assert_eq!(
        j["meta"]["next"],
        "/s/pe/pages/next?cursor=c10&next_as=path"
    );
    let j = c
        .request("GET", "/s/pe/pages/next?cursor=c15&next_as=path", &[], "")
        .json();
    assert!(j["meta"]["next"].is_null());
    // delay_ms delays the page.
    let t = std::time::Instant::now();
    assert_eq!(
        c.request("GET", "/s/pe/pages/cursor?delay_ms=150", &[], "")
            .status,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[test]
fn versioned_conflicts() {
    let mut c = Conn::open();
    let r = c.request("GET", "/s/ver/versioned/k", &[], "");
    assert_eq!(r.header("etag"), Some("\"1\""));
    c.request("POST", "/s/ver/versioned/k/bump", &[], "");
    let r = c.request(
        "PUT",
        "/s/ver/versioned/k",
        &[("If-Match", "\"1\"")],
        r#"{"count":5}"#,
    );
    assert_eq!(r.status, 409);
    let r = c.request(
        "PUT",
        "/s/ver/versioned/k",
        &[("If-Match", "\"2\"")],
        r#"{"count":5}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["count"], 5);
    assert_eq!(r.json()["version"], 3);
}

#[test]
fn faults_are_named_and_posts_counted() {
    let mut c = Conn::open();
    let r = c.request("POST", "/s/fa/fault?kind=invalid_422&req=r1", &[], "{}");
    assert_eq!(r.status, 422);
    assert_eq!(r.header("x-fault"), Some("invalid_422"));
    let r = c.request("GET", "/s/fa/fault?kind=retry_after_duplicate", &[], "");
    let ras: Vec<_> = r
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
        .collect();
    assert_eq!(ras.len(), 2);
    c.request("POST", "/s/fa/echo", &[("Idempotency-Key", "k1")], "{}");
    c.request("POST", "/s/fa/echo", &[("Idempotency-Key", "k1")], "{}");
    let counts = c.request("GET", "/s/fa/__counts", &[], "").json();
    assert_eq!(counts["posts"]["r1"], 1);
    assert_eq!(counts["posts"]["k1"], 2);
    for i in 0..60 {
        let name = projekt_test_server::fault::choose("1", &i.to_string());
        let mut c = Conn::open();
        c.send_raw(format!("GET /s/fa/fault?seed=1&i={i} HTTP/1.1\r\n\r\n").as_bytes());
        if name == "drop" {
            assert!(c.is_closed());
        } else {
            let r = c.read_response(false);
            assert_eq!(r.header("x-fault"), Some(name));
        }
    }
}

#[test]
fn fault_plan_log_and_subpaths() {
    let plan = get("/__faultplan?seed=9&from=3&n=4").json();
    let names: Vec<String> = plan["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (3..7)
        .map(|i| projekt_test_server::fault::choose("9", &i.to_string()).to_string())
        .collect();
    assert_eq!(names, expected);
    let mut c = Conn::open();
    let r = c.request(
        "PUT",
        "/s/fp/fault/w/1?kind=timeout_504&req=p1&heal=1",
        &[],
        "{}",
    );
    assert_eq!(r.status, 504);
    let r = c.request(
        "PUT",
        "/s/fp/fault/w/1?kind=timeout_504&req=p1&heal=1",
        &[],
        "{}",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["req"], "p1");
    let log = c.request("GET", "/s/fp/__faults", &[], "").json();
    assert_eq!(log["p1"], serde_json::json!(["PUT timeout_504", "PUT ok"]));
}

#[test]
fn whoami_depends_on_identity_and_lax304_ignores_it() {
    let mut c = Conn::open();
    let a = c.request(
        "GET",
        "/s/who/whoami",
        &[("Authorization", "Bearer pjk_a")],
        "",
    );
    let b = c.request(
        "GET",
        "/s/who/whoami",
        &[("Authorization", "Bearer pjk_b")],
        "",
    );
    assert_ne!(a.json()["who"], b.json()["who"]);
    let tag_a = a.header("etag").unwrap().to_string();
    let r = c.request(
        "GET",
        "/s/who/whoami",
        &[("Authorization", "Bearer pjk_a"), ("If-None-Match", &tag_a)],
        "",
    );
    assert_eq!(r.status, 304);
    let r = c.request(
        "GET",
        "/s/who/whoami",
        &[("Authorization", "Bearer pjk_b"), ("If-None-Match", &tag_a)],
        "",
    );
    assert_eq!(r.status, 200);
    let r = c.request(
        "GET",
        "/s/who/whoami?lax304=1",
        &[("Authorization", "Bearer pjk_b"), ("If-None-Match", &tag_a)],
        "",
    );
    assert_eq!(r.status, 304);
}
