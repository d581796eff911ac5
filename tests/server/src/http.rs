//! Minimal HTTP/1.1 request parsing and response writing.
//!
//! Everything here is defensive: malformed input yields a [`ReadError`], never
//! a panic, and all sizes are bounded.

use std::io::{self, BufRead, Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest accepted request line or header line.
// A request line may carry a fat cursor (route longpages: 300 KB).
const MAX_LINE: u64 = 1024 * 1024;
/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 200;
/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// Headers every response carries (CORS).
pub const EXPOSE_HEADERS: &str = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, \
X-RateLimit-Reset, Allow, Link, X-Request-Count, Content-Length, Location, X-Fault, X-Echo-Token, Vary";

#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection (or went idle) before a request began.
    Closed,
    /// An I/O error in the middle of a request.
    Io,
    /// The request is malformed; answer 400 and close.
    Bad(&'static str),
    /// Head too large (431) or body too large (413); answer and close.
    TooLarge(u16),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Raw path (no query), always starting with `/` (or `*`).
    pub path: String,
    /// Raw query string without the `?` (may be empty).
    pub query: String,
    /// `true` for HTTP/1.1, `false` for HTTP/1.0.
    pub http11: bool,
    /// Header names lower-cased, in arrival order (repeats kept).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// First value of a header (name lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of a header joined with `", "`.
    pub fn header_joined(&self, name: &str) -> Option<String> {
        let vals: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        if vals.is_empty() {
            None
        } else {
            Some(vals.join(", "))
        }
    }

    /// Whether the connection should stay open after this request.
    pub fn keep_alive(&self) -> bool {
        let conn = self
            .header_joined("connection")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let tokens: Vec<&str> = conn.split(',').map(str::trim).collect();
        if tokens.contains(&"close") {
            return false;
        }
        self.http11 || tokens.contains(&"keep-alive")
    }

    /// Parsed query parameters (first occurrence wins in [`Query::get`]).
    pub fn params(&self) -> Query {
        Query::parse(&self.query)
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The bearer token from `Authorization`, if any.
    pub fn bearer(&self) -> Option<String> {
        let v = self.header("authorization")?.trim();
        if v.len() >= 7 && v[..7].eq_ignore_ascii_case("bearer ") {
            Some(v[7..].trim().to_string())
        } else {
            Some(v.to_string())
        }
    }
}

/// The request line and headers, before the body is read.
pub struct Head {
    pub method: String,
    pub target: String,
    pub http11: bool,
    pub headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `true` when the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        self.http11
            && self
                .header("expect")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
    }
}

/// Reads one line (terminated by LF, optional CR) of at most `MAX_LINE` bytes.
/// `Ok(None)` means EOF before any byte.
fn read_line<R: BufRead>(r: &mut R) -> Result<Option<Vec<u8>>, ReadError> {
    let mut buf = Vec::new();
    let n = r.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        if n as u64 >= MAX_LINE {
            return Err(ReadError::TooLarge(431));
        }
        // EOF in the middle of a line.
        return Err(ReadError::Io);
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(buf))
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Reads the request line and the headers.
pub fn read_head<R: BufRead>(r: &mut R) -> Result<Head, ReadError> {
    // Skip (a few) empty lines before the request line, as RFC 9112 allows.
    let mut line = None;
    for _ in 0..4 {
        match read_line(r) {
            Ok(None) => return Err(ReadError::Closed),
            Ok(Some(l)) if l.is_empty() => continue,
            Ok(Some(l)) => {
                line = Some(l);
                break;
            }
            Err(ReadError::Io) => return Err(ReadError::Closed),
            Err(e) => return Err(e),
        }
    }
    let line = line.ok_or(ReadError::Bad("empty request"))?;
    let line = std::str::from_utf8(&line).map_err(|_| ReadError::Bad("request line not UTF-8"))?;
    let mut parts = line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(ReadError::Bad("malformed request line")),
    };
    if method.is_empty() || method.len() > 32 || !method.bytes().all(is_tchar) {
        return Err(ReadError::Bad("bad method"));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(ReadError::Bad("unsupported HTTP version")),
    };
    if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(ReadError::Bad("bad request target"));
    }
    let target = if target.starts_with('/') || target == "*" {
        target.to_string()
    } else if let Some(rest) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        // absolute-form: drop the authority.
        match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => rest[i..].to_string(),
            Some(i) => format!("/{}", &rest[i..]),
            None => "/".to_string(),
        }
    } else {
        return Err(ReadError::Bad("bad request target"));
    };

    let mut headers = Vec::new();
    let mut total = 0usize;
    loop {
        let line = match read_line(r)? {
            None => return Err(ReadError::Io),
            Some(l) => l,
        };
        if line.is_empty() {
            break;
        }
        total += line.len();
        if headers.len() >= MAX_HEADERS || total > 64 * 1024 {
            return Err(ReadError::TooLarge(431));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(ReadError::Bad("obsolete header folding"));
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(ReadError::Bad("header without colon"))?;
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(ReadError::Bad("bad header name"));
        }
        let value = &line[colon + 1..];
        if value.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n') {
            return Err(ReadError::Bad("bad header value"));
        }
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        let value = String::from_utf8_lossy(value)
            .trim_matches([' ', '\t'])
            .to_string();
        headers.push((name, value));
    }
    Ok(Head {
        method: method.to_string(),
        target,
        http11,
        headers,
    })
}

