//! The error envelope (`{"error": "...", "errors": {...}}`): what a non-2xx body
//! adds to the status. Bodies are untrusted: anything that is not the envelope
//! yields `None`s here, and the status alone still decides the class.

#[allow(unused_imports)]
use crate::prelude::*;

/// A JSON value reduced to what the envelope needs. The browser's `JSON.parse`
/// produces the value; the web layer converts only the `errors` member into
/// this shape (bounded by [`MAX_FIELDS`] and [`MAX_DEPTH`]), so a 10 MB body
/// never crosses into Rust.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    /// `null`, `true`, `false`: no message.
    Null,
    /// A number, kept as text so `42` becomes the message `"42"`.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    List(Vec<Raw>),
    /// An object, members in source order.
    Map(Vec<(String, Raw)>),
}

/// At most this many field keys are read from an `errors` map.
pub const MAX_FIELDS: usize = 1000;
/// Nested `errors` objects deeper than this are ignored.
pub const MAX_DEPTH: usize = 8;
/// At most this many messages are kept per field.
pub const MAX_MESSAGES: usize = 100;

/// Segments that reach an object's prototype.
pub(crate) const FORBIDDEN_PARTS: [&str; 3] = ["__proto__", "constructor", "prototype"];

/// Keys that would reach an object's prototype when set on a plain JS object,
/// or when handed to a path setter: lodash's `set` (splits on `.`, `[`, `]`
/// and unquotes a quoted bracket part) and react-hook-form's `setError`
/// (drops `"`, `'`, `|`, `]`, then splits on `.` and `[`).
pub(crate) fn is_dangerous_key(key: &str) -> bool {
    let forbidden = |p: &str| FORBIDDEN_PARTS.contains(&p);
    if crate::text::pieces(key, b".[]").any(|p| forbidden(crate::text::trim(p, b"\"'"))) {
        return true;
    }
    let dropped: String = key
        .chars()
        .filter(|c| !matches!(c, '"' | '\'' | '|' | ']'))
        .collect();
    crate::text::pieces(&dropped, b".[").any(forbidden)
}

/// The envelope's `error` text, when it is a non-blank string.
///
/// ```
/// use projekt_client::envelope::{error_text, Raw};
/// assert_eq!(error_text(Some(&Raw::Str("Not found".into()))), Some("Not found"));
/// assert_eq!(error_text(Some(&Raw::Num(42.0))), None);
/// ```
pub fn error_text(error: Option<&Raw>) -> Option<&str> {
    match error {
        Some(Raw::Str(s)) if !s.chars().all(char::is_whitespace) => Some(s.as_str()),
        _ => None,
    }
}

/// Normalises an `errors` member into a flat field → messages list.
///
/// Servers drift from the documented shape, so this accepts: arrays of
/// strings (the documented form), a single string, numbers (as text), and
/// nested objects (flattened to dotted keys, `{"items": {"0": {"name": [..]}}}`
/// → `items.0.name`). Keys touching `__proto__`, `constructor` or `prototype`
/// are dropped: they would poison the plain object handed to JavaScript.
pub fn field_errors(errors: &Raw) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    if let Raw::Map(members) = errors {
        flatten("", members, 0, &mut out);
    }
    out
}

fn flatten(
    prefix: &str,
    members: &[(String, Raw)],
    depth: usize,
    out: &mut Vec<(String, Vec<String>)>,
) {
    for (key, value) in members {
        if out.len() >= MAX_FIELDS {
            return;
        }
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            crate::text::concat(&[prefix, ".", key])
        };
        if key.is_empty() || is_dangerous_key(&key) {
            continue;
        }
        match value {
            Raw::Map(inner) if depth < MAX_DEPTH => flatten(&key, inner, depth + 1, out),
            Raw::Map(_) => {}
            other => {
                let mut messages = Vec::new();
                collect_messages(other, &mut messages);
                if !messages.is_empty() {
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        // `"a.b"` and `{"a": {"b": ..}}` (or a repeated key)
                        // flatten to one field: the cap holds for the sum.
                        Some((_, existing)) => {
                            let room = MAX_MESSAGES.saturating_sub(existing.len());
                            existing.extend(messages.into_iter().take(room));
                        }
                        None => out.push((key, messages)),
                    }
                }
            }
        }
    }
}

