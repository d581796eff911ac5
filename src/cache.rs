//! The client's own ETag cache, as plain Rust decision logic.
//!
//! Why this exists: the contract ("ETag cache" in the client contract) makes the
//! client remember `200` GET bodies together with their `ETag`, revalidate
//! them with `If-None-Match`, serve them again on `304`, keep identities apart,
//! invalidate after writes and stay within `maxEntries`/`maxBytes`. All of that
//! is bookkeeping that needs no browser, so it lives here, generic over the
//! stored value `V` (a `JsValue` holding the JSON text in the browser, a
//! `String` in native tests), where it can be tested exhaustively.
//!
//! Why this shape: the entries sit in one `Vec`, least recently used first;
//! a lookup is a scan and a touch moves the entry to the end. With the
//! default bound (500 entries) that costs a few microseconds next to a
//! network round trip, and it keeps hash maps, B-trees and their code out of
//! the `.wasm` (bundle size is a product figure). Nothing here reads the
//! clock and nothing panics, whatever the input.

#[allow(unused_imports)]
use crate::prelude::*;
use crate::text;

use core::hash::{Hash, Hasher};

/// Bounds of the cache (`cache: { maxEntries, maxBytes }` in the JS options).
///
/// Why both: `max_entries` caps bookkeeping overhead however small the bodies,
/// `max_bytes` caps memory however few the entries. Either one being `0`
/// means nothing is ever stored.
///
/// ```
/// use projekt_client::{CacheOptions, ClientOptions};
/// // Many small entries (a long list of avatars' JSON), at most 2 MB in all.
/// let options = ClientOptions {
///     cache: Some(CacheOptions { max_entries: 2_000, max_bytes: 2_000_000 }),
///     ..ClientOptions::new("https://api.example.test/v1")
/// };
/// assert_eq!(CacheOptions::default(), CacheOptions { max_entries: 500, max_bytes: 8_000_000 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheOptions {
    /// Most entries kept at once (over all partitions); default 500.
    pub max_entries: usize,
    /// Most bytes kept at once, counted as the stored bodies' JSON size as
    /// reported to [`Cache::put`]; default 8 000 000.
    pub max_bytes: usize,
}

impl Default for CacheOptions {
    /// The contract's defaults: `{ maxEntries: 500, maxBytes: 8_000_000 }`.
    fn default() -> Self {
        Self {
            max_entries: 500,
            max_bytes: 8_000_000,
        }
    }
}

/// One stored response: what a later `304` resolves with.
///
/// Why the tag is kept verbatim: the contract requires `If-None-Match` to carry
/// the tag exactly as the server sent it (weak `W/` prefix and quotes included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<V> {
    /// The `ETag` header exactly as received.
    pub etag: String,
    /// The stored body (opaque here; the caller hands out copies of it).
    pub body: V,
    /// The size counted against [`CacheOptions::max_bytes`] (the body's JSON length).
    pub size: usize,
}

/// Bookkeeping around an [`Entry`]: whose it is, its key, and its
/// normalised path, precomputed so [`Cache::invalidate`] compares strings
/// instead of re-parsing every stored URL.
#[derive(Clone, Debug)]
struct Slot<V> {
    partition: String,
    key: String,
    path: String,
    entry: Entry<V>,
}

/// A bounded, least-recently-used ETag store, partitioned by identity.
///
/// Why partitions: entries are keyed by `(partition, cache_key(url))`, where
/// the partition comes from [`partition_key`], so one token/org can never be
/// served another's responses. Invariants, kept after every call: `len() <=
/// max_entries`, `bytes() <= max_bytes`, and `bytes()` is exactly the sum of
/// the stored entries' sizes.
#[derive(Clone, Debug)]
pub struct Cache<V> {
    opts: CacheOptions,
    /// Every entry, least recently used first.
    slots: Vec<Slot<V>>,
    /// Sum of the stored entries' sizes.
    bytes: usize,
}

impl<V> Cache<V> {
    /// An empty cache with the given bounds.
    ///
    /// Why no allocation up front: most pages issue few GETs, so the list
    /// grows on demand.
    pub fn new(opts: CacheOptions) -> Self {
        Self {
            opts,
            slots: Vec::new(),
            bytes: 0,
        }
    }

