//! Building a request from the caller's input: option validation, URL joining
//! and query encoding. Everything the browser is given is decided here.

#[allow(unused_imports)]
use crate::prelude::*;
use crate::text;

/// Why an option was refused. The message names the problem and never echoes
/// the token.
///
/// ```no_run
/// # #[cfg(target_arch = "wasm32")]
/// # fn demo() {
/// use projekt_client::{Client, ClientOptions};
/// let refused = Client::new(ClientOptions {
///     token: Some("Bearer pjk_live_secret".into()),
///     ..ClientOptions::new("https://api.example.test/v1")
/// });
/// if let Err(e) = refused {
///     // projekt-client: token must not include the "Bearer " prefix; the client adds it
///     assert!(!e.to_string().contains("pjk_live_secret"));
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for ConfigError {}

fn refuse<T>(msg: &str) -> Result<T, ConfigError> {
    Err(ConfigError(msg.to_owned()))
}

/// Checks a token: the API issues `pjk_live_…`; the client adds `Bearer `.
///
/// ```
/// use projekt_client::request::validate_token;
/// assert!(validate_token("pjk_live_abc").is_ok());
/// assert!(validate_token("Bearer pjk_live_abc").is_err());
/// ```
pub fn validate_token(token: &str) -> Result<(), ConfigError> {
    if token.is_empty() {
        return refuse("projekt-client: token must not be empty");
    }
    if token.len() >= 7 && token.as_bytes()[..7].eq_ignore_ascii_case(b"bearer ") {
        return refuse(
            "projekt-client: token must not include the \"Bearer \" prefix; the client adds it",
        );
    }
    if !token.starts_with("pjk_") {
        return refuse(
            "projekt-client: token must be a Projekt API token starting with \"pjk_\" (e.g. pjk_live_…)",
        );
    }
    if token.len() > 4096 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return refuse(
            "projekt-client: token contains whitespace or characters not allowed in a header",
        );
    }
    Ok(())
}

/// Checks an org id: a UUID in its 8-4-4-4-12 hex form.
///
/// ```
/// use projekt_client::request::validate_org_id;
/// assert!(validate_org_id("6f1c1c3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f").is_ok());
/// assert!(validate_org_id("acme").is_err());
/// ```
pub fn validate_org_id(org_id: &str) -> Result<(), ConfigError> {
    let b = org_id.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(())
    } else {
        refuse("projekt-client: orgId must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
    }
}

/// A validated base URL: absolute http(s), without a trailing slash, query or
/// fragment; its origin as the browser reads it (lower case, no default
/// port) and its path with dot segments resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    url: String,
    origin_len: usize,
    loopback: bool,
    https: bool,
}

