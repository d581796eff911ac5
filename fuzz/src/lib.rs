//! Helpers shared by the fuzz targets: turning the fuzzer's bytes into the
//! crate's inputs.
//!
//! Inputs are text, one field per line (see each target's header comment),
//! so the committed seeds are readable and the fuzzer's mutations of them
//! stay close to real headers, keys and URLs.

use projekt_client::envelope::Raw;
use std::sync::Mutex;

/// The fuzzer's bytes as text (invalid UTF-8 becomes U+FFFD, as a browser's
/// `TextDecoder` would make it), split into lines.
pub fn lines(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .split('\n')
        .map(str::to_owned)
        .collect()
}

/// Line `i`, or `""` when the input has fewer lines.
pub fn line(lines: &[String], i: usize) -> &str {
    lines.get(i).map_or("", String::as_str)
}

/// Records an error message and fails once more than `max` distinct
/// messages were seen for `what`: a message that embeds its input (a token,
/// a URL) would make the set grow with every input.
pub fn constant_message(what: &'static str, message: &str, max: usize) {
    static SEEN: Mutex<Vec<(&'static str, String)>> = Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.iter().any(|(w, m)| *w == what && m == message) {
        return;
    }
    seen.push((what, message.to_owned()));
    let n = seen.iter().filter(|(w, _)| *w == what).count();
    assert!(
        n <= max,
        "{what}: more than {max} distinct error messages; the latest is {message:?}"
    );
}

/// Parses JSON into a [`Raw`] tree keeping every member, duplicates
/// included, in source order (what `field_errors` must cope with as a
/// public function). `None` when `text` is not JSON.
pub fn json_raw(text: &str) -> Option<Raw> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = serde::Deserialize::deserialize(&mut de).ok().map(|RawDe(r)| r)?;
    de.end().ok()?;
    Some(raw)
}

/// The tree the web layer would hand over for the same body: what
/// `JSON.parse` keeps (the last of duplicate keys, at the first one's
/// position) cut like `web::convert::to_raw` cuts it (depth, member count,
/// a budget of 10,000 values).
pub fn web_like(raw: &Raw) -> Raw {
    let mut budget = 10_000usize;
    web_like_at(raw, 0, &mut budget)
}

fn web_like_at(raw: &Raw, depth: usize, budget: &mut usize) -> Raw {
    use projekt_client::envelope::{MAX_DEPTH, MAX_FIELDS};
    if *budget == 0 {
        return Raw::Null;
    }
    *budget -= 1;
    match raw {
        Raw::Str(_) | Raw::Num(_) => raw.clone(),
        _ if depth > MAX_DEPTH => Raw::Null,
        Raw::Null => Raw::Null,
        Raw::List(items) => Raw::List(
            items
                .iter()
                .take(MAX_FIELDS)
                .map(|v| web_like_at(v, depth + 1, budget))
                .collect(),
        ),
        Raw::Map(members) => {
            let mut dedup: Vec<(String, &Raw)> = Vec::new();
            for (k, v) in members {
                match dedup.iter_mut().find(|(dk, _)| dk == k) {
                    Some(slot) => slot.1 = v,
                    None => dedup.push((k.clone(), v)),
                }
            }
            // JS orders integer-like keys first, ascending; the order does
            // not change what is kept, so it is not modelled.
            Raw::Map(
                dedup
                    .into_iter()
                    .take(MAX_FIELDS)
                    .map(|(k, v)| {
                        let v = web_like_at(v, depth + 1, budget);
                        (k, v)
                    })
                    .collect(),
            )
        }
    }
}

/// Builds a [`Raw`] from arbitrary bytes (used when the input is not JSON):
/// a small stack language so that every byte string is a tree, bounded in
/// size by the input.
pub fn bytes_raw(data: &[u8]) -> Raw {
    let mut stack: Vec<Raw> = Vec::new();
    let mut i = 0usize;
    let text = |i: &mut usize, data: &[u8]| -> String {
        let len = data.get(*i).map_or(0, |&b| usize::from(b % 24));
        let start = (*i + 1).min(data.len());
        let end = (start + len).min(data.len());
        *i = end;
        String::from_utf8_lossy(&data[start..end]).into_owned()
    };
    while i < data.len() {
        let op = data[i];
        i += 1;
        match op % 8 {
            0 => stack.push(Raw::Null),
            1 => {
                let mut b = [0u8; 8];
                for (j, slot) in b.iter_mut().enumerate() {
                    *slot = data.get(i + j).copied().unwrap_or(0);
                }
                i += 8;
                stack.push(Raw::Num(f64::from_le_bytes(b)));
            }
            2 => stack.push(Raw::Num(f64::from(op >> 3))),
            3 | 4 => {
                let s = text(&mut i, data);
                stack.push(Raw::Str(s));
            }
            5 => {
                // Wrap the top n values in a list.
                let n = usize::from(op >> 3).min(stack.len());
                let items = stack.split_off(stack.len() - n);
                stack.push(Raw::List(items));
            }
            _ => {
                // Wrap the top n values in a map under generated keys.
                let n = usize::from(op >> 3).min(stack.len());
                let values = stack.split_off(stack.len() - n);
                let mut members = Vec::with_capacity(n);
                for v in values {
                    let k = text(&mut i, data);
                    members.push((k, v));
                }
                stack.push(Raw::Map(members));
            }
        }
    }
    Raw::Map(
        stack
            .into_iter()
            .enumerate()
            .map(|(i, v)| (KEYS[i % KEYS.len()].to_owned(), v))
            .collect(),
    )
}

const KEYS: [&str; 8] = [
    "title",
    "items",
    "__proto__",
    "a.b",
    "items[0]",
    "constructor",
    "x",
    "",
];

/// The number of nodes and bytes of text (keys and strings) in a tree, and
/// its depth: what output sizes are bounded by.
pub fn raw_size(raw: &Raw) -> (usize, usize, usize) {
    match raw {
        Raw::Null | Raw::Num(_) => (1, 0, 1),
        Raw::Str(s) => (1, s.len(), 1),
        Raw::List(items) => items.iter().fold((1, 0, 1), |(n, b, d), v| {
            let (vn, vb, vd) = raw_size(v);
            (n + vn, b + vb, d.max(vd + 1))
        }),
        Raw::Map(members) => members.iter().fold((1, 0, 1), |(n, b, d), (k, v)| {
            let (vn, vb, vd) = raw_size(v);
            (n + vn, b + k.len() + vb, d.max(vd + 1))
        }),
    }
}

struct RawDe(Raw);

impl<'de> serde::Deserialize<'de> for RawDe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor).map(RawDe)
    }
}

struct RawVisitor;

impl<'de> serde::de::Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Num(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(RawDe(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Raw::List(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut members = Vec::new();
        while let Some((k, RawDe(v))) = map.next_entry::<String, RawDe>()? {
            members.push((k, v));
        }
        Ok(Raw::Map(members))
    }
}