/// Reads the body announced by `head` and builds the [`Request`].
pub fn read_body<R: BufRead>(r: &mut R, head: Head) -> Result<Request, ReadError> {
    let te: Vec<&str> = head
        .headers
        .iter()
        .filter(|(n, _)| n == "transfer-encoding")
        .map(|(_, v)| v.as_str())
        .collect();
    let cls: Vec<&str> = head
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    let body = if !te.is_empty() {
        if !cls.is_empty() {
            return Err(ReadError::Bad("both Transfer-Encoding and Content-Length"));
        }
        let last = te
            .join(",")
            .rsplit(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if last != "chunked" {
            return Err(ReadError::Bad("unsupported transfer coding"));
        }
        read_chunked(r)?
    } else if let Some(first) = cls.first() {
        if cls.iter().any(|v| v != first) {
            return Err(ReadError::Bad("conflicting Content-Length"));
        }
        if first.is_empty() || first.len() > 12 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Bad("bad Content-Length"));
        }
        let len: usize = first
            .parse()
            .map_err(|_| ReadError::Bad("bad Content-Length"))?;
        if len > MAX_BODY {
            return Err(ReadError::TooLarge(413));
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body)?;
        body
    } else {
        Vec::new()
    };
    let (path, query) = match head.target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (head.target.clone(), String::new()),
    };
    Ok(Request {
        method: head.method,
        path,
        query,
        http11: head.http11,
        headers: head.headers,
        body,
    })
}

fn read_chunked<R: BufRead>(r: &mut R) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(r)?.ok_or(ReadError::Io)?;
        let line = String::from_utf8_lossy(&line);
        let size = line.split(';').next().unwrap_or("").trim();
        if size.is_empty() || size.len() > 8 {
            return Err(ReadError::Bad("bad chunk size"));
        }
        let size = usize::from_str_radix(size, 16).map_err(|_| ReadError::Bad("bad chunk size"))?;
        if size == 0 {
            // Trailers until an empty line.
            loop {
                let t = read_line(r)?.ok_or(ReadError::Io)?;
                if t.is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::TooLarge(413));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let crlf = read_line(r)?.ok_or(ReadError::Io)?;
        if !crlf.is_empty() {
            return Err(ReadError::Bad("bad chunk terminator"));
        }
    }
}

/// Query string access.
#[derive(Debug, Default, Clone)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(q: &str) -> Query {
        Query(
            q.split('&')
                .filter(|s| !s.is_empty())
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (decode_component(k), decode_component(v)),
                    None => (decode_component(kv), String::new()),
                })
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `true` for `key=1`, `key=true`, `key=yes` or a bare `key`.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("" | "1" | "true" | "yes"))
    }

    pub fn num<T: std::str::FromStr>(&self, key: &str) -> Option<T> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }
}