impl BaseUrl {
    /// Parses and checks `baseUrl`. The host is judged as the WHATWG parser
    /// reads it: a `\` (which the browser reads as `/`) and anything it
    /// would decode or map in a host (`%`, non-ASCII, `@`) are refused, so the
    /// host checked here is the host the browser connects to.
    ///
    /// ```
    /// use projekt_client::request::BaseUrl;
    /// let base = BaseUrl::parse("https://api.example.test/v1/").unwrap();
    /// assert_eq!(base.as_str(), "https://api.example.test/v1");
    /// assert_eq!(BaseUrl::parse("HTTP://Host:080/a/./b/../c").unwrap().as_str(), "http://host/a/c");
    /// assert!(BaseUrl::parse("/v1").is_err());
    /// assert!(BaseUrl::parse("ftp://x").is_err());
    /// assert!(BaseUrl::parse("http://evil.example\\.localhost/v1").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<BaseUrl, ConfigError> {
        let s = input.trim_ascii();
        if s.is_empty() {
            return refuse(
                "projekt-client: baseUrl is required (e.g. \"https://api.example.com/v1\")",
            );
        }
        let lower = s.to_ascii_lowercase();
        let (scheme_len, https) = if lower.starts_with("https://") {
            (8, true)
        } else if lower.starts_with("http://") {
            (7, false)
        } else if crate::text::find(&lower, "://").is_some() {
            return refuse("projekt-client: baseUrl must use http: or https:");
        } else {
            return refuse(
                "projekt-client: baseUrl must be an absolute http(s) URL, not a relative path",
            );
        };
        if s.bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return refuse("projekt-client: baseUrl must not contain whitespace");
        }
        if s.contains('\\') {
            // The browser reads `\` as `/`: `http://evil.example\.localhost`
            // is evil.example. Nobody means one in a base URL.
            return refuse("projekt-client: baseUrl must not contain a backslash");
        }
        let rest = &s[scheme_len..];
        let (authority, path) = text::split_at_any(rest, b"/?#");
        let host = host_of(authority);
        // `host_of` keeps the authority's length, so what follows is the port.
        let port = match authority.get(host.len()..).unwrap_or("").strip_prefix(':') {
            None if authority.len() == host.len() => None,
            Some("") => None,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
                match text::trim_start(p, b"0").parse::<u16>() {
                    Ok(n) => Some(n),
                    Err(_) if p.bytes().all(|b| b == b'0') => Some(0),
                    Err(_) => return refuse("projekt-client: baseUrl has a port above 65535"),
                }
            }
            _ => return refuse("projekt-client: baseUrl must name a host (and no user:password@)"),
        };
        let plain_host = host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
        let ipv6 = host.len() > 2
            && host.starts_with('[')
            && host.ends_with(']')
            && host[1..host.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if host.is_empty() || !(plain_host || ipv6) {
            return refuse(
                "projekt-client: baseUrl must name a plain host (ASCII letters, digits, dots, hyphens, or an [IPv6] literal; no user:password@, no %-escapes)",
            );
        }
        let default_port = if https { 443 } else { 80 };
        let mut origin = crate::text::concat(&[&lower[..scheme_len], &host]);
        if let Some(p) = port.filter(|p| *p != default_port) {
            origin.push(':');
            text::push_u64(&mut origin, p.into());
        }
        let path = text::before(path, b"?#");
        let Some(path) = crate::scope::resolve(path) else {
            return refuse("projekt-client: baseUrl's path must not hold an encoded \"..\" step");
        };
        let path = text::trim_end(&path, b"/");
        Ok(BaseUrl {
            origin_len: origin.len(),
            url: crate::text::concat(&[&origin, path]),
            loopback: is_loopback_host(&host),
            https,
        })
    }

    /// The URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> &str {
        &self.url[..self.origin_len]
    }

    /// The base path: `""` or `/a/b`, without a trailing slash.
    pub fn path(&self) -> &str {
        &self.url[self.origin_len..]
    }

    /// Whether a token may be sent here: over https, or plain http to this
    /// machine (`localhost`, `*.localhost`, a dotted-quad `127.a.b.c`,
    /// `[::1]`; not `127.evil.example`).
    pub fn is_secure_for_tokens(&self) -> bool {
        self.https || self.loopback
    }

    /// Joins a request path onto the base and returns the URL to send, as the
    /// browser will read it ([`crate::scope`]): on the base URL's origin and
    /// under its path, or a refusal. `path` may start with `/` or not; an
    /// absolute URL (a pagination `Link`, a `next` URL) must name the base
    /// URL's origin exactly. Control characters are refused (the browser
    /// would drop a tab or newline and so join `.` and `.` into `..`).
    ///
    /// ```
    /// use projekt_client::request::BaseUrl;
    /// let base = BaseUrl::parse("https://api.test/v1").unwrap();
    /// assert_eq!(base.join("/issues/7").unwrap(), "https://api.test/v1/issues/7");
    /// assert_eq!(base.join("issues").unwrap(), "https://api.test/v1/issues");
    /// assert_eq!(base.join("a/../issues").unwrap(), "https://api.test/v1/issues");
    /// assert!(base.join("../x").is_err());
    /// assert!(base.join("%2e%2e/x").is_err());
    /// assert!(base.join("https://api.test/v1/../outside").is_err());
    /// assert!(base.join("https://evil.test/v1/x").is_err());
    /// ```
    pub fn join(&self, path: &str) -> Result<String, ConfigError> {
        if path.bytes().any(|b| b.is_ascii_control()) {
            return refuse("projekt-client: path must not contain control characters");
        }
        // The parser trims trailing spaces off the whole URL, and this end of
        // the URL is the path's.
        let sep = if path.is_empty() || path.starts_with(['/', '?', '#']) {
            ""
        } else {
            "/"
        };
        let path = text::trim_end(path, b" ");
        let head = path
            .as_bytes()
            .get(..8)
            .unwrap_or(path.as_bytes())
            .to_ascii_lowercase();
        let absolute =
            path.starts_with("//") || head.starts_with(b"http://") || head.starts_with(b"https://");
        let joined;
        let rest = if absolute {
            let origin = self.origin();
            let same_origin = path.len() >= origin.len()
                && path.is_char_boundary(origin.len())
                && path[..origin.len()].eq_ignore_ascii_case(origin)
                && matches!(
                    path.as_bytes().get(origin.len()),
                    None | Some(b'/' | b'?' | b'#')
                );
            if !same_origin {
                return Err(self.outside(path, None));
            }
            &path[origin.len()..]
        } else {
            joined = crate::text::concat(&[self.path(), sep, path]);
            &joined
        };
        match crate::scope::resolve(rest) {
            Some(resolved) if crate::scope::is_under(&resolved, self.path()) => {
                Ok(crate::text::concat(&[self.origin(), &resolved]))
            }
            resolved => Err(self.outside(path, resolved.as_deref())),
        }
    }

    /// The refusal for a path that leaves the base URL: it names the input
    /// and where it resolves, with any token in them redacted.
    fn outside(&self, input: &str, resolved: Option<&str>) -> ConfigError {
        use crate::redact::redact_tokens;
        let mut m = String::from("projekt-client: refused to send a request outside baseUrl ");
        m.push_str(&self.url);
        m.push_str(": \"");
        let shown: String = input.chars().take(200).collect();
        m.push_str(&redact_tokens(&shown));
        m.push('"');
        match resolved {
            Some(r) => {
                m.push_str(" resolves to ");
                let r: String = crate::text::before(r, b"?#").chars().take(200).collect();
                m.push_str(&redact_tokens(&r));
            }
            None if input.contains('%') => {
                m.push_str(" holds an encoded \"..\" step a server would climb with");
            }
            None => m.push_str(" names another origin"),
        }
        m.push_str(" (the token is only sent under baseUrl)");
        ConfigError(m)
    }
}

