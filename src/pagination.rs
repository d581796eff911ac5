//! Following paginated lists (`{ data, meta }`): where the next page is, and
//! when to stop. Pure, so a buggy server (a repeated cursor, a page number
//! that never reaches the end) is caught by tests, not by a user's tab.

#[allow(unused_imports)]
use crate::prelude::*;

/// The `meta` members that locate the next page, as read from the body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageMeta {
    /// `meta.next_cursor`.
    pub next_cursor: Option<String>,
    /// `meta.next`: a cursor, or a URL when it looks like one.
    pub next: Option<String>,
    /// `meta.current_page`, or `meta.page`.
    pub page: Option<f64>,
    /// `meta.last_page`, or `meta.total_pages`.
    pub last_page: Option<f64>,
}

/// Where the next page is.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Fetch this URL (from a `Link` header or a URL-valued `meta.next`).
    Url(String),
    /// Same path, with this query parameter set (`cursor` or `page`).
    Param(&'static str, String),
    /// That was the last page.
    Done,
}

/// The `rel="next"` target of a `Link` header, if any.
///
/// ```
/// use projekt_client::pagination::link_next;
/// assert_eq!(link_next(r#"<https://a.test/x?page=2>; rel="next", <https://a.test/x?page=9>; rel="last""#).as_deref(), Some("https://a.test/x?page=2"));
/// assert_eq!(link_next("garbage"), None);
/// ```
pub fn link_next(header: &str) -> Option<String> {
    for part in split_links(header) {
        let part = part.trim_ascii();
        let Some(rest) = part.strip_prefix('<') else {
            continue;
        };
        let Some(end) = crate::text::pos(rest, b">") else {
            continue;
        };
        let target = &rest[..end];
        let params = &rest[end + 1..];
        let is_next = crate::text::pieces(params, b";").any(|p| {
            let p = p.trim_ascii();
            let Some(v) = p
                .strip_prefix("rel=")
                .or_else(|| p.strip_prefix("rel ="))
                .or_else(|| p.strip_prefix("REL="))
            else {
                return false;
            };
            crate::text::trim(v.trim_ascii(), b"\"")
                .split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next && !target.is_empty() {
            return Some(target.to_owned());
        }
    }
    None
}

/// Splits a `Link` header on the commas between links (not those inside `<…>` or quotes).
fn split_links(header: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut in_angle, mut in_quote, mut start) = (false, false, 0);
    for (i, c) in header.bytes().enumerate() {
        match c {
            b'<' if !in_quote => in_angle = true,
            b'>' if !in_quote => in_angle = false,
            b'"' if !in_angle => in_quote = !in_quote,
            b',' if !in_angle && !in_quote => {
                out.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&header[start..]);
    out
}

/// Decides the next page: a `Link` header wins, then `next_cursor`, then
/// `next`, then page numbers. A page with no items ends the walk too.
pub fn next_page(meta: &PageMeta, link: Option<&str>, items_on_page: usize) -> Next {
    if let Some(url) = link.and_then(link_next) {
        return Next::Url(url);
    }
    if items_on_page == 0 {
        return Next::Done;
    }
    if let Some(c) = meta.next_cursor.as_deref().filter(|c| !c.is_empty()) {
        return Next::Param("cursor", c.to_owned());
    }
    if let Some(n) = meta.next.as_deref().filter(|c| !c.is_empty()) {
        let lower = n.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") || n.starts_with('/') {
            return Next::Url(n.to_owned());
        }
        return Next::Param("cursor", n.to_owned());
    }
    if let (Some(page), Some(last)) = (meta.page, meta.last_page) {
        if page.is_finite() && last.is_finite() && page >= 1.0 && page < last && page < 1e9 {
            let mut next = String::new();
            crate::text::push_u64(&mut next, crate::num::floor(page) as u64 + 1);
            return Next::Param("page", next);
        }
    }
    Next::Done
}

/// The URL of the page after the one fetched from `url`: [`next_page`]'s
/// answer applied to `url` (a cursor or page number set as its query
/// parameter, a root-relative `next` joined onto its origin); `None` after
/// the last page.
pub fn next_url(
    url: &str,
    meta: &PageMeta,
    link: Option<&str>,
    items_on_page: usize,
) -> Option<String> {
    match next_page(meta, link, items_on_page) {
        Next::Done => None,
        Next::Param(name, value) => Some(crate::request::set_query_param(url, name, &value)),
        Next::Url(u) if u.starts_with('/') && !u.starts_with("//") => {
            let mut out = crate::request::origin_of(url).to_string();
            out.push_str(&u);
            Some(out)
        }
        Next::Url(u) => Some(u),
    }
}

/// Stops a walk that would never end: a repeated next page, or `max_pages`.
#[derive(Debug)]
pub struct Walk {
    /// A digest of each page URL fetched (not the URL: a server's cursors
    /// can be hundreds of KB each, and a walk lasts up to `max_pages`).
    seen: Vec<u64>,
    pages: u32,
    max_pages: u32,
}

impl Walk {
    /// A walk of at most `max_pages` pages (default 1,000 in the client).
    pub fn new(max_pages: u32) -> Walk {
        Walk {
            seen: Vec::new(),
            pages: 0,
            max_pages,
        }
    }

    /// Records that the page at `url` is about to be fetched; `false` means
    /// stop (the server sent us back to a page we already had, or the bound).
    pub fn admit(&mut self, url: &str) -> bool {
        let d = crate::cache::digest("page", url);
        if self.pages >= self.max_pages || self.seen.contains(&d) {
            return false;
        }
        self.seen.push(d);
        self.pages += 1;
        true
    }

    /// Pages admitted so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn cursor_shapes() {
        let m = PageMeta {
            next_cursor: Some("c10".into()),
            ..Default::default()
        };
        assert_eq!(next_page(&m, None, 5), Next::Param("cursor", "c10".into()));
        let m = PageMeta {
            next: Some("c10".into()),
            ..Default::default()
        };
        assert_eq!(next_page(&m, None, 5), Next::Param("cursor", "c10".into()));
        let m = PageMeta {
            next: Some("https://a.test/v1/x?cursor=2".into()),
            ..Default::default()
        };
        assert_eq!(
            next_page(&m, None, 5),
            Next::Url("https://a.test/v1/x?cursor=2".into())
        );
        assert_eq!(next_page(&PageMeta::default(), None, 5), Next::Done);
        let m = PageMeta {
            next_cursor: Some("".into()),
            ..Default::default()
        };
        assert_eq!(next_page(&m, None, 5), Next::Done);
    }

    #[test]
    fn page_numbers() {
        let m = PageMeta {
            page: Some(1.0),
            last_page: Some(4.0),
            ..Default::default()
        };
        assert_eq!(next_page(&m, None, 5), Next::Param("page", "2".into()));
        let m = PageMeta {
            page: Some(4.0),
            last_page: Some(4.0),
            ..Default::default()
        };
        assert_eq!(next_page(&m, None, 5), Next::Done);
        let m = PageMeta {
            page: Some(f64::NAN),
            last_page: Some(4.0),
            ..Default::default()
        };
        assert_eq!(next_page(&m, None, 5), Next::Done);
    }

    #[test]
    fn link_wins_and_empty_pages_stop() {
        let m = PageMeta {
            next_cursor: Some("c".into()),
            ..Default::default()
        };
        assert_eq!(
            next_page(&m, Some("</x?page=2>; rel=\"next\""), 5),
            Next::Url("/x?page=2".into())
        );
        assert_eq!(next_page(&m, None, 0), Next::Done);
        assert_eq!(
            link_next("<a,b>; rel=\"prev\", <c>; rel=\"next last\"").as_deref(),
            Some("c")
        );
    }

    #[test]
    fn walk_stops_on_repeats_and_bound() {
        let mut w = Walk::new(3);
        assert!(w.admit("a"));
        assert!(!w.admit("a"));
        assert!(w.admit("b"));
        assert!(w.admit("c"));
        assert!(!w.admit("d"));
        assert_eq!(w.pages(), 3);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(h in ".*", c in proptest::option::of(".*"), p in proptest::num::f64::ANY, l in proptest::num::f64::ANY) {
            let _ = link_next(&h);
            let m = PageMeta { next_cursor: c.clone(), next: c, page: Some(p), last_page: Some(l) };
            let _ = next_page(&m, Some(&h), 1);
        }
    }
}
