//! URL and query building: `BaseUrl::parse/join`, `encode_component`,
//! `append_query`, `set_query_param`, `path_of`, `cache_key`,
//! `partition_key`, the cache's bookkeeping, and the option validators.
//!
//! Input, one value per line:
//!
//! ```text
//! 0 baseUrl
//! 1 a request path (or absolute URL) to join; also a token / method
//! 2 a URL (for cache keys, query editing); also an org id
//! 3 name=value for set_query_param
//! 4.. name=value query pairs for append_query, and cache operations
//! ```
//!
//! The WHATWG URL parser (the `url` crate, what browsers implement) is the
//! oracle for where a joined URL really points.
#![no_main]

use libfuzzer_sys::fuzz_target;
use projekt_client::cache::{cache_key, partition_key, Cache, CacheOptions};
use projekt_client::request::{
    append_query, encode_component, normalise_method, path_of, set_query_param, validate_org_id,
    validate_token, BaseUrl,
};
use projekt_fuzz::{constant_message, line, lines};

fuzz_target!(|data: &[u8]| {
    let ls = lines(data);
    let (base, path, url) = (line(&ls, 0), line(&ls, 1), line(&ls, 2));
    let pairs: Vec<(String, String)> = ls
        .iter()
        .skip(4)
        .take(64)
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (l.clone(), String::new()),
        })
        .collect();

    for s in [base, path, url] {
        check_encode(s);
        check_cache_key(s);
        let _ = path_of(s);
    }
    check_base(base, path);
    check_base(base, url);
    check_append(url, &pairs);
    let (name, value) = line(&ls, 3).split_once('=').unwrap_or((line(&ls, 3), ""));
    check_set_param(url, name, value);
    check_set_param(&append_query(url, &pairs), name, value);
    check_validators(path, url);
    check_partition(path, url);
    check_cache_ops(&ls);
});

