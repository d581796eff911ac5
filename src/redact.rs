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

/// Where a token that starts at `i` ends: the first byte a URL or a
/// sentence cannot carry inside one (`encodeURIComponent` escapes every one
/// of these, so a token in a query value runs to its end).
fn token_end(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    for &c in b"pjk_" {
        j = at(s, j, c)?;
    }
    while let Some(&b) = s.get(j) {
        if !b.is_ascii_graphic() || crate::text::is_in(b, b"&#?/;,\"<>\\`|^{}[]") {
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
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let (mut i, mut copied) = (0, 0);
    while i < b.len() {
        if matches!(b[i], b'p' | b'P' | b'%') {
            if let Some(end) = token_end(b, i) {
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
