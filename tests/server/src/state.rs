//! Server-wide and per-scope state.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::http::Request;

/// Most log entries kept per scope (oldest dropped first; counters are exact).
pub const MAX_LOG: usize = 100_000;
/// Request bodies are logged up to this many bytes.
pub const MAX_LOGGED_BODY: usize = 4096;

/// Locks a mutex, ignoring poisoning (a panicking handler must not take the
/// whole server down).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by all connections.
pub struct Server {
    pub started: Instant,
    pub port: u16,
    pub static_dirs: Vec<PathBuf>,
    scopes: Mutex<HashMap<String, Arc<Mutex<Scope>>>>,
    /// Every request that reached this server (preflights included), but
    /// `GET /__hits` itself: a decoy server on another loopback address
    /// proves with it that nothing was sent its way.
    hits: Mutex<(u64, Vec<String>)>,
}

impl Server {
    pub fn new(port: u16, static_dirs: Vec<PathBuf>) -> Server {
        Server {
            started: Instant::now(),
            port,
            static_dirs,
            scopes: Mutex::new(HashMap::new()),
            hits: Mutex::new((0, Vec::new())),
        }
    }

    /// Counts a request (the first 100 are kept as `METHOD path?query`).
    pub fn hit(&self, method: &str, target: &str) {
        let mut h = lock(&self.hits);
        h.0 += 1;
        if h.1.len() < 100 {
            h.1.push(format!("{method} {target}"));
        }
    }

    /// `{"hits": N, "seen": ["METHOD path", …]}`.
    pub fn hits_json(&self) -> serde_json::Value {
        let h = lock(&self.hits);
        serde_json::json!({"hits": h.0, "seen": h.1})
    }

    /// Milliseconds since the server started.
    pub fn t_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }

    /// The scope's state, created on first use.
    pub fn scope(&self, name: &str) -> Arc<Mutex<Scope>> {
        lock(&self.scopes)
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(Mutex::new(Scope::new())))
            .clone()
    }

    /// Forgets everything about a scope.
    pub fn reset_scope(&self, name: &str) {
        lock(&self.scopes).remove(name);
    }
}

/// `[A-Za-z0-9_-]{1,64}`.
pub fn valid_scope(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A rate-limit window for one `/ratelimit/{key}`.
pub struct RateWindow {
    pub used: u64,
    pub window_start: Instant,
    pub first_429: Option<Instant>,
}

/// A `/versioned/{key}` resource.
pub struct Versioned {
    pub version: u64,
    pub count: i64,
    pub fields: Map<String, Value>,
}

/// Everything the server remembers for one scope.
pub struct Scope {
    pub log: VecDeque<Value>,
    pub total: u64,
    pub by_path: BTreeMap<String, u64>,
    pub path_counts: HashMap<String, u64>,
    pub rate_limited: u64,
    pub posts: BTreeMap<String, u64>,
    pub faults: BTreeMap<String, u64>,
    /// `/fault` responses per request key (`req=`, else `seed|i|kind`), in
    /// order, as `"METHOD fault"`: what `__faults` reports and `heal=` counts.
    pub fault_seq: HashMap<String, Vec<String>>,
    pub flaky: HashMap<String, u64>,
    pub ratelimits: HashMap<String, RateWindow>,
    pub items: BTreeMap<u64, Map<String, Value>>,
    pub next_item_id: u64,
    pub collection_version: u64,
    pub versioned: HashMap<String, Versioned>,
    pub next_validate_id: u64,
    /// Body bytes the hostile `stream` route wrote for this scope (what a
    /// client read before it stopped, plus what the sockets buffered).
    pub streamed: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Default for Scope {
    fn default() -> Self {
        Scope::new()
    }
}

impl Scope {
    pub fn new() -> Scope {
        let mut items = BTreeMap::new();
        for id in 1..=3u64 {
            let mut m = Map::new();
            m.insert("id".into(), json!(id));
            m.insert("title".into(), json!(format!("Item {id}")));
            m.insert("version".into(), json!(1));
            items.insert(id, m);
        }
        Scope {
            log: VecDeque::new(),
            total: 0,
            by_path: BTreeMap::new(),
            path_counts: HashMap::new(),
            rate_limited: 0,
            posts: BTreeMap::new(),
            faults: BTreeMap::new(),
            fault_seq: HashMap::new(),
            flaky: HashMap::new(),
            ratelimits: HashMap::new(),
            streamed: Default::default(),
            items,
            next_item_id: 4,
            collection_version: 1,
            versioned: HashMap::new(),
            next_validate_id: 1,
        }
    }

    /// Logs and counts a request to `path` (relative to the scope). Returns how
    /// many requests this path has had in the scope, this one included.
    pub fn record(&mut self, req: &Request, path: &str, t_ms: f64) -> u64 {
        let mut headers = Map::new();
        for (name, _) in &req.headers {
            if !headers.contains_key(name) {
                let joined = req.header_joined(name).unwrap_or_default();
                headers.insert(name.clone(), Value::String(joined));
            }
        }
        let body = truncate_utf8(&req.body, MAX_LOGGED_BODY);
        self.log.push_back(json!({
            "method": req.method,
            "path": path,
            "query": req.query,
            "headers": headers,
            "body": body,
            "t_ms": t_ms,
        }));
        if self.log.len() > MAX_LOG {
            self.log.pop_front();
        }
        self.total += 1;
        *self
            .by_path
            .entry(format!("{} {}", req.method, path))
            .or_insert(0) += 1;
        if req.method == "POST" {
            let key = req
                .params()
                .get("req")
                .map(str::to_string)
                .or_else(|| req.header("idempotency-key").map(str::to_string));
            if let Some(key) = key {
                *self.posts.entry(key).or_insert(0) += 1;
            }
        }
        let n = self.path_counts.entry(path.to_string()).or_insert(0);
        *n += 1;
        *n
    }

    pub fn log_json(&self) -> Value {
        Value::Array(self.log.iter().cloned().collect())
    }

    /// `{ key: ["GET server_500", "GET ok"], … }` for `__faults`.
    pub fn faults_json(&self) -> Value {
        let mut keys: Vec<&String> = self.fault_seq.keys().collect();
        keys.sort();
        let mut m = Map::new();
        for k in keys {
            m.insert(k.clone(), json!(self.fault_seq[k]));
        }
        Value::Object(m)
    }

    pub fn counts_json(&self) -> Value {
        json!({
            "total": self.total,
            "by_path": self.by_path,
            "rate_limited": self.rate_limited,
            "posts": self.posts,
            "faults": self.faults,
            "streamed": self.streamed.load(std::sync::atomic::Ordering::Relaxed),
        })
    }
}

/// Lossy UTF-8 of at most `max` bytes of `b`, cut at a character boundary.
fn truncate_utf8(b: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(b);
    if s.len() <= max {
        return s.into_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_names() {
        assert!(valid_scope("abc-DEF_123"));
        assert!(!valid_scope(""));
        assert!(!valid_scope("a/b"));
        assert!(!valid_scope(&"a".repeat(65)));
    }

    #[test]
    fn truncates_on_char_boundary() {
        let s = "é".repeat(3000);
        let t = truncate_utf8(s.as_bytes(), 4095);
        assert!(t.len() <= 4095);
        assert!(t.chars().all(|c| c == 'é'));
    }
}
