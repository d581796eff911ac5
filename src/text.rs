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

    proptest! {
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