/// Percent-decodes a query component (`+` is a space). Invalid escapes are kept.
pub fn decode_component(s: &str) -> String {
    let replaced = s.replace('+', " ");
    percent_decode(&replaced)
}

/// Percent-decodes a path (no `+` handling). Invalid escapes are kept verbatim.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How a response is put on the wire.
#[derive(Debug, Clone)]
pub enum Mode {
    Normal,
    /// Close the connection without writing anything.
    Drop,
    /// Write the head announcing the full `Content-Length`, then only the
    /// first `n` body bytes, then close.
    Truncate(usize),
    /// Write the head, flush, sleep, then write the body.
    SlowBody(Duration),
    /// `Transfer-Encoding: chunked` with the body as a single chunk (or none).
    Chunked,
    /// `Transfer-Encoding: chunked`, the body repeated chunk after chunk up
    /// to `total` bytes (or until the client goes away), each byte written
    /// counted in `sent`: a hostile, oversized or endless body.
    Stream {
        total: u64,
        sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
        /// Announce `Content-Length: total` and write it plain (not chunked).
        sized: bool,
    },
}

/// A response to write.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub mode: Mode,
    /// Sleep this long before writing anything.
    pub delay: Option<Duration>,
    /// Close the connection after this response.
    pub close: bool,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            mode: Mode::Normal,
            delay: None,
            close: false,
        }
    }

    /// A JSON response from already serialised text.
    pub fn json_text(status: u16, text: impl Into<String>) -> Response {
        Response::new(status)
            .header("Content-Type", "application/json")
            .body(text.into().into_bytes())
    }

    /// A JSON response.
    pub fn json(status: u16, v: &serde_json::Value) -> Response {
        Response::json_text(status, v.to_string())
    }

    /// `{"error": msg}`.
    pub fn error(status: u16, msg: &str) -> Response {
        Response::json(status, &serde_json::json!({ "error": msg }))
    }

    pub fn text(status: u16, ctype: &str, text: impl Into<String>) -> Response {
        Response::new(status)
            .header("Content-Type", ctype)
            .body(text.into().into_bytes())
    }

    /// Adds a header. CR, LF and NUL are stripped from the value.
    pub fn header(mut self, name: &str, value: impl AsRef<str>) -> Response {
        self.push_header(name, value.as_ref().as_bytes());
        self
    }

    /// Adds a header with raw bytes (CR, LF and NUL stripped).
    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Response {
        self.push_header(name, value);
        self
    }

    pub fn push_header(&mut self, name: &str, value: &[u8]) {
        let clean: Vec<u8> = value
            .iter()
            .copied()
            .filter(|&b| b != b'\r' && b != b'\n' && b != 0)
            .collect();
        self.headers.push((name.to_string(), clean));
    }

    /// Replaces (or adds) a header.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.push_header(name, value.as_bytes());
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    pub fn body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    pub fn mode(mut self, mode: Mode) -> Response {
        self.mode = mode;
        self
    }
}