    fn find(&self, partition: &str, key: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.key == key && s.partition == partition)
    }

    /// Look up the entry for `url` in `partition` and mark it most recently used.
    ///
    /// Why it touches: a body that keeps being revalidated is the one most
    /// worth keeping, so reads (not only writes) refresh recency. `url` is
    /// normalised with [`cache_key`], so query order and fragments don't matter.
    pub fn get(&mut self, partition: &str, url: &str) -> Option<&Entry<V>> {
        let i = self.find(partition, &cache_key(url))?;
        let slot = self.slots.remove(i);
        self.slots.push(slot);
        self.slots.last().map(|s| &s.entry)
    }

    /// Store `body` with its `etag` for `url` in `partition`, replacing any
    /// previous entry for that key, and return whether it was stored.
    ///
    /// Why it may refuse: a body larger than `max_bytes` (or any body when a
    /// bound is `0`) is not stored, and the old entry for the key is dropped
    /// anyway, because it no longer matches what the server currently serves.
    /// Otherwise the least recently used entries are evicted until both
    /// bounds hold with the new entry in; the new entry itself is never
    /// evicted by its own insertion.
    pub fn put(&mut self, partition: &str, url: &str, etag: &str, body: V, size: usize) -> bool {
        let key = cache_key(url);
        self.remove_key(partition, &key);
        let CacheOptions {
            max_entries,
            max_bytes,
        } = self.opts;
        if max_entries == 0 || max_bytes == 0 || size > max_bytes {
            return false;
        }
        // Make room first, so `bytes + size` is computed only once it fits
        // (`bytes <= max_bytes - size`), which also rules out overflow.
        while self.slots.len() >= max_entries || self.bytes > max_bytes - size {
            if !self.evict_lru() {
                break;
            }
        }
        let path = path_of(&key);
        self.slots.push(Slot {
            partition: partition.to_owned(),
            key,
            path,
            entry: Entry {
                etag: etag.to_owned(),
                body,
                size,
            },
        });
        self.bytes += size;
        true
    }

    /// Drop the entry for `url` in `partition`; returns whether there was one.
    ///
    /// Why: a response with `Cache-Control: no-store`, or a `304` whose stored
    /// body turned out unusable, must stop being served.
    pub fn remove(&mut self, partition: &str, url: &str) -> bool {
        self.remove_key(partition, &cache_key(url))
    }

    /// Drop every entry of one identity.
    ///
    /// Why: a `401` means the credential is no longer good, so nothing fetched
    /// under it may be served again (the contract requires it).
    pub fn drop_partition(&mut self, partition: &str) {
        self.drop_where(|s| s.partition == partition);
    }

    /// After a successful POST/PUT/PATCH/DELETE of `url`, drop, in every
    /// partition, the entries whose path is the written path or the
    /// collection above it (the path without its last segment), whatever
    /// their query; returns how many were dropped.
    ///
    /// Why every partition: a write changes the server's state for every
    /// identity that can see it, so no identity may keep a stale copy. Why the
    /// collection: creating, changing or deleting `/v1/issues/7` changes what
    /// `/v1/issues` lists. Trailing slashes and fragments are ignored, and only
    /// the path is compared (not scheme and host), so an absolute and a
    /// relative spelling of the same endpoint match; dropping too much only
    /// costs a refetch, keeping too much would serve stale data.
    ///
    /// For a write to `/v1/issues/7?x=1` that drops `/v1/issues/7`,
    /// `/v1/issues/7?a=b`, `/v1/issues` and `/v1/issues?page=2`, but not
    /// `/v1/issues/8`, `/v1/issues/7/comments` or `/v1`. It is a scan over all
    /// entries (writes are rare next to reads, and the cache is bounded).
    pub fn invalidate(&mut self, url: &str) -> usize {
        let target = path_of(url);
        let parent = parent_path(&target);
        self.drop_where(|s| s.path == target || parent == Some(s.path.as_str()))
    }

    /// [`Cache::invalidate`] from another tab's note ([`crate::tabs`]):
    /// the same entries, named by [`path_digests`] of the written URL.
    pub fn invalidate_digests(&mut self, path: u64, parent: Option<u64>) -> usize {
        self.drop_where(|s| {
            let d = digest(PATH_DOMAIN, &s.path);
            d == path || Some(d) == parent
        })
    }

    /// Drop the entries `hit` picks, keeping the others' order; how many.
    fn drop_where(&mut self, hit: impl Fn(&Slot<V>) -> bool) -> usize {
        let before = self.slots.len();
        let bytes = &mut self.bytes;
        self.slots.retain(|s| {
            let h = hit(s);
            if h {
                *bytes = bytes.saturating_sub(s.entry.size);
            }
            !h
        });
        before - self.slots.len()
    }

    /// Drop everything (`client.clearCache()`), keeping the bounds.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.bytes = 0;
    }

    /// Number of stored entries over all partitions; never above `max_entries`.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Sum of the stored entries' sizes; never above `max_bytes`.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The bounds in force.
    pub fn options(&self) -> CacheOptions {
        self.opts
    }

    /// Change the bounds, evicting least recently used entries until the new
    /// ones hold.
    ///
    /// Why: lets the client apply new cache options without throwing away
    /// entries that still fit.
    pub fn set_options(&mut self, opts: CacheOptions) {
        self.opts = opts;
        while self.slots.len() > opts.max_entries || self.bytes > opts.max_bytes {
            if !self.evict_lru() {
                break;
            }
        }
    }

    /// Remove `(partition, key)` (key already normalised); whether it existed.
    fn remove_key(&mut self, partition: &str, key: &str) -> bool {
        let Some(i) = self.find(partition, key) else {
            return false;
        };
        let slot = self.slots.remove(i);
        self.bytes = self.bytes.saturating_sub(slot.entry.size);
        true
    }

    /// Evict the least recently used entry; false when there was none.
    fn evict_lru(&mut self) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let slot = self.slots.remove(0);
        self.bytes = self.bytes.saturating_sub(slot.entry.size);
        true
    }
}

