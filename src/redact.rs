//! What a reported string shows of a token: any `pjk_…` run in a URL or a
//! message the client reports (an error's `url`, `onRetry`'s `url`, a page's
//! `url`, a refusal's message) becomes `[redacted]`, whichever token it is
//! (the current one, an older one, one the caller put in a query value) and
//! however it is spelled there (`pjk_`, `PJK_`, `pjk%5F`, `%70jk_`).

#[allow(unused_imports)]
use crate::prelude::*;
use alloc::borrow::Cow;

/// What a token is replaced with.
pub const REDACTED: &str = "[redacted]";

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The index after `want` (lower-case ASCII) at `i`: the byte itself in
/// either case, or its `%XX` escape.
fn at(s: &[u8], i: usize, want: u8) -> Option<usize> {
    let b = *s.get(i)?;
    if b.to_ascii_lowercase() == want {
        return Some(i + 1);
    }
    if b == b'%' {
        let v = hex(*s.get(i + 1)?)? << 4 | hex(*s.get(i + 2)?)?;
        if v.to_ascii_lowercase() == want {
            return Some(i + 3);
        }
    }
    None
}

/// In a URL, the bytes that end a token: `encodeURIComponent` escapes every
/// one of these, so a token in a query value runs to its end.
const URL_ENDS: &[u8] = b"&#?/;,\"<>\\`|^{}[]";
/// In prose (a message, a JSON string once decoded), only what a token
/// cannot hold at all: a `/` or `?` may be inside one (`pjk_live_ab/cd`).
const TEXT_ENDS: &[u8] = b"\"'<>\\`{}[](),;";

/// Where a token that starts at `i` ends: the first byte in `ends` or that
/// is not printable ASCII.
fn token_end(s: &[u8], i: usize, ends: &[u8]) -> Option<usize> {
    let mut j = i;
    for &c in b"pjk_" {
        j = at(s, j, c)?;
    }
    while let Some(&b) = s.get(j) {
        if !b.is_ascii_graphic() || crate::text::is_in(b, ends) {
            break;
        }
        j += 1;
    }
    Some(j)
}

/// `s` with every `pjk_…` token replaced by `[redacted]`.
///
/// ```
/// use projekt_client::redact::redact_tokens;
/// assert_eq!(redact_tokens("https://a.test/v1/x?access_token=pjk_live_abc&b=1"), "https://a.test/v1/x?access_token=[redacted]&b=1");
/// assert_eq!(redact_tokens("/v1/%70jk%5Flive_abc/x"), "/v1/[redacted]/x");
/// assert_eq!(redact_tokens("https://a.test/v1/issues"), "https://a.test/v1/issues");
/// ```
pub fn redact_tokens(s: &str) -> Cow<'_, str> {
    redact_with(s, URL_ENDS)
}

/// [`redact_tokens`] for prose — an error message, a field message, a JSON
/// string — where a token runs to the next space or quote (`pjk_live_ab/cd`
/// goes whole).
///
/// ```
/// use projekt_client::redact::redact_text;
/// assert_eq!(redact_text("bad pjk_live_ab/cd here"), "bad [redacted] here");
/// ```
pub fn redact_text(s: &str) -> Cow<'_, str> {
    redact_with(s, TEXT_ENDS)
}

