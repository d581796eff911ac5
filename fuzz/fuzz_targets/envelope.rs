//! Error envelopes: `field_errors`, `error_text`, `forbidden_reason`,
//! `parse_allow` and `redact` on any body.
//!
//! Input: a JSON body (`{"error": "...", "errors": {...}}`), read keeping
//! duplicate keys; bytes that are not JSON build a tree through
//! `projekt_fuzz::bytes_raw`. Both the tree as parsed and the tree the web
//! layer would pass (`JSON.parse` + `to_raw`'s cuts) are checked, and the
//! tree `json::parse_raw` (the npm build's reader) makes of the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use projekt_client::envelope::{
    error_text, field_errors, forbidden_reason, parse_allow, redact, Raw, MAX_FIELDS,
    MAX_MESSAGES,
};
use projekt_fuzz::{bytes_raw, json_raw, raw_size, web_like};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let raw = json_raw(&text).unwrap_or_else(|| bytes_raw(data));
    check_tree(&raw, false);
    check_tree(&web_like(&raw), true);
    // The npm build's reader of `JSON.stringify(errors)`: any text, bounded.
    check_tree(&projekt_client::json::parse_raw(&text), true);

    // Every string in the body doubles as an `Allow` header, a 403 message
    // and a text to redact.
    let mut strings = Vec::new();
    collect_strings(&raw, &mut strings);
    strings.push(text.as_ref());
    for s in strings.iter().take(64) {
        check_allow(s);
        check_forbidden(s);
    }
    for pair in strings.windows(2).take(64) {
        check_redact(pair[0], Some(pair[1]));
    }
    check_redact(&text, None);
    check_redact(&text, Some(""));
});

fn member<'a>(raw: &'a Raw, key: &str) -> Option<&'a Raw> {
    match raw {
        Raw::Map(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

fn check_tree(raw: &Raw, from_browser: bool) {
    // The envelope's own members, as the client reads them.
    let error = member(raw, "error");
    if let Some(t) = error_text(error) {
        assert!(matches!(error, Some(Raw::Str(s)) if s == t));
        assert!(!t.trim().is_empty());
    }
    if let Some(errors) = member(raw, "errors") {
        check_fields(errors, from_browser);
    }
    // And the whole body as if it were the `errors` member.
    check_fields(raw, from_browser);
}

fn is_dangerous(key: &str) -> bool {
    key.split(['.', '[', ']'])
        .any(|p| p == "__proto__" || p == "constructor" || p == "prototype")
}

fn check_fields(errors: &Raw, from_browser: bool) {
    let out = field_errors(errors);
    if !matches!(errors, Raw::Map(_)) {
        assert!(out.is_empty(), "fields from a non-object: {out:?}");
        return;
    }
    let (nodes, text_bytes, _depth) = raw_size(errors);
    assert!(out.len() <= MAX_FIELDS, "{} fields", out.len());
    assert!(out.len() <= nodes);
    let mut message_bytes = 0usize;
    let mut messages = 0usize;
    for (i, (key, msgs)) in out.iter().enumerate() {
        assert!(!key.is_empty(), "empty key");
        assert!(!is_dangerous(key), "dangerous key kept: {key:?}");
        assert!(
            out[..i].iter().all(|(k, _)| k != key),
            "key listed twice: {key:?}"
        );
        // A key is the path of member names down to a value, joined by dots.
        assert!(key.len() <= text_bytes + nodes, "key longer than its input");
        assert!(!msgs.is_empty(), "field without messages: {key:?}");
        // F2 (fixed): members flattening to one key ("a.b" and
        // {"a": {"b": ..}}, or a repeated key) were merged after the cap.
        assert!(msgs.len() <= MAX_MESSAGES, "{} messages for {key:?}", msgs.len());
        for m in msgs {
            message_bytes += m.len();
        }
        messages += msgs.len();
    }
    // Every message is one string or number of the input (numbers as at
    // most 28 characters of text), used once.
    assert!(messages <= nodes, "{messages} messages from {nodes} values");
    assert!(
        message_bytes <= text_bytes + 28 * nodes,
        "{message_bytes} bytes of messages from {text_bytes} bytes of text"
    );
    if from_browser {
        // What reaches JS: bounded whatever the body.
        assert!(messages <= 10_000);
    }
}

fn check_allow(header: &str) {
    let methods = parse_allow(header);
    assert!(methods.len() <= 64);
    for m in &methods {
        assert!(!m.is_empty() && m.len() <= 32, "{m:?}");
        assert!(m.bytes().all(|b| b.is_ascii_graphic() && b != b','), "{m:?}");
        assert_eq!(*m, m.to_ascii_uppercase());
        assert!(header.to_ascii_uppercase().contains(m.as_str()));
    }
}

fn check_forbidden(message: &str) {
    let reason = forbidden_reason(message);
    assert!(matches!(
        reason,
        None | Some("org_mismatch") | Some("session_required")
    ));
    // Trimmed and case-insensitive.
    assert_eq!(reason, forbidden_reason(&message.to_ascii_lowercase()));
    assert_eq!(reason, forbidden_reason(&message.to_ascii_uppercase()));
    assert_eq!(reason, forbidden_reason(&format!(" \t{message}\n ")));
    if reason.is_some() {
        assert!(message.trim().len() <= 80, "{message:?}");
    }
}

/// Whether `s` looks like a token the client accepts and the API issues.
fn token_like(s: &str) -> bool {
    s.len() > 4
        && s.starts_with("pjk_")
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn check_redact(text: &str, secret: Option<&str>) {
    let out = redact(text, secret);
    match secret {
        Some(s) if !s.is_empty() => {
            if !text.contains(s) {
                assert_eq!(out, text);
                return;
            }
            if token_like(s) {
                assert!(!out.contains(s), "token left in {out:?}");
            }
            let n = text.matches(s).count();
            assert_eq!(out.len(), text.len() - n * s.len() + n * "[redacted]".len());
        }
        _ => assert_eq!(out, text),
    }
}

fn collect_strings<'a>(raw: &'a Raw, out: &mut Vec<&'a str>) {
    if out.len() >= 256 {
        return;
    }
    match raw {
        Raw::Str(s) => out.push(s),
        Raw::List(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Raw::Map(members) => {
            for (k, v) in members {
                out.push(k);
                collect_strings(v, out);
            }
        }
        _ => {}
    }
}
