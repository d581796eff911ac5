//! Where the token may go. A request URL is judged the way the browser will
//! read it: resolved as the WHATWG URL parser resolves an `http(s)` path
//! (`/` and `\` both separate segments; `.`, `..`, `%2e` and `.%2E` are dot
//! segments), then it must lie on the base URL's origin and under its path.
//! The resolved URL is what is sent, so the browser has nothing left to
//! resolve differently.

#[allow(unused_imports)]
use crate::prelude::*;

fn eq_ci(s: &str, t: &str) -> bool {
    s.eq_ignore_ascii_case(t)
}

/// `.` or its escape `%2e`.
fn is_single_dot(seg: &str) -> bool {
    seg == "." || eq_ci(seg, "%2e")
}

/// `..`, `.%2e`, `%2e.` or `%2e%2e` (any case).
fn is_double_dot(seg: &str) -> bool {
    matches!(seg.len(), 2 | 4 | 6)
        && (seg == ".." || eq_ci(seg, ".%2e") || eq_ci(seg, "%2e.") || eq_ci(seg, "%2e%2e"))
}

/// Whether a segment, once a server percent-decodes it, holds a `..` step
/// (`..%2F`, `%2E%2E%5C`): the browser keeps it as one segment, but a
/// server or proxy that decodes before it normalises (nginx does) would
/// climb out of the base path.
fn climbs_when_decoded(seg: &str) -> bool {
    if !seg.contains('%') {
        return false;
    }
    let b = seg.as_bytes();
    let mut decoded = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                decoded.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                decoded.push(c);
                i += 1;
            }
        }
    }
    decoded
        .split(|&c| c == b'/' || c == b'\\')
        .any(|p| p == b"..")
}

/// Resolves an `http(s)` URL's path-and-after (`rest`: empty, or starting
/// with `/`, `\`, `?` or `#`) as the WHATWG parser does: the path with its
/// dot segments applied and `\` written as `/`, then the query and fragment
/// untouched. `None` when a segment would climb once decoded.
///
/// ```
/// use projekt_client::scope::resolve;
/// assert_eq!(resolve("/v1/a/../b?x=/../").as_deref(), Some("/v1/b?x=/../"));
/// assert_eq!(resolve("/v1/%2E%2e/x").as_deref(), Some("/x"));
/// assert_eq!(resolve("/v1\\..\\x").as_deref(), Some("/x"));
/// assert_eq!(resolve("/v1/..").as_deref(), Some("/"));
/// assert_eq!(resolve("/v1/..%2Fx"), None);
/// ```
pub fn resolve(rest: &str) -> Option<String> {
    let end = crate::text::pos(rest, b"?#").unwrap_or(rest.len());
    let (path, tail) = rest.split_at(end);
    let mut out = String::with_capacity(rest.len());
    if let Some(body) = path.get(1..) {
        let mut segs: Vec<&str> = Vec::new();
        let mut parts = crate::text::pieces(body, b"/\\").peekable();
        while let Some(seg) = parts.next() {
            let last = parts.peek().is_none();
            if is_double_dot(seg) {
                segs.pop();
                if last {
                    segs.push("");
                }
            } else if is_single_dot(seg) {
                if last {
                    segs.push("");
                }
            } else if climbs_when_decoded(seg) {
                return None;
            } else {
                segs.push(seg);
            }
        }
        for seg in &segs {
            out.push('/');
            out.push_str(seg);
        }
        if segs.is_empty() {
            out.push('/');
        }
    }
    out.push_str(tail);
    Some(out)
}

/// Whether the resolved `path_and_after` lies under `base_path` (`""` or
/// `/a/b`, no trailing slash): the base path itself or below it, never
/// `/a/bc`.
///
/// ```
/// use projekt_client::scope::is_under;
/// assert!(is_under("/v1/issues?x", "/v1"));
/// assert!(is_under("/v1", "/v1"));
/// assert!(!is_under("/v10", "/v1"));
/// assert!(!is_under("/x", "/v1"));
/// assert!(is_under("/anything", ""));
/// ```
pub fn is_under(path_and_after: &str, base_path: &str) -> bool {
    let path = crate::text::before(path_and_after, b"?#");
    match path.strip_prefix(base_path) {
        Some(after) => after.is_empty() || after.starts_with('/') || path.is_empty(),
        None => false,
    }
}

/// Whether fetch may follow a redirect for a request (`redirect: "follow"`)
/// or must stop at it (`"manual"`, an opaque answer): a request that carries
/// an `Authorization` or `X-Org-Id` header or a body is never followed, or
/// the browser would carry them to a target no one checked (the token on a
/// same-origin hop, the org and the body anywhere). Either way a redirect's
/// answer is refused ([`crate::Error::redirect`]); following a bare request
/// only lets a 3xx without `Location` (which fetch does not follow) arrive
/// as itself, an `HttpError` with its status. `src/js/client.js` applies the
/// same rule in its `#attempt`.
///
/// ```
/// use projekt_client::scope::may_follow_redirects;
/// assert!(may_follow_redirects(false, false, false));
/// assert!(!may_follow_redirects(true, false, false));
/// assert!(!may_follow_redirects(false, false, true));
/// ```
pub fn may_follow_redirects(authorization: bool, org: bool, body: bool) -> bool {
    !(authorization || org || body)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_resolve_as_the_browser_resolves_them() {
        for (rest, want) in [
            ("", ""),
            ("?a=1", "?a=1"),
            ("/", "/"),
            ("/v1", "/v1"),
            ("/v1/", "/v1/"),
            ("/v1/.", "/v1/"),
            ("/v1/./x", "/v1/x"),
            ("/v1/%2e/x", "/v1/x"),
            ("/v1/../x", "/x"),
            ("/v1/.%2E/x", "/x"),
            ("/v1/%2E./x", "/x"),
            ("/v1/%2e%2e", "/"),
            ("/../../x", "/x"),
            ("/v1/\\\\127.0.0.2:9/x", "/v1///127.0.0.2:9/x"),
            ("/v1\\..\\..\\x", "/x"),
            ("/v1/x/..#/../..", "/v1/#/../.."),
            ("/v1/...", "/v1/..."),
            ("/v1/.x/x./%2e%2e%2e", "/v1/.x/x./%2e%2e%2e"),
        ] {
            assert_eq!(resolve(rest).as_deref(), Some(want), "{rest}");
        }
    }

    #[test]
    fn a_segment_that_climbs_once_decoded_is_refused() {
        for rest in ["/v1/..%2Fx", "/v1/%2E%2E%2f", "/v1/a%5C..%5Cb", "/v1/..%5c"] {
            assert_eq!(resolve(rest), None, "{rest}");
        }
        for rest in ["/v1/a%2Fb", "/v1/..a%2F", "/v1/%2e%2e%2e"] {
            assert!(resolve(rest).is_some(), "{rest}");
        }
    }

    proptest::proptest! {
        /// What `resolve` emits has nothing left to resolve: the browser
        /// reads the same path from it.
        #[test]
        fn resolving_twice_changes_nothing(rest in "(/|\\\\)[./%2eE\\\\a?#]{0,16}") {
            if let Some(once) = resolve(&rest) {
                proptest::prop_assert_eq!(resolve(&once), Some(once.clone()));
            }
        }
    }
}