/// Statuses whose responses never have a body.
pub fn bodiless(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 205 || status == 304
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

/// Writes `resp`. `head_only` is set for HEAD requests. Returns whether the
/// connection may be kept open afterwards.
pub fn write_response<W: Write>(
    w: &mut W,
    resp: &Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<bool> {
    if let Some(d) = resp.delay {
        std::thread::sleep(d);
    }
    if matches!(resp.mode, Mode::Drop) {
        return Ok(false);
    }
    let keep = keep_alive && !resp.close && !matches!(resp.mode, Mode::Truncate(_));
    let no_body = bodiless(resp.status);
    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(
        format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)).as_bytes(),
    );
    let mut put = |name: &str, value: &[u8]| {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    };
    put("Date", http_date(SystemTime::now()).as_bytes());
    put("Access-Control-Allow-Origin", b"*");
    put("Access-Control-Expose-Headers", EXPOSE_HEADERS.as_bytes());
    for (n, v) in &resp.headers {
        let lower = n.to_ascii_lowercase();
        if lower == "content-length" || lower == "transfer-encoding" || lower == "connection" {
            continue;
        }
        put(n, v);
    }
    let sized = match &resp.mode {
        Mode::Stream {
            total, sized: true, ..
        } => Some(*total),
        _ => None,
    };
    let chunked =
        matches!(resp.mode, Mode::Chunked | Mode::Stream { .. }) && !no_body && sized.is_none();
    if chunked {
        put("Transfer-Encoding", b"chunked");
    } else if let (Some(total), false) = (sized, no_body) {
        put("Content-Length", total.to_string().as_bytes());
    } else if !no_body {
        put("Content-Length", resp.body.len().to_string().as_bytes());
    }
    put(
        "Connection",
        if keep {
            b"keep-alive" as &[u8]
        } else {
            b"close"
        },
    );
    head.extend_from_slice(b"\r\n");

    if head_only || no_body {
        w.write_all(&head)?;
        w.flush()?;
        return Ok(keep);
    }
    match &resp.mode {
        Mode::Normal | Mode::Drop => {
            if resp.body.len() <= 64 * 1024 {
                head.extend_from_slice(&resp.body);
                w.write_all(&head)?;
            } else {
                w.write_all(&head)?;
                w.write_all(&resp.body)?;
            }
        }
        Mode::Chunked => {
            if !resp.body.is_empty() {
                head.extend_from_slice(format!("{:x}\r\n", resp.body.len()).as_bytes());
                head.extend_from_slice(&resp.body);
                head.extend_from_slice(b"\r\n");
            }
            head.extend_from_slice(b"0\r\n\r\n");
            w.write_all(&head)?;
        }
        Mode::Truncate(n) => {
            head.extend_from_slice(&resp.body[..(*n).min(resp.body.len())]);
            w.write_all(&head)?;
        }
        Mode::Stream { total, sent, sized } => {
            w.write_all(&head)?;
            let mut left = *total;
            while left > 0 && !resp.body.is_empty() {
                let n = (resp.body.len() as u64).min(left) as usize;
                if !sized {
                    w.write_all(format!("{n:x}\r\n").as_bytes())?;
                }
                w.write_all(&resp.body[..n])?;
                if !sized {
                    w.write_all(b"\r\n")?;
                }
                sent.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                left -= n as u64;
            }
            if !sized {
                w.write_all(b"0\r\n\r\n")?;
            }
        }
        Mode::SlowBody(d) => {
            w.write_all(&head)?;
            w.flush()?;
            std::thread::sleep(*d);
            w.write_all(&resp.body)?;
        }
    }
    w.flush()?;
    Ok(keep)
}

/// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WD[(days.rem_euclid(7)) as usize],
        d,
        MO[(mo - 1) as usize],
        y,
        h,
        m,
        s
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn parse(raw: &[u8]) -> Result<Request, ReadError> {
        let mut r = BufReader::new(raw);
        let head = read_head(&mut r)?;
        read_body(&mut r, head)
    }

    #[test]
    fn parses_simple_request() {
        let req = parse(b"POST /a/b?x=1&y=%20z HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 3\r\n\r\nabc").unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/a/b");
        assert_eq!(req.query, "x=1&y=%20z");
        assert_eq!(req.header_joined("x-a").unwrap(), "1, 2");
        assert_eq!(req.body, b"abc");
        assert_eq!(req.params().get("y"), Some(" z"));
        assert!(req.keep_alive());
    }

    #[test]
    fn parses_chunked_body() {
        let req = parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap();
        assert_eq!(req.body, b"abcde");
    }

    #[test]
    fn rejects_garbage() {
        for raw in [
            &b"garbage\r\n\r\n"[..],
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET nopath HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"\xff\xfe / HTTP/1.1\r\n\r\n",
        ] {
            assert!(
                matches!(parse(raw), Err(ReadError::Bad(_))),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"),
            Err(ReadError::TooLarge(413))
        ));
    }

    #[test]
    fn decodes_percent_safely() {
        assert_eq!(percent_decode("a%2Fb%"), "a/b%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(decode_component("a+b%2B"), "a b+");
    }

    #[test]
    fn formats_http_date() {
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