fn redact_with<'s>(s: &'s str, ends: &[u8]) -> Cow<'s, str> {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let (mut i, mut copied) = (0, 0);
    while i < b.len() {
        if matches!(b[i], b'p' | b'P' | b'%') {
            if let Some(end) = token_end(b, i, ends) {
                // `i` and `end` sit on ASCII bytes, so both are char boundaries.
                let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
                o.push_str(&s[copied..i]);
                o.push_str(REDACTED);
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Decodes one JSON string literal's content (between its quotes), as
/// `JSON.parse` would; `None` for a malformed escape.
fn json_unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let unit = |chars: &mut core::str::Chars<'_>| -> Option<u32> {
                    let h: String = chars.by_ref().take(4).collect();
                    (h.len() == 4).then(|| u32::from_str_radix(&h, 16).ok())?
                };
                let hi = unit(&mut chars)?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    let mut look = chars.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        let lo = unit(&mut look)?;
                        if (0xDC00..0xE000).contains(&lo) {
                            chars = look;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            0xFFFD
                        }
                    } else {
                        0xFFFD
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// `json` (an error body) with every string in it — member names too — that
/// holds a token, once its escapes are decoded (`pjk\u005flive`,
/// `pjk_live_ab\/cd`), rewritten with the token as `[redacted]`: what
/// `JSON.parse` then makes of it holds no token. Anything that is not a
/// string literal is left byte for byte.
///
/// ```
/// use projekt_client::redact::redact_json;
/// assert_eq!(redact_json(r#"{"error":"bad pjk\u005flive_x","n":1}"#), r#"{"error":"bad [redacted]","n":1}"#);
/// assert_eq!(redact_json(r#"{"pjk_live_k":true}"#), r#"{"[redacted]":true}"#);
/// assert_eq!(redact_json(r#"{"error":"fine"}"#), r#"{"error":"fine"}"#);
/// ```
pub fn redact_json(json: &str) -> Cow<'_, str> {
    let b = json.as_bytes();
    let mut out: Option<String> = None;
    let (mut i, mut copied) = (0, 0);
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        // A string literal from `i` to its closing quote.
        let mut j = i + 1;
        while j < b.len() && b[j] != b'"' {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(b.len());
        let raw = &json[i + 1..end];
        let needs = raw.contains('\\') || redact_text(raw) != raw;
        if needs {
            if let Some(decoded) = json_unescape(raw) {
                if let Cow::Owned(shown) = redact_text(&decoded) {
                    let o = out.get_or_insert_with(|| String::with_capacity(json.len()));
                    o.push_str(&json[copied..i]);
                    crate::json::push_str(o, &shown);
                    copied = (end + 1).min(b.len());
                }
            }
        }
        i = end + 1;
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut o) => {
            o.push_str(json.get(copied..).unwrap_or(""));
            Cow::Owned(o)
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_token_is_redacted() {
        for (input, shown) in [
            ("pjk_live_abc", "[redacted]"),
            ("x?t=pjk_live_abc", "x?t=[redacted]"),
            ("x?t=PJK_LIVE_ABC&u=2", "x?t=[redacted]&u=2"),
            ("x?t=pjk%5Flive%2Babc#f", "x?t=[redacted]#f"),
            ("x?t=%70%6A%6B%5flive", "x?t=[redacted]"),
            ("/v1/pjk_a/pjk_b", "/v1/[redacted]/[redacted]"),
            ("Invalid token pjk_live_x.", "Invalid token [redacted]"),
            ("a pjk_x b pjk_y", "a [redacted] b [redacted]"),
        ] {
            assert_eq!(redact_tokens(input), shown, "{input}");
        }
    }

    #[test]
    fn text_without_a_token_is_borrowed_unchanged() {
        for s in [
            "",
            "pjk",
            "pjk-",
            "%",
            "%7",
            "%70jk",
            "p%6Ak",
            "https://a.test/v1/é?q=%20",
        ] {
            assert!(
                matches!(redact_tokens(s), Cow::Borrowed(x) if x == s),
                "{s}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn no_token_survives(prefix in "[a-z/?=&%é ]{0,8}", token in "pjk_[A-Za-z0-9_.~-]{0,20}", suffix in "([&#/?][a-z=é]{0,6})?") {
            let s = format!("{prefix}{token}{suffix}");
            let shown = redact_tokens(&s);
            proptest::prop_assert!(!shown.contains(&token), "{} kept the token", shown);
            proptest::prop_assert!(shown.ends_with(&suffix));
        }
    }
}
