//! String helpers for the `.wasm` path, in place of `format!` and `&str`
//! patterns: `core::fmt` and core's two-way substring searcher (with the
//! panic paths they bring) cost kilobytes of `.wasm`, and the strings here
//! (URLs, header values, messages) are short.

#[allow(unused_imports)]
use crate::prelude::*;

/// The pieces one after another, as `format!("{}{}…")` gives without the
/// formatting machinery (`core::fmt` costs kilobytes of `.wasm`).
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Append `v` in decimal, as `write!(out, "{v}")`.
pub(crate) fn push_u64(out: &mut String, v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = v;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// Byte offset of the first `needle` in `haystack`, as `haystack.find(needle)`.
///
/// A plain scan: both are UTF-8, so a match always starts on a char boundary.
pub(crate) fn find(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let first = *n.first()?;
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i] == first && h[i..].starts_with(n))
}

/// `haystack` with every `needle` replaced by `with`, as
/// `haystack.replace(needle, with)` (an empty needle replaces nothing).
pub(crate) fn replace(haystack: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(i) = find(rest, needle) {
        out.push_str(&rest[..i]);
        out.push_str(with);
        rest = &rest[i + needle.len()..];
    }
    out.push_str(rest);
    out
}

// Byte scans for ASCII delimiters, in place of `char` patterns (`find('/')`,
// `split('&')`, `trim_end_matches('/')`): those decode UTF-8 and pull in
// core's memchr and char-searcher code. An ASCII byte never occurs inside a
// multi-byte UTF-8 sequence, so every offset found here is a char boundary.
// `set` holds ASCII bytes only.

/// Whether `b` is in `set`, as `set.contains(&b)` without the slice
/// search `contains` brings for `u8` (sets here are a few bytes long).
// Deliberate: `contains` on `[u8]` is the memchr-backed search meant to be avoided.
#[allow(clippy::manual_contains)]
pub(crate) fn is_in(b: u8, set: &[u8]) -> bool {
    set.iter().any(|&c| c == b)
}

/// Byte offset of the first byte of `s` in `set`, as `s.find([..])`.
pub(crate) fn pos(s: &str, set: &[u8]) -> Option<usize> {
    s.bytes().position(|b| is_in(b, set))
}

/// Byte offset of the last `b` in `s`, as `s.rfind(b as char)`.
pub(crate) fn rpos(s: &str, b: u8) -> Option<usize> {
    s.bytes().rposition(|c| c == b)
}

/// `s` up to (not including) its first byte in `set`; all of `s` if none.
pub(crate) fn before<'a>(s: &'a str, set: &[u8]) -> &'a str {
    match pos(s, set) {
        Some(i) => &s[..i],
        None => s,
    }
}

/// `s` split at its first byte in `set`: before it, and from it on (the
/// delimiter included); `(s, "")` if none.
pub(crate) fn split_at_any<'a>(s: &'a str, set: &[u8]) -> (&'a str, &'a str) {
    s.split_at(pos(s, set).unwrap_or(s.len()))
}

/// `s` before and after its first `b`, as `s.split_once(b as char)`.
pub(crate) fn cut(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = pos(s, &[b])?;
    Some((&s[..i], &s[i + 1..]))
}

/// The pieces of `s` between bytes in `set`, as `s.split([..])`.
pub(crate) fn pieces<'a>(s: &'a str, set: &'a [u8]) -> Pieces<'a> {
    Pieces { rest: Some(s), set }
}

/// The iterator [`pieces`] returns.
pub(crate) struct Pieces<'a> {
    rest: Option<&'a str>,
    set: &'a [u8],
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let (head, tail) = split_at_any(rest, self.set);
        self.rest = tail.get(1..);
        Some(head)
    }
}

/// `s` without the bytes in `set` at its end, as `s.trim_end_matches([..])`.
pub(crate) fn trim_end<'a>(s: &'a str, set: &[u8]) -> &'a str {
    &s[..s.bytes().rposition(|c| !is_in(c, set)).map_or(0, |i| i + 1)]
}

/// `s` without the bytes in `set` at its start, as `s.trim_start_matches([..])`.
pub(crate) fn trim_start<'a>(s: &'a str, set: &[u8]) -> &'a str {
    &s[s.bytes().position(|c| !is_in(c, set)).unwrap_or(s.len())..]
}