fn check_encode(s: &str) {
    let e = encode_component(s);
    assert!(e.len() <= 3 * s.len());
    assert!(e
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%".contains(&b)));
    assert_eq!(
        percent_decode(&e).as_deref(),
        Some(s.as_bytes()),
        "{s:?} -> {e}"
    );
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Decodes the `%XX` escapes that are well formed and keeps the rest, as a
/// lenient server would.
fn lenient_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(v)
                if b[i] == b'%'
                    && hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) =>
            {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => *d == "localhost" || d.ends_with(".localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

fn check_base(input: &str, path: &str) {
    let base = match BaseUrl::parse(input) {
        Ok(b) => b,
        Err(e) => {
            constant_message("BaseUrl::parse", &e.0, 10);
            return;
        }
    };
    let s = base.as_str();
    assert!(s.len() <= input.len(), "{input:?} -> {s:?}");
    assert!(
        s.starts_with("http://") || s.starts_with("https://"),
        "{s:?}"
    );
    assert!(s.starts_with(base.origin()));
    assert!(!s.contains(['?', '#']) && !s.ends_with('/'), "{s:?}");
    assert!(!base.origin().contains('@'));
    assert!(!s
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control()));
    assert!(base.origin().len() > "https://".len() - 1);
    // Parsing its own output changes nothing.
    assert_eq!(BaseUrl::parse(s).as_ref(), Ok(&base), "{input:?}");

    let whatwg = url::Url::parse(s).ok();
    if let Some(u) = &whatwg {
        assert_eq!(u.scheme() == "https", s.starts_with("https://"), "{s:?}");
        // A token goes over plain http only to this machine.
        if base.is_secure_for_tokens() && u.scheme() == "http" {
            let host = u.host().expect("http URLs have a host");
            assert!(
                is_loopback(&host),
                "token allowed over http to {host} ({s:?})"
            );
        }
    }

    match base.join(path) {
        Ok(joined) => {
            // Textually inside the base.
            assert!(joined.starts_with(s), "{s:?} + {path:?} = {joined:?}");
            assert!(
                matches!(
                    joined.as_bytes().get(s.len()),
                    None | Some(b'/' | b'?' | b'#')
                ),
                "{s:?} + {path:?} = {joined:?}"
            );
            assert!(joined.len() <= s.len() + path.len() + 1);
            // And where a browser would send it: the base's origin.
            if let Some(u) = &whatwg {
                let j = url::Url::parse(&joined)
                    .unwrap_or_else(|e| panic!("{joined:?} does not parse ({e}); base {s:?}"));
                assert_eq!(
                    j.origin(),
                    u.origin(),
                    "{s:?} + {path:?} = {joined:?} goes to {j}"
                );
                // Under the base path, as the browser reads both.
                let bp = u.path().trim_end_matches('/');
                assert!(
                    j.path() == bp || j.path().starts_with(&format!("{bp}/")) || bp.is_empty(),
                    "{s:?} + {path:?} = {joined:?} has the path {}",
                    j.path()
                );
                // And the path the browser would have made of the plain join.
                if let Some(naive) = naive_join(s, path) {
                    assert_eq!(j.path(), naive.path(), "{s:?} + {path:?} = {joined:?}");
                }
            }
        }
        Err(e) => {
            // The refusal names the path, never a token in it.
            // (The base URL it names is the caller's own, not a token.)
            let told = e.0.replace(s, "");
            assert_eq!(
                projekt_client::redact::redact_tokens(&told),
                told,
                "{:?}",
                e.0
            );
            if e.0.contains("outside baseUrl") {
                // The browser would have gone elsewhere, or a decoding server would.
                // (An absolute URL must spell the origin as the base does:
                // `http://h:80/` for `http://h` is refused though the
                // browser would go to the same place.)
                let lower = path.to_ascii_lowercase();
                let absolute = lower.starts_with("http://")
                    || lower.starts_with("https://")
                    || path.starts_with("//");
                let naive = if absolute { None } else { naive_join(s, path) };
                if let (Some(u), Some(naive)) = (&whatwg, naive) {
                    let bp = u.path().trim_end_matches('/');
                    let under = naive.origin() == u.origin()
                        && (naive.path() == bp || naive.path().starts_with(&format!("{bp}/")));
                    let decoded_climb = naive.path().split('/').any(|seg| {
                        lenient_decode(seg)
                            .split(|&c| c == b'/' || c == b'\\')
                            .any(|p| p == b"..")
                    });
                    assert!(
                        !under || decoded_climb,
                        "refused {path:?}, which the browser reads as {naive}"
                    );
                }
            } else {
                constant_message("BaseUrl::join", &e.0, 1);
                assert!(
                    path.bytes().any(|b| b.is_ascii_control()),
                    "refused {path:?}: {}",
                    e.0
                );
            }
        }
    }
}

/// What the browser makes of the path appended as text (`None` for an
/// absolute URL, which is not appended, or a string it rejects).
fn naive_join(base: &str, path: &str) -> Option<url::Url> {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || path.starts_with("//") {
        return url::Url::parse(path).ok();
    }
    let sep = if path.is_empty() || path.starts_with(['/', '?', '#']) {
        ""
    } else {
        "/"
    };
    let joined = format!("{base}{sep}{path}");
    // The `url` crate (2.5.8) keeps a drive-letter-like segment (`x:`,
    // `x|`) that a `..` should remove in an http URL, where browsers and
    // the WHATWG spec remove it (`new URL("http://h/a/x:/../b")` is
    // `http://h/a/b` in Node and Chromium): no oracle for those.
    let path_part = joined[joined.find("://").map_or(0, |i| i + 3)..]
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let quirk = path_part.split(['/', '\\']).any(|seg| {
        let b = seg.as_bytes();
        b.len() == 2 && b[0].is_ascii_alphabetic() && (b[1] == b':' || b[1] == b'|')
    });
    if quirk {
        return None;
    }
    url::Url::parse(&joined).ok()
}

fn query_pairs(url: &str) -> Vec<&str> {
    let no_frag = url.split('#').next().unwrap();
    match no_frag.split_once('?') {
        Some((_, q)) => q.split('&').filter(|p| !p.is_empty()).collect(),
        None => Vec::new(),
    }
}

fn check_append(url: &str, pairs: &[(String, String)]) {
    let out = append_query(url, pairs);
    if pairs.is_empty() {
        assert_eq!(out, url);
        return;
    }
    let (base, fragment) = url.split_at(url.find('#').unwrap_or(url.len()));
    assert!(out.starts_with(base) && out.ends_with(fragment), "{out:?}");
    let bound: usize = pairs.iter().map(|(k, v)| 3 * (k.len() + v.len()) + 2).sum();
    assert!(out.len() <= url.len() + bound, "{out:?}");
    // The added pairs come back, decoded, in order, after the old ones.
    let added = &out[base.len()..out.len() - fragment.len()];
    let added = added.strip_prefix(['?', '&']).unwrap_or(added);
    let got: Vec<(Vec<u8>, Vec<u8>)> = added
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').expect("name=value");
            (percent_decode(k).unwrap(), percent_decode(v).unwrap())
        })
        .collect();
    let want: Vec<(Vec<u8>, Vec<u8>)> = pairs
        .iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect();
    assert_eq!(got, want, "{out:?}");
}