fn collect_messages(value: &Raw, out: &mut Vec<String>) {
    match value {
        Raw::Str(s) if out.len() < MAX_MESSAGES => out.push(s.clone()),
        Raw::Num(n) if out.len() < MAX_MESSAGES && n.is_finite() => {
            out.push(crate::date::format_number(*n))
        }
        Raw::List(items) => {
            for item in items {
                // One level only: a list of lists is not a message list.
                if !matches!(item, Raw::List(_)) {
                    collect_messages(item, out);
                }
            }
        }
        _ => {}
    }
}

/// The documented 403 causes, recognised trimmed and case-insensitively.
///
/// ```
/// use projekt_client::envelope::forbidden_reason;
/// assert_eq!(forbidden_reason(" api key bound to a different organization "), Some("org_mismatch"));
/// assert_eq!(forbidden_reason("Nope"), None);
/// ```
pub fn forbidden_reason(message: &str) -> Option<&'static str> {
    let m = message.trim_ascii();
    if m.eq_ignore_ascii_case("API key bound to a different organization") {
        Some("org_mismatch")
    } else if normalise_dash(m)
        .eq_ignore_ascii_case("Not available for API key auth - use a user session")
    {
        Some("session_required")
    } else {
        None
    }
}

/// The documentation writes the session message with an em dash; accept an en
/// dash or a hyphen too, since proxies and editors swap them.
fn normalise_dash(s: &str) -> String {
    crate::text::replace(&crate::text::replace(s, "\u{2014}", "-"), "\u{2013}", "-")
}

/// The methods of an `Allow` header, upper-cased, empties dropped.
///
/// ```
/// assert_eq!(projekt_client::envelope::parse_allow("get, POST ,,head"), vec!["GET", "POST", "HEAD"]);
/// ```
pub fn parse_allow(header: &str) -> Vec<String> {
    crate::text::pieces(header, b",")
        .map(str::trim_ascii)
        .filter(|m| !m.is_empty() && m.len() <= 32 && m.bytes().all(|b| b.is_ascii_graphic()))
        .map(|m| m.to_ascii_uppercase())
        .take(64)
        .collect()
}

/// Replaces every occurrence of `secret` in `text` with `[redacted]`.
///
/// Servers sometimes echo the credential they rejected; the token must never
/// reach an error's message, properties or logs.
///
/// ```
/// use projekt_client::envelope::redact;
/// assert_eq!(redact("bad token pjk_live_x", Some("pjk_live_x")), "bad token [redacted]");
/// ```
pub fn redact<'a>(text: &'a str, secret: Option<&str>) -> alloc::borrow::Cow<'a, str> {
    match secret {
        Some(s) if crate::text::find(text, s).is_some() => {
            crate::text::replace(text, s, "[redacted]").into()
        }
        _ => text.into(),
    }
}