/// `s` without the bytes in `set` at either end, as `s.trim_matches([..])`.
pub(crate) fn trim<'a>(s: &'a str, set: &[u8]) -> &'a str {
    let s = trim_end(s, set);
    &s[s.bytes().position(|c| !is_in(c, set)).unwrap_or(s.len())..]
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn concat_and_push_u64_match_format() {
        assert_eq!(concat(&[]), "");
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        for v in [0, 7, 10, 99, 100, 12345, u64::from(u32::MAX), u64::MAX] {
            let mut s = String::from("x");
            push_u64(&mut s, v);
            assert_eq!(s, format!("x{v}"));
        }
    }

    #[test]
    fn find_and_replace_match_std() {
        for (h, n) in [
            ("", ""),
            ("abc", ""),
            ("", "a"),
            ("https://x", "://"),
            ("a://b://", "://"),
            ("ab", "abc"),
            ("aab", "ab"),
            ("é://ü", "://"),
            ("xxx", "xx"),
        ] {
            assert_eq!(
                find(h, n),
                if n.is_empty() { None } else { h.find(n) },
                "{h:?} {n:?}"
            );
            if !n.is_empty() {
                assert_eq!(replace(h, n, "[r]"), h.replace(n, "[r]"), "{h:?} {n:?}");
            }
        }
        assert_eq!(replace("abc", "", "x"), "abc");
    }

    #[test]
    fn byte_scans_match_char_patterns() {
        for s in [
            "",
            "/",
            "a",
            "//a//",
            "é/ü?x#y",
            "a&&b&",
            "&",
            "?#",
            " \tx \t",
            "\"'q'\"",
        ] {
            assert_eq!(pos(s, b"/"), s.find('/'), "{s:?}");
            assert_eq!(pos(s, b"?#"), s.find(['?', '#']), "{s:?}");
            assert_eq!(rpos(s, b'/'), s.rfind('/'), "{s:?}");
            assert_eq!(before(s, b"#"), s.split('#').next().unwrap(), "{s:?}");
            let (a, b) = split_at_any(s, b"?#");
            assert_eq!(
                (a, b),
                s.split_at(s.find(['?', '#']).unwrap_or(s.len())),
                "{s:?}"
            );
            assert_eq!(cut(s, b'&'), s.split_once('&'), "{s:?}");
            assert_eq!(
                pieces(s, b"&").collect::<Vec<_>>(),
                s.split('&').collect::<Vec<_>>(),
                "{s:?}"
            );
            assert_eq!(trim_end(s, b"/"), s.trim_end_matches('/'), "{s:?}");
            assert_eq!(
                pieces(s, b"/?").collect::<Vec<_>>(),
                s.split(['/', '?']).collect::<Vec<_>>(),
                "{s:?}"
            );
            assert_eq!(trim(s, b" \t"), s.trim_matches([' ', '\t']), "{s:?}");
            assert_eq!(trim(s, b"\"'"), s.trim_matches(['"', '\'']), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn byte_scans_match_char_patterns_everywhere(s in "[a/&?#é \t\"]{0,12}") {
            prop_assert_eq!(pos(&s, b"?#"), s.find(['?', '#']));
            prop_assert_eq!(rpos(&s, b'/'), s.rfind('/'));
            prop_assert_eq!(cut(&s, b'&'), s.split_once('&'));
            prop_assert_eq!(pieces(&s, b"&").collect::<Vec<_>>(), s.split('&').collect::<Vec<_>>());
            prop_assert_eq!(trim_end(&s, b"/"), s.trim_end_matches('/'));
            prop_assert_eq!(trim(&s, b" \t\""), s.trim_matches([' ', '\t', '"']));
        }

        #[test]
        fn push_u64_matches_format(v in any::<u64>()) {
            let mut s = String::new();
            push_u64(&mut s, v);
            prop_assert_eq!(s, v.to_string());
        }

        #[test]
        fn find_and_replace_match_std_everywhere(h in "[ab:/é]{0,12}", n in "[ab:/é]{1,3}") {
            prop_assert_eq!(find(&h, &n), h.find(n.as_str()));
            prop_assert_eq!(replace(&h, &n, "[x]"), h.replace(n.as_str(), "[x]"));
        }
    }
}