/// Cache key for a URL: the URL with its query parameters sorted by name and
/// its fragment dropped.
///
/// Why: `?b=1&a=2` and `?a=2&b=1` ask the server for the same thing, so they
/// share an entry; the fragment never reaches the server. The sort is stable,
/// so repeated names (`?tag=x&tag=y`) keep their relative order, which servers
/// may treat as meaningful. Empty parameters (`&&`, a bare trailing `?`) are
/// dropped. Everything else (scheme, host, path, parameter values,
/// percent-encoding) is kept byte for byte. Works on absolute URLs such as
/// `https://api.test/v1/issues?b=1&a=2` as well as bare paths, and never
/// panics on any string.
pub fn cache_key(url: &str) -> String {
    let no_fragment = strip_fragment(url);
    let Some((base, query)) = text::cut(no_fragment, b'?') else {
        return no_fragment.to_owned();
    };
    let mut params: Vec<&str> = text::pieces(query, b"&")
        .filter(|p| !p.is_empty())
        .collect();
    if params.is_empty() {
        return base.to_owned();
    }
    // Insertion sort: stable (equal names keep their relative order), and a
    // query's handful of parameters needs no more (nor the standard sort's
    // code in the `.wasm`).
    for i in 1..params.len() {
        let mut j = i;
        while j > 0 && param_name(params[j - 1]) > param_name(params[j]) {
            params.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut out = String::with_capacity(no_fragment.len());
    out.push_str(base);
    out.push('?');
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(p);
    }
    out
}

/// Partition id for an identity: `t:<32 hex>` for a token (or `anon` for
/// none), then `|o:<org id>` (or `|no-org` for none).
///
/// Why a digest: the id is a map key that lives as long as the cache, and the
/// token must not sit in it, so the token is replaced by a 128-bit digest
/// (two runs of core's `SipHasher`, SipHash-2-4 with fixed keys, under
/// different domain prefixes). It is not a password hash and needs not be one:
/// it only separates identities in memory and is never persisted or sent.
/// `Some("")` is a different identity from `None`, and the `anon`/`no-org`
/// spellings contain no `:`, so no org id (not even `-`) can collide with
/// "no org". The org id is kept as is: it is not a secret.
pub fn partition_key(token: Option<&str>, org_id: Option<&str>) -> String {
    let mut out = String::with_capacity(64);
    match token {
        Some(t) => {
            out.push_str("t:");
            push_hex(&mut out, digest("projekt-client/etag-partition/0", t));
            push_hex(&mut out, digest("projekt-client/etag-partition/1", t));
        }
        None => out.push_str("anon"),
    }
    match org_id {
        Some(o) => {
            out.push_str("|o:");
            out.push_str(o);
        }
        None => out.push_str("|no-org"),
    }
    out
}

/// One 64-bit half of the token digest. `str`'s `Hash` writes a terminator,
/// so the domain and the token cannot run into each other.
///
/// `core::hash::SipHasher` is deprecated only in favour of std's
/// `DefaultHasher`, which a `no_std` build cannot reach; its output is fixed.
#[allow(deprecated)]
pub(crate) fn digest(domain: &str, token: &str) -> u64 {
    let mut h = core::hash::SipHasher::new();
    domain.hash(&mut h);
    token.hash(&mut h);
    h.finish()
}

/// Append `v` as 16 lowercase hex digits.
pub(crate) fn push_hex(out: &mut String, v: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(char::from(HEX[((v >> (shift * 4)) & 0xf) as usize]));
    }
}

/// `url` up to (not including) its first `#`.
fn strip_fragment(url: &str) -> &str {
    text::before(url, b"#")
}

/// A query parameter's name: the part before the first `=`.
fn param_name(param: &str) -> &str {
    text::before(param, b"=")
}

const PATH_DOMAIN: &str = "projekt-client/path";

/// Digests of the two paths a successful write of `url` invalidates
/// ([`Cache::invalidate`]): the written path and its collection. What
/// crosses between tabs and names persisted entries, instead of the paths.
pub fn path_digests(url: &str) -> (u64, Option<u64>) {
    let target = path_of(url);
    let parent = parent_path(&target).map(|p| digest(PATH_DOMAIN, p));
    (digest(PATH_DOMAIN, &target), parent)
}

/// A persisted entry's name within its scope: a digest of its cache key
/// (16 hex digits), so no URL is written to disk as a key.
pub fn key_digest(url: &str) -> String {
    let key = cache_key(url);
    let mut out = String::with_capacity(16);
    push_hex(&mut out, digest("projekt-client/key", &key));
    out
}

/// The comparable path of a URL or cache key: no fragment, no query, no
/// scheme and authority, no trailing slashes, with a leading `/` (the root is
/// the empty string).
fn path_of(url: &str) -> String {
    let s = strip_fragment(url);
    let s = text::before(s, b"?");
    let rest = if let Some(r) = s.strip_prefix("//") {
        after_authority(r)
    } else {
        match crate::text::find(s, "://") {
            Some(i) if is_scheme(&s[..i]) => after_authority(&s[i + 3..]),
            _ => s,
        }
    };
    let trimmed = text::trim_end(rest, b"/");
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        let mut p = String::with_capacity(trimmed.len() + 1);
        p.push('/');
        p.push_str(trimmed);
        p
    }
}

/// Whether `s` is a URL scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// What follows the authority in `host[:port]/path`: the path, from its `/`.
fn after_authority(r: &str) -> &str {
    text::split_at_any(r, b"/").1
}