/// The typed error an error status makes from its (untrusted) envelope:
/// `error` (the envelope's `error` member) as the message, the token
/// redacted, or a message made from the status; and per class the field map
/// (from `errors`, for a 422), the forbidden reason or the `Allow` methods
/// (from the `allow` header). The caller adds the request, attempts and
/// headers.
pub fn to_error(
    status: u16,
    error: Option<&Raw>,
    errors: &Raw,
    token: Option<&str>,
    allow: Option<&str>,
) -> crate::Error {
    use crate::status::Kind;
    let kind = Kind::from_status(status).unwrap_or(Kind::Http);
    let message = match error_text(error) {
        Some(m) => redact(m, token).into_owned(),
        None => crate::status::status_message(status),
    };
    let mut err = crate::Error::new(kind, status, message);
    match kind {
        Kind::Validation => {
            err.field_errors = field_errors(errors);
            if let Some(t) = token {
                for (_, messages) in err.field_errors.iter_mut() {
                    for m in messages.iter_mut() {
                        if crate::text::find(m, t).is_some() {
                            *m = redact(m, Some(t)).into_owned();
                        }
                    }
                }
            }
        }
        Kind::Forbidden => {
            err.reason = error_text(error).and_then(forbidden_reason);
        }
        Kind::MethodNotAllowed => {
            err.allow = allow.map(parse_allow).unwrap_or_default();
        }
        _ => {}
    }
    err
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn s(v: &str) -> Raw {
        Raw::Str(v.into())
    }

    #[test]
    fn the_message_cap_holds_for_keys_that_flatten_together() {
        let many = || Raw::List((0..MAX_MESSAGES).map(|i| Raw::Num(i as f64)).collect());
        let errors = Raw::Map(vec![
            ("a.b".into(), many()),
            ("a".into(), Raw::Map(vec![("b".into(), many())])),
            ("a.b".into(), many()),
        ]);
        let out = field_errors(&errors);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1.len(), MAX_MESSAGES);
    }

    #[test]
    fn keys_a_path_setter_would_send_to_the_prototype_are_dropped() {
        for key in [
            "a[\"__proto__\"].x",
            "a['constructor']",
            "a[b.__proto__]",
            "__proto|__.x",
            "a.prototype]",
        ] {
            let errors = Raw::Map(vec![(key.into(), s("bad"))]);
            assert!(field_errors(&errors).is_empty(), "{key}");
        }
        let errors = Raw::Map(vec![("it's.\"quoted\"".into(), s("ok"))]);
        assert_eq!(field_errors(&errors).len(), 1);
    }

    #[test]
    fn documented_map_is_kept_in_order() {
        let raw = Raw::Map(vec![
            (
                "title".into(),
                Raw::List(vec![s("The title field is required")]),
            ),
            ("priority".into(), Raw::List(vec![s("a"), s("b")])),
        ]);
        assert_eq!(
            field_errors(&raw),
            vec![
                (
                    "title".into(),
                    vec!["The title field is required".to_string()]
                ),
                ("priority".into(), vec!["a".to_string(), "b".to_string()]),
            ]
        );
    }

    #[test]
    fn drifted_shapes_are_normalised() {
        let raw = Raw::Map(vec![
            ("title".into(), s("a string not array")),
            (
                "nested".into(),
                Raw::Map(vec![("a".into(), Raw::List(vec![s("x")]))]),
            ),
            ("n".into(), Raw::List(vec![Raw::Num(1.0), Raw::Num(2.5)])),
            ("__proto__".into(), Raw::List(vec![s("polluted")])),
            ("a.constructor".into(), Raw::List(vec![s("polluted")])),
            ("empty".into(), Raw::List(vec![])),
            ("null".into(), Raw::Null),
        ]);
        assert_eq!(
            field_errors(&raw),
            vec![
                ("title".into(), vec!["a string not array".to_string()]),
                ("nested.a".into(), vec!["x".to_string()]),
                ("n".into(), vec!["1".to_string(), "2.5".to_string()]),
            ]
        );
    }

    #[test]
    fn not_a_map_gives_nothing() {
        assert!(field_errors(&Raw::List(vec![s("x")])).is_empty());
        assert!(field_errors(&s("x")).is_empty());
        assert!(field_errors(&Raw::Null).is_empty());
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut raw = Raw::List(vec![s("deep")]);
        for _ in 0..50 {
            raw = Raw::Map(vec![("k".into(), raw)]);
        }
        assert!(field_errors(&raw).is_empty());
    }

    #[test]
    fn error_text_needs_a_non_blank_string() {
        assert_eq!(error_text(None), None);
        assert_eq!(error_text(Some(&s("  "))), None);
        assert_eq!(error_text(Some(&Raw::Null)), None);
        assert_eq!(error_text(Some(&s("Boom"))), Some("Boom"));
    }

    #[test]
    fn forbidden_reasons() {
        assert_eq!(
            forbidden_reason("API key bound to a different organization"),
            Some("org_mismatch")
        );
        assert_eq!(
            forbidden_reason("not available for api key auth — use a user session"),
            Some("session_required")
        );
        assert_eq!(
            forbidden_reason("Not available for API key auth - use a user session\n"),
            Some("session_required")
        );
        assert_eq!(forbidden_reason("Forbidden"), None);
    }

    #[test]
    fn allow_header() {
        assert_eq!(parse_allow(""), Vec::<String>::new());
        assert_eq!(parse_allow("GET"), vec!["GET"]);
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("x", None), "x");
        assert_eq!(redact("x", Some("")), "x");
        assert_eq!(redact("t t", Some("t")), "[redacted] [redacted]");
    }
}