fn host_of(authority: &str) -> String {
    let a = authority.to_ascii_lowercase();
    if a.starts_with('[') {
        match text::pos(&a, b"]") {
            Some(end) => a[..=end].to_owned(),
            None => a,
        }
    } else {
        text::before(&a, b":").to_owned()
    }
}

/// Percent-encodes like `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
/// Spaces become `%20` (not `+`), unicode is UTF-8 encoded.
///
/// ```
/// assert_eq!(projekt_client::request::encode_component("a b/ü"), "a%20b%2F%C3%BC");
/// ```
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || text::is_in(b, b"-_.!~*'()") {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// Appends query pairs to a URL (`?` or `&` as needed). Arrays arrive here as
/// repeated pairs (`tags=a&tags=b`), the form the Projekt API reads.
///
/// ```
/// use projekt_client::request::append_query;
/// let pairs = vec![("q".to_string(), "a b".to_string()), ("tag".to_string(), "x".to_string()), ("tag".to_string(), "y".to_string())];
/// assert_eq!(append_query("https://a.test/v1/issues", &pairs), "https://a.test/v1/issues?q=a%20b&tag=x&tag=y");
/// assert_eq!(append_query("https://a.test/x?a=1", &pairs[..1]), "https://a.test/x?a=1&q=a%20b");
/// ```
pub fn append_query(url: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return url.to_owned();
    }
    let (base, fragment) = text::split_at_any(url, b"#");
    let mut out = String::with_capacity(base.len() + 16 * pairs.len());
    out.push_str(base);
    let mut sep = if text::pos(base, b"?").is_some() {
        if matches!(base.as_bytes().last(), Some(b'?' | b'&')) {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    for (k, v) in pairs {
        out.push_str(sep);
        out.push_str(&encode_component(k));
        out.push('=');
        out.push_str(&encode_component(v));
        sep = "&";
    }
    out.push_str(fragment);
    out
}

/// Sets one query parameter (replacing every existing value of it), keeping
/// the others in order. Used to ask for the next page.
///
/// ```
/// use projekt_client::request::set_query_param;
/// assert_eq!(set_query_param("https://a.test/x?page=1&q=a", "page", "2"), "https://a.test/x?q=a&page=2");
/// assert_eq!(set_query_param("https://a.test/x", "cursor", "c 1"), "https://a.test/x?cursor=c%201");
/// ```
pub fn set_query_param(url: &str, name: &str, value: &str) -> String {
    let (url, fragment) = text::split_at_any(url, b"#");
    let (path, query) = text::cut(url, b'?').unwrap_or((url, ""));
    let encoded = encode_component(name);
    let mut out = String::from(path);
    let mut sep = '?';
    for pair in text::pieces(query, b"&").filter(|p| !p.is_empty()) {
        let key = text::before(pair, b"=");
        if key == encoded || key == name {
            continue;
        }
        out.push(sep);
        out.push_str(pair);
        sep = '&';
    }
    out.push(sep);
    out.push_str(&encoded);
    out.push('=');
    out.push_str(&encode_component(value));
    out.push_str(fragment);
    out
}

/// The path part of an absolute URL (for cache invalidation and messages).
pub fn path_of(url: &str) -> &str {
    let after_scheme = crate::text::find(url, "://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[after_scheme..];
    let start = text::pos(rest, b"/").map_or(url.len(), |i| after_scheme + i);
    text::before(&url[start..], b"?#")
}

/// The origin of an absolute URL (`scheme://host[:port]`), for joining a
/// root-relative `next` link onto the page it came from. A string with no
/// path is returned whole.
pub fn origin_of(url: &str) -> &str {
    let start = crate::text::find(url, "://").map_or(0, |i| i + 3);
    match url.get(start..).and_then(|rest| text::pos(rest, b"/")) {
        Some(i) => url.get(..start + i).unwrap_or(url),
        None => url,
    }
}

/// Whether a write to the path `written` can change what a GET of `path`
/// returns: the same resource, or the collection it belongs to (trailing
/// slashes ignored). A GET of such a path skips the ETag cache while the
/// write is in flight.
pub fn write_affects(written: &str, path: &str) -> bool {
    let w = text::trim_end(written, b"/");
    let p = text::trim_end(path, b"/");
    if w == p {
        return true;
    }
    let parent = text::rpos(w, b'/').map_or("", |i| &w[..i]);
    p == parent
}

/// Normalises a method name: the standard ones upper-cased (as fetch does),
/// anything else checked to be a token.
pub fn normalise_method(method: &str) -> Result<String, ConfigError> {
    let upper = method.to_ascii_uppercase();
    match upper.as_str() {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => Ok(upper),
        _ if !method.is_empty()
            && method.len() <= 32
            && method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || text::is_in(b, b"!#$%&'*+-.^_`|~")) =>
        {
            if upper == "CONNECT" || upper == "TRACE" || upper == "TRACK" {
                refuse("projekt-client: method is not allowed by fetch")
            } else {
                Ok(method.to_owned())
            }
        }
        _ => refuse("projekt-client: method must be an HTTP method name such as GET or POST"),
    }
}

/// `localhost`, `*.localhost`, `[::1]`, or an IPv4 literal `127.a.b.c` (four
/// decimal octets): a name such as `127.attacker.example` is not loopback.
fn is_loopback_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") || h == "[::1]" {
        return true;
    }
    let octets: Vec<&str> = text::pieces(&h, b".").collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets.iter().all(|o| {
            (1..=3).contains(&o.len())
                && o.bytes().all(|b| b.is_ascii_digit())
                && o.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn origin_of_cuts_at_the_path() {
        assert_eq!(
            origin_of("https://api.test:8443/v1/issues?x=1"),
            "https://api.test:8443"
        );
        assert_eq!(origin_of("http://127.0.0.1:5/"), "http://127.0.0.1:5");
        assert_eq!(origin_of("https://api.test"), "https://api.test");
        assert_eq!(origin_of("/only/a/path"), "");
        assert_eq!(origin_of(""), "");
    }

    #[test]
    fn a_write_affects_itself_and_its_collection_only() {
        assert!(write_affects("/v1/issues/7", "/v1/issues/7"));
        assert!(write_affects("/v1/issues/7/", "/v1/issues/7"));
        assert!(write_affects("/v1/issues/7", "/v1/issues"));
        assert!(write_affects("/v1/issues/7", "/v1/issues/"));
        assert!(!write_affects("/v1/issues/7", "/v1/issues/8"));
        assert!(!write_affects("/v1/issues/7", "/v1"));
        assert!(!write_affects("/v1/issues/7", "/v1/issues/7/comments"));
        assert!(write_affects("/v1/issues", "/v1"));
        assert!(!write_affects("", "/v1"));
        assert!(write_affects("", ""));
    }

    #[test]
    fn loopback_is_only_this_machine() {
        for yes in [
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://app.localhost/v1",
            "http://127.0.0.1:1/x",
            "http://127.1.2.3",
            "http://[::1]:9/",
        ] {
            assert!(BaseUrl::parse(yes).unwrap().is_secure_for_tokens(), "{yes}");
        }
        for no in [
            "http://127.attacker.example/v1",
            "http://127.0.0.1.nip.io/v1",
            "http://127.0.0.256",
            "http://127.0.0",
            "http://localhost.evil.test",
            "http://example.com",
            "http://[::2]",
        ] {
            assert!(!BaseUrl::parse(no).unwrap().is_secure_for_tokens(), "{no}");
        }
        assert!(BaseUrl::parse("https://127.attacker.example")
            .unwrap()
            .is_secure_for_tokens());
    }

    #[test]
    fn tokens() {
        assert!(validate_token("pjk_live_abc123").is_ok());
        assert!(validate_token("pjk_test_x").is_ok());
        for bad in [
            "",
            "live_abc",
            "Bearer pjk_live_x",
            "bearer pjk_live_x",
            "pjk_live x",
            "pjk_\n",
        ] {
            let err = validate_token(bad).unwrap_err();
            if bad.len() > 4 {
                assert!(!err.0.contains(bad), "message echoes token: {}", err.0);
            }
        }
        assert!(validate_token("Bearer pjk_x")
            .unwrap_err()
            .0
            .contains("Bearer"));
        assert!(validate_token("").unwrap_err().0.contains("empty"));
    }

    #[test]
    fn org_ids() {
        assert!(validate_org_id("00000000-0000-0000-0000-000000000000").is_ok());
        assert!(validate_org_id("6F1C1C3E-2A4B-4C5D-8E9F-0A1B2C3D4E5F").is_ok());
        for bad in [
            "",
            "x",
            "00000000000000000000000000000000",
            "00000000-0000-0000-0000-00000000000g",
            "{00000000-0000-0000-0000-000000000000}",
        ] {
            assert!(validate_org_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_urls() {
        let b = BaseUrl::parse("http://127.0.0.1:8080/s/x/").unwrap();
        assert_eq!(b.as_str(), "http://127.0.0.1:8080/s/x");
        assert_eq!(b.origin(), "http://127.0.0.1:8080");
        assert!(b.is_secure_for_tokens());
        assert!(!BaseUrl::parse("http://api.example.com")
            .unwrap()
            .is_secure_for_tokens());
        assert!(BaseUrl::parse("https://api.example.com")
            .unwrap()
            .is_secure_for_tokens());
        assert!(
            BaseUrl::parse("HTTPS://API.example.com/V1")
                .unwrap()
                .as_str()
                == "https://api.example.com/V1"
        );
        for bad in [
            "",
            "  ",
            "/v1",
            "api.example.com",
            "ftp://x.test",
            "javascript:alert(1)",
            "https://",
            "https://u:p@x.test",
            "https://x .test",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(BaseUrl::parse("ws://x.test")
            .unwrap_err()
            .0
            .contains("http"));
    }

    #[test]
    fn joining() {
        let b = BaseUrl::parse("https://api.test/v1").unwrap();
        assert_eq!(b.join("").unwrap(), "https://api.test/v1");
        assert_eq!(b.join("?a=1").unwrap(), "https://api.test/v1?a=1");
        assert_eq!(
            b.join("https://api.test/v1/issues?page=2").unwrap(),
            "https://api.test/v1/issues?page=2"
        );
        assert_eq!(
            b.join("HTTPS://API.TEST/v1/issues").unwrap(),
            "https://api.test/v1/issues"
        );
        assert!(b.join("https://api.test/v2/issues").is_err());
        assert!(b.join("https://api.test/v1x/issues").is_err());
        assert!(b.join("https://api.test.evil/v1").is_err());
        assert!(b.join("//evil.test/v1").is_err());
        assert!(b.join("a\nb").is_err());
    }

    #[test]
    fn no_path_leaves_the_base_path_or_origin() {
        let b = BaseUrl::parse("http://127.0.0.1:4000/s/x/v1").unwrap();
        for escape in [
            "../x",
            "/../x",
            "%2e%2e/x",
            "%2E%2E/%2e%2e/x",
            ".%2e/x",
            "a/../../x",
            "..\\x",
            "\\..\\..\\x",
            "..",
            "..%2Fx",
            "http://127.0.0.1:4000/s/x/v1/../outside",
            "http://127.0.0.1:4000/s/x/v1/%2e%2e/outside",
            "http://127.0.0.1:4000/s/x/v1\\..\\outside",
            "http://127.0.0.1:4000/s/x/v1x",
            "http://127.0.0.1:4000\\@127.0.0.2:9/s/x/v1",
            "http://127.0.0.1:4000@127.0.0.2:9/s/x/v1",
            "http://127.0.0.1:40000/s/x/v1",
            "//127.0.0.2:9/x",
            "https://127.0.0.1:4000/s/x/v1",
            "../x ",
        ] {
            let e = b.join(escape).expect_err(escape);
            assert!(e.0.contains("outside baseUrl"), "{escape}: {}", e.0);
        }
        assert!(b.join("x/\t../../y").is_err());
        assert!(b.join("x/.\n./../y").is_err());
        // Look like another host, but the browser reads them as paths on the API's origin.
        for (path, want) in [
            (
                "\\\\127.0.0.2:9/x",
                "http://127.0.0.1:4000/s/x/v1///127.0.0.2:9/x",
            ),
            (
                "/\\127.0.0.2:9/x",
                "http://127.0.0.1:4000/s/x/v1//127.0.0.2:9/x",
            ),
            (
                "http:127.0.0.2/x",
                "http://127.0.0.1:4000/s/x/v1/http:127.0.0.2/x",
            ),
            (
                "http:\\\\127.0.0.2/x",
                "http://127.0.0.1:4000/s/x/v1/http://127.0.0.2/x",
            ),
            ("a/./b/../c", "http://127.0.0.1:4000/s/x/v1/a/c"),
            (
                "http://127.0.0.1:4000/s/x/v1/a/../b?c=/../..",
                "http://127.0.0.1:4000/s/x/v1/b?c=/../..",
            ),
            ("x/..", "http://127.0.0.1:4000/s/x/v1/"),
        ] {
            assert_eq!(b.join(path).unwrap(), want, "{path}");
        }
    }

    #[test]
    fn a_refusal_names_the_path_but_never_a_token() {
        let b = BaseUrl::parse("https://api.test/v1").unwrap();
        let e = b.join("../pjk_live_secret/x").unwrap_err().0;
        assert!(
            !e.contains("pjk_live_secret") && e.contains("[redacted]"),
            "{e}"
        );
        assert!(e.contains("resolves to /[redacted]/x"), "{e}");
        let e = b
            .join("https://evil.test/?t=pjk_live_secret")
            .unwrap_err()
            .0;
        assert!(!e.contains("secret") && e.contains("another origin"), "{e}");
    }

    #[test]
    fn the_base_host_is_the_host_the_browser_connects_to() {
        for bad in [
            "http://evil.example\\.localhost/v1",
            "http://evil.example%2elocalhost/v1",
            "http://127.0.0.1%2f@evil/v1",
            "http://ex\u{e4}mple.localhost/v1",
            "http://localhost:99999/v1",
            "http://localhost:8o/v1",
            "https://[::1/v1",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
        let b = BaseUrl::parse("HTTP://LocalHost:0080/a/./b/%2e%2e/c/").unwrap();
        assert_eq!(b.as_str(), "http://localhost/a/c");
        assert_eq!(b.origin(), "http://localhost");
        assert_eq!(b.path(), "/a/c");
        assert_eq!(
            BaseUrl::parse("https://h:443").unwrap().as_str(),
            "https://h"
        );
        assert_eq!(
            BaseUrl::parse("https://h:8443/").unwrap().as_str(),
            "https://h:8443"
        );
        assert_eq!(
            BaseUrl::parse("http://[::1]:9/v1").unwrap().origin(),
            "http://[::1]:9"
        );
    }

    #[test]
    fn query_encoding() {
        let pairs = vec![
            ("q".to_string(), "ünï cödé & more=1".to_string()),
            ("a b".to_string(), "".to_string()),
        ];
        assert_eq!(
            append_query("https://x.test/p#frag", &pairs),
            "https://x.test/p?q=%C3%BCn%C3%AF%20c%C3%B6d%C3%A9%20%26%20more%3D1&a%20b=#frag"
        );
        assert_eq!(
            append_query("https://x.test/p?", &pairs[1..]),
            "https://x.test/p?a%20b="
        );
        assert_eq!(encode_component("😀"), "%F0%9F%98%80");
    }

    #[test]
    fn paths() {
        assert_eq!(path_of("https://a.test/v1/x?y=1#z"), "/v1/x");
        assert_eq!(path_of("https://a.test"), "");
        assert_eq!(path_of("garbage"), "");
    }

    #[test]
    fn methods() {
        assert_eq!(normalise_method("get").unwrap(), "GET");
        assert_eq!(normalise_method("patch").unwrap(), "PATCH");
        assert_eq!(normalise_method("PROPFIND").unwrap(), "PROPFIND");
        assert!(normalise_method("").is_err());
        assert!(normalise_method("GE T").is_err());
        assert!(normalise_method("connect").is_err());
    }

    proptest::proptest! {
        #[test]
        fn nothing_panics(s in ".*", t in ".*") {
            let _ = validate_token(&s);
            let _ = validate_org_id(&s);
            let _ = normalise_method(&s);
            let _ = path_of(&s);
            if let Ok(b) = BaseUrl::parse(&s) {
                let _ = b.join(&t);
            }
            let base = BaseUrl::parse("https://api.test/v1").unwrap();
            if let Ok(url) = base.join(&t) {
                // Whatever was accepted is under the base, and the browser
                // has nothing left to resolve in it.
                let rest = url.strip_prefix("https://api.test").unwrap_or("-");
                proptest::prop_assert!(crate::scope::is_under(rest, "/v1"), "{} from {:?}", url, t);
                let again = crate::scope::resolve(rest);
                proptest::prop_assert_eq!(again.as_deref(), Some(rest));
            }
            let enc = encode_component(&t);
            proptest::prop_assert!(enc.bytes().all(|b| b.is_ascii_graphic()));
        }
    }
}