/// The collection above a normalised path (its last segment removed); `None`
/// for the root, which has nothing above it.
fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    text::rpos(path, b'/').map(|i| &path[..i])
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn opts(max_entries: usize, max_bytes: usize) -> CacheOptions {
        CacheOptions {
            max_entries,
            max_bytes,
        }
    }

    fn body(c: &mut Cache<String>, p: &str, u: &str) -> Option<String> {
        c.get(p, u).map(|e| e.body.clone())
    }

    /// Check every internal invariant, not only the public ones.
    fn check<V>(c: &Cache<V>) {
        let o = c.options();
        assert!(
            c.len() <= o.max_entries,
            "len {} > {}",
            c.len(),
            o.max_entries
        );
        assert!(
            c.bytes() <= o.max_bytes,
            "bytes {} > {}",
            c.bytes(),
            o.max_bytes
        );
        let mut n = 0;
        let mut sum = 0;
        for (i, slot) in c.slots.iter().enumerate() {
            n += 1;
            sum += slot.entry.size;
            assert_eq!(slot.path, path_of(&slot.key));
            assert_eq!(slot.key, cache_key(&slot.key));
            let dup = c.slots[i + 1..]
                .iter()
                .any(|o| o.key == slot.key && o.partition == slot.partition);
            assert!(!dup, "duplicate entry");
        }
        assert_eq!(sum, c.bytes());
        assert_eq!(c.is_empty(), n == 0);
    }

    #[test]
    fn defaults() {
        assert_eq!(CacheOptions::default(), opts(500, 8_000_000));
        let c: Cache<String> = Cache::new(CacheOptions::default());
        assert!(c.is_empty());
        assert_eq!(c.len(), 0);
        assert_eq!(c.bytes(), 0);
        assert_eq!(c.options(), CacheOptions::default());
    }

    #[test]
    fn put_get_roundtrip_keeps_etag_verbatim() {
        let mut c = Cache::new(CacheOptions::default());
        assert!(c.put("p", "/v1/issues", "W/\"abc\"", "[1]".to_owned(), 3));
        let e = c.get("p", "/v1/issues").cloned();
        assert_eq!(
            e,
            Some(Entry {
                etag: "W/\"abc\"".into(),
                body: "[1]".into(),
                size: 3
            })
        );
        assert_eq!(c.get("p", "/v1/issues/1"), None);
        check(&c);
    }

    #[test]
    fn lru_order_get_refreshes() {
        let mut c = Cache::new(opts(3, 1000));
        c.put("p", "/a", "1", "a".to_owned(), 1);
        c.put("p", "/b", "1", "b".to_owned(), 1);
        c.put("p", "/c", "1", "c".to_owned(), 1);
        // Touch /a: /b becomes least recently used.
        assert!(c.get("p", "/a").is_some());
        c.put("p", "/d", "1", "d".to_owned(), 1);
        assert_eq!(c.len(), 3);
        assert!(c.get("p", "/b").is_none());
        assert!(c.get("p", "/a").is_some());
        assert!(c.get("p", "/c").is_some());
        assert!(c.get("p", "/d").is_some());
        // Order now: a, c, d (oldest first) -> next put evicts /a.
        c.put("p", "/e", "1", "e".to_owned(), 1);
        assert!(c.get("p", "/a").is_none());
        check(&c);
    }

    #[test]
    fn replacing_refreshes_recency() {
        let mut c = Cache::new(opts(2, 1000));
        c.put("p", "/a", "1", "a".to_owned(), 1);
        c.put("p", "/b", "1", "b".to_owned(), 1);
        c.put("p", "/a", "2", "a2".to_owned(), 2);
        c.put("p", "/c", "1", "c".to_owned(), 1);
        assert!(c.get("p", "/b").is_none());
        assert_eq!(c.get("p", "/a").map(|e| e.etag.as_str()), Some("2"));
        check(&c);
    }

    #[test]
    fn eviction_by_count() {
        let mut c = Cache::new(opts(2, 1000));
        for u in ["/a", "/b", "/c", "/d"] {
            assert!(c.put("p", u, "e", u.to_owned(), 10));
            check(&c);
        }
        assert_eq!(c.len(), 2);
        assert_eq!(c.bytes(), 20);
        assert!(c.get("p", "/c").is_some() && c.get("p", "/d").is_some());
    }

    #[test]
    fn eviction_by_bytes() {
        let mut c = Cache::new(opts(100, 100));
        c.put("p", "/a", "e", "a".to_owned(), 40);
        c.put("p", "/b", "e", "b".to_owned(), 40);
        c.put("p", "/c", "e", "c".to_owned(), 30); // 110 > 100: /a goes
        assert_eq!(c.bytes(), 70);
        assert!(c.get("p", "/a").is_none());
        // A body of exactly max_bytes evicts everything else.
        assert!(c.put("p", "/d", "e", "d".to_owned(), 100));
        assert_eq!(c.len(), 1);
        assert_eq!(c.bytes(), 100);
        assert_eq!(body(&mut c, "p", "/d").as_deref(), Some("d"));
        check(&c);
    }

    #[test]
    fn oversize_not_stored_and_drops_old() {
        let mut c = Cache::new(opts(10, 100));
        c.put("p", "/a", "e1", "old".to_owned(), 10);
        c.put("p", "/b", "e1", "b".to_owned(), 10);
        assert!(!c.put("p", "/a", "e2", "huge".to_owned(), 101));
        assert!(c.get("p", "/a").is_none());
        // Other entries are untouched.
        assert!(c.get("p", "/b").is_some());
        assert_eq!(c.bytes(), 10);
        assert_eq!(c.len(), 1);
        check(&c);
    }

    #[test]
    fn zero_bounds_store_nothing() {
        for o in [opts(0, 100), opts(10, 0), opts(0, 0)] {
            let mut c = Cache::new(o);
            assert!(!c.put("p", "/a", "e", "x".to_owned(), 0));
            assert!(!c.put("p", "/a", "e", "x".to_owned(), 1));
            assert!(c.is_empty());
            assert_eq!(c.bytes(), 0);
            check(&c);
        }
    }

    #[test]
    fn replace_keeps_bytes_right() {
        let mut c = Cache::new(opts(10, 100));
        c.put("p", "/a", "e1", "x".to_owned(), 30);
        c.put("p", "/a", "e2", "y".to_owned(), 50);
        assert_eq!(c.len(), 1);
        assert_eq!(c.bytes(), 50);
        c.put("p", "/a", "e3", "z".to_owned(), 5);
        assert_eq!(c.bytes(), 5);
        // Replacing must not evict other entries needlessly: 5 + 90 fits
        // once the old /a (5) is gone.
        c.put("p", "/b", "e", "b".to_owned(), 90);
        c.put("p", "/b", "e", "b".to_owned(), 95);
        assert_eq!(c.bytes(), 100);
        assert_eq!(c.len(), 2);
        // Same key spelled differently replaces too.
        c.put("p", "/q?b=1&a=2", "e", "q".to_owned(), 0);
        c.put("p", "/q?a=2&b=1#x", "e2", "q2".to_owned(), 0);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c.get("p", "/q?b=1&a=2").map(|e| e.etag.as_str()),
            Some("e2")
        );
        check(&c);
    }

    #[test]
    fn remove_and_clear() {
        let mut c = Cache::new(opts(10, 100));
        c.put("p", "/a?y=1&x=2", "e", "a".to_owned(), 10);
        c.put("p", "/b", "e", "b".to_owned(), 10);
        assert!(c.remove("p", "/a?x=2&y=1"));
        assert!(!c.remove("p", "/a?x=2&y=1"));
        assert!(!c.remove("other", "/b"));
        assert_eq!(c.bytes(), 10);
        check(&c);
        c.clear();
        assert!(c.is_empty());
        assert_eq!(c.bytes(), 0);
        assert_eq!(c.options(), opts(10, 100));
        check(&c);
        assert!(c.put("p", "/b", "e", "b".to_owned(), 10));
        check(&c);
    }

    #[test]
    fn partition_isolation() {
        let alice = partition_key(Some("alice-token"), Some("org1"));
        let bob = partition_key(Some("bob-token"), Some("org1"));
        let mut c = Cache::new(CacheOptions::default());
        c.put(&alice, "/v1/me", "a", "alice".to_owned(), 5);
        assert!(c.get(&bob, "/v1/me").is_none());
        c.put(&bob, "/v1/me", "b", "bob".to_owned(), 3);
        assert_eq!(body(&mut c, &alice, "/v1/me").as_deref(), Some("alice"));
        assert_eq!(body(&mut c, &bob, "/v1/me").as_deref(), Some("bob"));
        assert_eq!(c.len(), 2);
        assert_eq!(c.bytes(), 8);
        assert!(c.remove(&alice, "/v1/me"));
        assert_eq!(body(&mut c, &bob, "/v1/me").as_deref(), Some("bob"));
        check(&c);
    }

    #[test]
    fn drop_partition_only_drops_that_identity() {
        let mut c = Cache::new(CacheOptions::default());
        for u in ["/a", "/b", "/c"] {
            c.put("p1", u, "e", "1".to_owned(), 1);
            c.put("p2", u, "e", "2".to_owned(), 2);
        }
        c.drop_partition("p1");
        assert_eq!(c.len(), 3);
        assert_eq!(c.bytes(), 6);
        assert!(c.get("p1", "/a").is_none());
        assert!(c.get("p2", "/a").is_some());
        c.drop_partition("nope");
        c.drop_partition("p2");
        assert!(c.is_empty());
        assert_eq!(c.bytes(), 0);
        check(&c);
    }

    const ISSUE_URLS: [&str; 9] = [
        "/v1/issues/7",
        "/v1/issues/7?a=b",
        "/v1/issues",
        "/v1/issues?page=2",
        "/v1/issues/8",
        "/v1/issues/7/comments",
        "/v1",
        "/v1/issues/70",
        "/v1/issuesx",
    ];

    fn fill(c: &mut Cache<String>, partitions: &[&str]) {
        for p in partitions {
            for u in ISSUE_URLS {
                c.put(p, u, "e", u.to_owned(), 1);
            }
        }
    }

    fn remaining(c: &mut Cache<String>, p: &str) -> Vec<&'static str> {
        ISSUE_URLS
            .into_iter()
            .filter(|u| c.get(p, u).is_some())
            .collect()
    }

    #[test]
    fn invalidate_item_and_collection_in_every_partition() {
        let mut c = Cache::new(CacheOptions::default());
        fill(&mut c, &["p1", "p2"]);
        assert_eq!(c.invalidate("/v1/issues/7?x=1"), 8);
        for p in ["p1", "p2"] {
            assert_eq!(
                remaining(&mut c, p),
                vec![
                    "/v1/issues/8",
                    "/v1/issues/7/comments",
                    "/v1",
                    "/v1/issues/70",
                    "/v1/issuesx"
                ]
            );
        }
        check(&c);
    }

    #[test]
    fn invalidating_by_digests_drops_what_invalidating_by_url_does() {
        for url in [
            "/v1/issues/7?x=1",
            "/v1/issues",
            "https://api.test/v1/issues/7/",
            "/",
        ] {
            let mut by_url = Cache::new(CacheOptions::default());
            fill(&mut by_url, &["p1", "p2"]);
            let mut by_digest = by_url.clone();
            let (path, parent) = path_digests(url);
            assert_eq!(
                by_url.invalidate(url),
                by_digest.invalidate_digests(path, parent),
                "{url}"
            );
            for p in ["p1", "p2"] {
                assert_eq!(
                    remaining(&mut by_url, p),
                    remaining(&mut by_digest, p),
                    "{url}"
                );
            }
        }
        assert_eq!(key_digest("/v1/a?b=1&a=2"), key_digest("/v1/a?a=2&b=1#f"));
        assert_ne!(key_digest("/v1/a"), key_digest("/v1/b"));
    }

    #[test]
    fn invalidate_post_to_collection() {
        let mut c = Cache::new(CacheOptions::default());
        fill(&mut c, &["p"]);
        // POST /v1/issues: /v1/issues* (any query) and /v1 above it.
        assert_eq!(c.invalidate("/v1/issues"), 3);
        assert_eq!(
            remaining(&mut c, "p"),
            vec![
                "/v1/issues/7",
                "/v1/issues/7?a=b",
                "/v1/issues/8",
                "/v1/issues/7/comments",
                "/v1/issues/70",
                "/v1/issuesx"
            ]
        );
        check(&c);
    }

    #[test]
    fn invalidate_ignores_trailing_slash_fragment_and_origin() {
        let mut c = Cache::new(CacheOptions::default());
        c.put("p", "https://api.test/v1/issues/7/", "e", "a".to_owned(), 1);
        c.put(
            "p",
            "https://api.test/v1/issues?page=2#top",
            "e",
            "b".to_owned(),
            1,
        );
        c.put("p", "https://api.test/v1/issues/8", "e", "c".to_owned(), 1);
        assert_eq!(c.invalidate("/v1/issues/7#frag"), 2);
        assert_eq!(c.len(), 1);
        c.put("p", "/v1/issues/9", "e", "d".to_owned(), 1);
        assert_eq!(c.invalidate("https://api.test/v1/issues/9/?x=1"), 1);
        assert_eq!(c.invalidate("//api.test/v1/issues/8"), 1);
        assert!(c.is_empty());
        check(&c);
    }

    #[test]
    fn invalidate_root() {
        let mut c = Cache::new(CacheOptions::default());
        c.put("p", "https://api.test/", "e", "root".to_owned(), 1);
        c.put("p", "https://api.test", "e", "root2".to_owned(), 1);
        c.put("p", "/v1", "e", "v1".to_owned(), 1);
        c.put("p", "/v1/x", "e", "x".to_owned(), 1);
        // A write to /v1 drops /v1 and the root above it, not /v1/x.
        assert_eq!(c.invalidate("/v1/"), 3);
        assert_eq!(c.len(), 1);
        // The root has nothing above it.
        c.put("p", "/", "e", "root".to_owned(), 1);
        assert_eq!(c.invalidate("https://api.test"), 1);
        assert_eq!(c.len(), 1);
        check(&c);
    }

    #[test]
    fn path_of_cases() {
        assert_eq!(path_of("/v1/issues/7?x=1#f"), "/v1/issues/7");
        assert_eq!(path_of("https://api.test/v1/issues/"), "/v1/issues");
        assert_eq!(path_of("https://api.test"), "");
        assert_eq!(path_of("https://api.test?x=1"), "");
        assert_eq!(path_of("//api.test/v1"), "/v1");
        assert_eq!(path_of("v1/issues"), "/v1/issues");
        assert_eq!(path_of("/v1/a://b"), "/v1/a://b");
        assert_eq!(path_of("/"), "");
        assert_eq!(path_of(""), "");
        assert_eq!(parent_path("/v1/issues/7"), Some("/v1/issues"));
        assert_eq!(parent_path("/v1"), Some(""));
        assert_eq!(parent_path(""), None);
    }

    #[test]
    fn cache_key_normalisation() {
        assert_eq!(cache_key("/v1/issues?b=1&a=2"), "/v1/issues?a=2&b=1");
        assert_eq!(cache_key("/v1/issues?a=2&b=1"), "/v1/issues?a=2&b=1");
        assert_eq!(
            cache_key("https://api.test/v1/issues?b=1&a=2"),
            "https://api.test/v1/issues?a=2&b=1"
        );
        // Stable for equal names.
        assert_eq!(cache_key("/x?t=2&a=1&t=1"), "/x?a=1&t=2&t=1");
        // Names without values and values containing '='.
        assert_eq!(cache_key("/x?z&a=b=c&m="), "/x?a=b=c&m=&z");
        // Fragment dropped, including a '?' inside it.
        assert_eq!(cache_key("/x?b=1&a=1#frag?c=3"), "/x?a=1&b=1");
        assert_eq!(cache_key("/x#a?b"), "/x");
        // Empty parameters and a bare '?'.
        assert_eq!(cache_key("/x?"), "/x");
        assert_eq!(cache_key("/x?&&b=1&&a=1&"), "/x?a=1&b=1");
        assert_eq!(cache_key("/x"), "/x");
        assert_eq!(cache_key(""), "");
        // Paths, values and encodings kept byte for byte.
        assert_eq!(cache_key("/X/y/?q=%20A"), "/X/y/?q=%20A");
        assert_eq!(cache_key("/é?ü=1&ä=2"), "/é?ä=2&ü=1");
    }

    #[test]
    fn partition_key_hides_token_and_separates_identities() {
        let token = "secret-token-abc123";
        let k = partition_key(Some(token), Some("org-1"));
        assert!(!k.contains(token));
        assert!(!k.contains("secret"));
        let hex = k
            .strip_prefix("t:")
            .and_then(|r| r.strip_suffix("|o:org-1"))
            .unwrap_or_default();
        assert_eq!(hex.len(), 32);
        assert!(hex
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        // Both halves differ (two prefixes).
        assert_ne!(&hex[..16], &hex[16..]);
        // Deterministic.
        assert_eq!(k, partition_key(Some(token), Some("org-1")));
        // Differs per token and per org.
        assert_ne!(k, partition_key(Some("secret-token-abc124"), Some("org-1")));
        assert_ne!(k, partition_key(Some(token), Some("org-2")));
        assert_ne!(k, partition_key(Some(token), None));
        assert_ne!(k, partition_key(None, Some("org-1")));
        // Anonymous and "no org" never collide with real values.
        assert_eq!(partition_key(None, None), "anon|no-org");
        assert_ne!(partition_key(None, None), partition_key(None, Some("-")));
        assert_ne!(partition_key(None, None), partition_key(None, Some("")));
        assert_ne!(partition_key(Some(""), None), partition_key(None, None));
    }

    #[test]
    fn set_options_shrinks() {
        let mut c = Cache::new(opts(10, 100));
        for (i, u) in ["/a", "/b", "/c", "/d"].into_iter().enumerate() {
            c.put("p", u, "e", u.to_owned(), 10 + i);
        }
        c.set_options(opts(3, 100));
        assert!(c.get("p", "/a").is_none());
        c.set_options(opts(3, 25));
        assert_eq!(c.len(), 2); // /c (12) + /d (13)
        assert_eq!(c.bytes(), 25);
        c.set_options(opts(3, 24));
        assert_eq!(c.len(), 1);
        assert_eq!(c.bytes(), 13);
        check(&c);
        c.set_options(opts(0, 25));
        assert!(c.is_empty());
        check(&c);
    }

    #[test]
    fn empty_partitions_are_not_kept() {
        let mut c = Cache::new(opts(1, 100));
        for i in 0..50 {
            c.put(&format!("p{i}"), "/a", "e", String::new(), 1);
        }
        assert_eq!(c.len(), 1);
        check(&c);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        const PARTS: [&str; 3] = ["p0", "p1", "p2"];
        const URLS: [&str; 10] = [
            "/v1/issues",
            "/v1/issues?page=2",
            "/v1/issues/7",
            "/v1/issues/7?a=b&c=d",
            "/v1/issues/7?c=d&a=b#frag",
            "/v1/issues/7/comments",
            "/v1",
            "https://api.test/v1/issues/8/",
            "/v1/issues/8",
            "/",
        ];

        #[derive(Clone, Debug)]
        enum Op {
            Put(usize, usize, usize, u8),
            Get(usize, usize),
            Remove(usize, usize),
            Invalidate(usize),
            Drop(usize),
            Clear,
            SetOptions(usize, usize),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                6 => (0..PARTS.len(), 0..URLS.len(), 0usize..60, any::<u8>())
                    .prop_map(|(p, u, s, t)| Op::Put(p, u, s, t)),
                4 => (0..PARTS.len(), 0..URLS.len()).prop_map(|(p, u)| Op::Get(p, u)),
                1 => (0..PARTS.len(), 0..URLS.len()).prop_map(|(p, u)| Op::Remove(p, u)),
                1 => (0..URLS.len()).prop_map(Op::Invalidate),
                1 => (0..PARTS.len()).prop_map(Op::Drop),
                1 => Just(Op::Clear),
                1 => (0usize..8, 0usize..120).prop_map(|(e, b)| Op::SetOptions(e, b)),
            ]
        }

        /// Naive reference: a Vec in recency order (oldest first).
        #[derive(Default)]
        struct Model {
            items: Vec<(String, String, Entry<String>)>,
        }

        impl Model {
            fn pos(&self, p: &str, k: &str) -> Option<usize> {
                self.items.iter().position(|(ip, ik, _)| ip == p && ik == k)
            }
            fn bytes(&self) -> usize {
                self.items.iter().map(|(_, _, e)| e.size).sum()
            }
            fn shrink(&mut self, o: CacheOptions) {
                while self.items.len() > o.max_entries || self.bytes() > o.max_bytes {
                    self.items.remove(0);
                }
            }
        }

        fn run(o: CacheOptions, ops: &[Op]) -> Result<(), TestCaseError> {
            let mut c: Cache<String> = Cache::new(o);
            let mut m = Model::default();
            let mut o = o;
            for op in ops {
                match *op {
                    Op::Put(p, u, size, t) => {
                        let (p, k) = (PARTS[p], cache_key(URLS[u]));
                        let etag = format!("\"{t}\"");
                        let stored = c.put(p, URLS[u], &etag, format!("{p}{k}{t}"), size);
                        if let Some(i) = m.pos(p, &k) {
                            m.items.remove(i);
                        }
                        let fits = o.max_entries > 0 && o.max_bytes > 0 && size <= o.max_bytes;
                        prop_assert_eq!(stored, fits);
                        if fits {
                            while m.items.len() + 1 > o.max_entries
                                || m.bytes() + size > o.max_bytes
                            {
                                m.items.remove(0);
                            }
                            let e = Entry {
                                etag,
                                body: format!("{p}{k}{t}"),
                                size,
                            };
                            m.items.push((p.to_owned(), k, e));
                        }
                    }
                    Op::Get(p, u) => {
                        let (p, k) = (PARTS[p], cache_key(URLS[u]));
                        let got = c.get(p, URLS[u]).cloned();
                        let want = m.pos(p, &k).map(|i| {
                            let it = m.items.remove(i);
                            let e = it.2.clone();
                            m.items.push(it);
                            e
                        });
                        prop_assert_eq!(got, want);
                    }
                    Op::Remove(p, u) => {
                        let (p, k) = (PARTS[p], cache_key(URLS[u]));
                        let want = m.pos(p, &k).map(|i| m.items.remove(i)).is_some();
                        prop_assert_eq!(c.remove(p, URLS[u]), want);
                    }
                    Op::Invalidate(u) => {
                        let target = path_of(URLS[u]);
                        let parent = parent_path(&target);
                        let before = m.items.len();
                        m.items.retain(|(_, k, _)| {
                            let path = path_of(k);
                            path != target && parent != Some(path.as_str())
                        });
                        prop_assert_eq!(c.invalidate(URLS[u]), before - m.items.len());
                    }
                    Op::Drop(p) => {
                        c.drop_partition(PARTS[p]);
                        m.items.retain(|(ip, _, _)| ip != PARTS[p]);
                    }
                    Op::Clear => {
                        c.clear();
                        m.items.clear();
                    }
                    Op::SetOptions(e, b) => {
                        o = opts(e, b);
                        c.set_options(o);
                        m.shrink(o);
                    }
                }
                check(&c);
                prop_assert_eq!(c.len(), m.items.len());
                prop_assert_eq!(c.bytes(), m.bytes());
                let order: Vec<(String, String)> = c
                    .slots
                    .iter()
                    .map(|s| (s.partition.clone(), s.key.clone()))
                    .collect();
                let want: Vec<(String, String)> = m
                    .items
                    .iter()
                    .map(|(p, k, _)| (p.clone(), k.clone()))
                    .collect();
                prop_assert_eq!(order, want);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn random_ops_match_model(
                e in 0usize..8,
                b in 0usize..150,
                ops in proptest::collection::vec(op(), 0..80),
            ) {
                run(opts(e, b), &ops)?;
            }

            #[test]
            fn cache_key_never_panics_and_is_idempotent(s in any::<String>()) {
                let k = cache_key(&s);
                prop_assert_eq!(cache_key(&k), k.clone());
                prop_assert!(!k.contains('#'));
                let _ = path_of(&s);
            }

            #[test]
            fn cache_key_url_like_strings(s in "[a-z:/?#&=.%é]{0,40}") {
                let k = cache_key(&s);
                prop_assert_eq!(cache_key(&k), k.clone());
                prop_assert!(!k.contains('#'));
                let p = path_of(&s);
                prop_assert!(p.is_empty() || (p.starts_with('/') && !p.ends_with('/')));
            }

            #[test]
            fn cache_key_ignores_param_order(
                params in proptest::collection::btree_map("[a-z]{1,4}", "[a-z0-9=]{0,4}", 0..6),
                seed in any::<u64>(),
            ) {
                let mut list: Vec<String> =
                    params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let sorted = format!("https://api.test/x?{}", list.join("&"));
                // Deterministic shuffle from the seed.
                let mut s = seed;
                for i in (1..list.len()).rev() {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    list.swap(i, (s >> 33) as usize % (i + 1));
                }
                let shuffled = format!("https://api.test/x?{}#f", list.join("&"));
                prop_assert_eq!(cache_key(&shuffled), cache_key(&sorted));
            }

            #[test]
            fn arbitrary_urls_never_panic(
                urls in proptest::collection::vec(any::<String>(), 1..12),
                ops in proptest::collection::vec((0u8..5, any::<prop::sample::Index>(), 0usize..40), 0..60),
            ) {
                let mut c: Cache<String> = Cache::new(opts(5, 100));
                for (kind, idx, size) in ops {
                    let u = idx.get(&urls);
                    match kind {
                        0 => { c.put("p", u, u, u.clone(), size); }
                        1 => { c.get("p", u); }
                        2 => { c.remove("p", u); }
                        3 => { c.invalidate(u); }
                        _ => c.drop_partition(u),
                    }
                    check(&c);
                }
            }

            #[test]
            fn partition_key_never_contains_token(
                // Starts with a letter that is neither hex nor in the fixed parts.
                token in "[G-Z][A-Za-z0-9._-]{5,63}",
                org in proptest::option::of("[a-z0-9-]{0,8}"),
            ) {
                let k = partition_key(Some(&token), org.as_deref());
                prop_assert!(!k.contains(&token));
                prop_assert_ne!(k, partition_key(None, org.as_deref()));
            }
        }
    }
}