fn check_set_param(url: &str, name: &str, value: &str) {
    let out = set_query_param(url, name, value);
    let encoded = encode_component(name);
    assert!(
        out.len() <= url.len() + 3 * (name.len() + value.len()) + 2,
        "{out:?}"
    );
    let fragment = url.find('#').map_or("", |i| &url[i..]);
    assert!(out.ends_with(fragment));
    let pairs = query_pairs(&out);
    let mine = format!("{encoded}={}", encode_component(value));
    assert_eq!(pairs.last().copied(), Some(mine.as_str()), "{out:?}");
    let same_name = pairs
        .iter()
        .filter(|p| {
            let k = p.split('=').next().unwrap();
            k == encoded || k == name
        })
        .count();
    assert_eq!(same_name, 1, "{url:?} set {name:?}: {out:?}");
    // Setting again changes nothing.
    assert_eq!(set_query_param(&out, name, value), out);
}

fn check_cache_key(url: &str) {
    let k = cache_key(url);
    assert!(k.len() <= url.len());
    assert!(!k.contains('#'));
    assert_eq!(cache_key(&k), k, "not idempotent on {url:?}");
    assert_eq!(cache_key(&format!("{url}#frag")), k);
    // Query order does not matter (names distinct: equal names keep order).
    let no_frag = url.split('#').next().unwrap();
    if let Some((base, q)) = no_frag.split_once('?') {
        let params: Vec<&str> = q.split('&').filter(|p| !p.is_empty()).collect();
        let names: Vec<&str> = params
            .iter()
            .map(|p| p.split('=').next().unwrap())
            .collect();
        let distinct = names
            .iter()
            .enumerate()
            .all(|(i, n)| !names[..i].contains(n));
        if distinct && params.len() > 1 {
            let reversed: Vec<&str> = params.iter().rev().copied().collect();
            let other = format!("{base}?{}", reversed.join("&"));
            assert_eq!(cache_key(&other), k, "{url:?} vs {other:?}");
        }
    }
}

fn check_validators(token: &str, org: &str) {
    match validate_token(token) {
        Ok(()) => {
            assert!(token.starts_with("pjk_") && token.len() <= 4096);
            assert!(token.bytes().all(|b| b.is_ascii_graphic()));
        }
        Err(e) => constant_message("validate_token", &e.0, 4),
    }
    match validate_org_id(org) {
        Ok(()) => assert_eq!(org.len(), 36),
        Err(e) => constant_message("validate_org_id", &e.0, 1),
    }
    match normalise_method(token) {
        Ok(m) => {
            assert!(!m.is_empty() && m.len() <= 32);
            assert!(m.eq_ignore_ascii_case(token));
            let up = m.to_ascii_uppercase();
            assert!(!matches!(up.as_str(), "CONNECT" | "TRACE" | "TRACK"));
            if matches!(
                up.as_str(),
                "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"
            ) {
                assert_eq!(m, up);
            }
        }
        Err(e) => constant_message("normalise_method", &e.0, 2),
    }
}

fn check_partition(token: &str, org: &str) {
    let with = partition_key(Some(token), Some(org));
    let anon = partition_key(None, Some(org));
    assert_ne!(with, anon);
    assert_eq!(with, partition_key(Some(token), Some(org)));
    assert_ne!(
        partition_key(Some(token), None),
        partition_key(Some(token), Some(org))
    );
    // The token never sits in the key (a digest stands for it).
    if token.len() > 34 && !org.contains(token) {
        assert!(!with.contains(token));
    }
    assert!(with.len() <= 2 + 32 + 3 + org.len());
}

/// A short sequence of cache operations on the input's URLs: the bounds
/// hold after every call, a stored entry is found under its own partition
/// only, and a write drops its path's entries everywhere.
fn check_cache_ops(ls: &[String]) {
    let mut c: Cache<usize> = Cache::new(CacheOptions {
        max_entries: 4,
        max_bytes: 100,
    });
    let parts = [
        partition_key(Some("pjk_a"), None),
        partition_key(None, None),
    ];
    for (i, l) in ls.iter().enumerate().take(32) {
        let p = &parts[i % 2];
        let size = l.len() % 64;
        match l.bytes().next().unwrap_or(0) % 4 {
            0 | 1 => {
                let stored = c.put(p, l, "\"v\"", i, size);
                assert!(stored);
                let e = c.get(p, l).expect("just stored");
                assert_eq!((e.body, e.size), (i, size));
            }
            2 => {
                c.invalidate(l);
                assert!(c.get(&parts[0], l).is_none() && c.get(&parts[1], l).is_none());
            }
            _ => {
                c.remove(p, l);
                assert!(c.get(p, l).is_none());
            }
        }
        assert!(
            c.len() <= 4 && c.bytes() <= 100,
            "{} {}",
            c.len(),
            c.bytes()
        );
    }
}
