//! The two JSON jobs of a 4xx/5xx answer, in plain Rust: reading an
//! envelope's `errors` member into a bounded [`Raw`], and writing the typed
//! error's facts for JavaScript.
//!
//! Why text and not JS objects: walking a parsed field map from wasm takes a
//! call into JS per key, value and array element, and building the
//! `fieldErrors` object takes several more per field (about 160 crossings
//! for a 10-field map, a few hundred microseconds). As JSON it is one string
//! each way. The `errors` text comes from `JSON.stringify` of the member the
//! browser already parsed, so it is small (the body was at most 1 MB) and
//! well-formed; the reader still takes any input without panicking and
//! bounds what it builds exactly as the JS walk did: [`MAX_FIELDS`] members
//! or elements, [`MAX_DEPTH`] levels, [`BUDGET`] values in all. Whatever is
//! past a bound is skipped without recursion, so no input can exhaust the
//! stack.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::envelope::{Raw, MAX_DEPTH, MAX_FIELDS};

/// At most this many values are read from one `errors` member.
pub const BUDGET: usize = 10_000;

/// `text` (a JSON value) as a [`Raw`], bounded; `Raw::Null` when it is not
/// JSON. `true`/`false`/`null` are `Raw::Null`; numbers keep their value.
pub fn parse_raw(text: &str) -> Raw {
    let mut p = Reader {
        s: text,
        i: 0,
        budget: BUDGET,
    };
    p.ws();
    p.value(0).unwrap_or(Raw::Null)
}

/// `text` as a [`Raw`] when the whole of it is one JSON value (what
/// `JSON.parse` accepts), bounded as [`parse_raw`]; `Raw::Null` otherwise,
/// a truncated body included.
///
/// ```
/// use projekt_client::{envelope::Raw, json::parse_document};
/// assert!(matches!(parse_document(r#" {"error":"x"} "#), Raw::Map(_)));
/// assert!(matches!(parse_document(r#"{"error":"x"} trailing"#), Raw::Null));
/// assert!(matches!(parse_document(r#"{"error":"Validation fai"#), Raw::Null));
/// ```
pub fn parse_document(text: &str) -> Raw {
    let mut p = Reader {
        s: text,
        i: 0,
        budget: BUDGET,
    };
    p.ws();
    match p.value(0) {
        Some(v) => {
            p.ws();
            if p.i == text.len() {
                v
            } else {
                Raw::Null
            }
        }
        None => Raw::Null,
    }
}

struct Reader<'a> {
    s: &'a str,
    i: usize,
    budget: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    /// One value at `depth` (0 for the member itself); `None` when malformed.
    fn value(&mut self, depth: usize) -> Option<Raw> {
        if self.budget == 0 {
            self.skip()?;
            return Some(Raw::Null);
        }
        self.budget -= 1;
        match self.peek()? {
            b'"' => self.string().map(Raw::Str),
            b'[' | b'{' if depth > MAX_DEPTH => {
                self.skip()?;
                Some(Raw::Null)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat(b']') {
                    return Some(Raw::List(items));
                }
                loop {
                    self.ws();
                    if items.len() < MAX_FIELDS {
                        items.push(self.value(depth + 1)?);
                    } else {
                        self.skip()?;
                    }
                    self.ws();
                    if self.eat(b']') {
                        return Some(Raw::List(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.eat(b'}') {
                    return Some(Raw::Map(members));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return None;
                    }
                    let key = self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return None;
                    }
                    self.ws();
                    if members.len() < MAX_FIELDS {
                        let v = self.value(depth + 1)?;
                        members.push((key, v));
                    } else {
                        self.skip()?;
                    }
                    self.ws();
                    if self.eat(b'}') {
                        return Some(Raw::Map(members));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b't' | b'f' | b'n' => {
                let word = self.word();
                matches!(word, "true" | "false" | "null").then_some(Raw::Null)
            }
            _ => number(self.word()).map(Raw::Num),
        }
    }

    /// The run of letters, digits, signs and dots at the cursor.
    fn word(&mut self) -> &str {
        let start = self.i;
        while matches!(
            self.peek(),
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'+' | b'-' | b'.')
        ) {
            self.i += 1;
        }
        self.s.get(start..self.i).unwrap_or("")
    }

    /// Passes over one value of any nesting, without recursion and without
    /// checking more than where it ends.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            self.ws();
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'[' | b'{' => {
                    depth += 1;
                    self.i += 1;
                    continue;
                }
                b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    self.i += 1;
                }
                b',' | b':' if depth > 0 => {
                    self.i += 1;
                    continue;
                }
                _ => {
                    if self.word().is_empty() {
                        return None;
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// A string literal at the cursor (on its opening quote), unescaped. A
    /// lone surrogate escape becomes U+FFFD, as it does crossing from JS.
    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while !matches!(self.peek()?, b'"' | b'\\') {
                self.i += 1;
            }
            // Both ends sit on ASCII bytes, so on char boundaries.
            out.push_str(self.s.get(start..self.i)?);
            let quote = self.peek()? == b'"';
            self.i += 1;
            if quote {
                return Some(out);
            }
            let escape = self.peek()?;
            self.i += 1;
            let c = match escape {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hi = self.hex4()?;
                    if (0xD800..0xDC00).contains(&hi)
                        && self.s.as_bytes().get(self.i..self.i + 2) == Some(b"\\u")
                    {
                        let save = self.i;
                        self.i += 2;
                        let lo = self.hex4()?;
                        if (0xDC00..0xE000).contains(&lo) {
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                .unwrap_or('\u{FFFD}')
                        } else {
                            self.i = save;
                            '\u{FFFD}'
                        }
                    } else {
                        char::from_u32(hi).unwrap_or('\u{FFFD}')
                    }
                }
                _ => return None,
            };
            out.push(c);
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.as_bytes().get(self.i..self.i + 4)?;
        let mut v = 0u32;
        for &d in digits {
            v = v * 16 + char::from(d).to_digit(16)?;
        }
        self.i += 4;
        Some(v)
    }
}

/// A JSON number's value: `-`, digits, an optional fraction and exponent.
fn number(word: &str) -> Option<f64> {
    let (negative, rest) = match word.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, word),
    };
    let (mantissa, exponent) = match crate::text::pos(rest, b"eE") {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if !mantissa.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut v = crate::date::parse_decimal(mantissa, 1.0)?;
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Past ±400 every f64 has become 0 or infinity.
        let n = digits
            .bytes()
            .take(4)
            .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
        for _ in 0..n.min(400) {
            v = if e.starts_with('-') {
                v / 10.0
            } else {
                v * 10.0
            };
        }
    }
    Some(if negative { -v } else { v })
}

/// Appends `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(u32::from(c) >> 4) as usize]));
                out.push(char::from(HEX[(u32::from(c) & 0xf) as usize]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the old walk over a `JSON.parse`d value built, from serde_json's
    /// reading of the same text (the oracle).
    fn oracle(v: &serde_json::Value, depth: usize, budget: &mut usize) -> Raw {
        use serde_json::Value;
        if *budget == 0 {
            return Raw::Null;
        }
        *budget -= 1;
        match v {
            Value::String(s) => Raw::Str(s.clone()),
            Value::Number(n) => Raw::Num(n.as_f64().unwrap_or(0.0)),
            _ if depth > MAX_DEPTH => Raw::Null,
            Value::Array(a) => Raw::List(
                a.iter()
                    .take(MAX_FIELDS)
                    .map(|x| oracle(x, depth + 1, budget))
                    .collect(),
            ),
            Value::Object(m) => Raw::Map(
                m.iter()
                    .take(MAX_FIELDS)
                    .map(|(k, x)| (k.clone(), oracle(x, depth + 1, budget)))
                    .collect(),
            ),
            _ => Raw::Null,
        }
    }

    /// Same shape and strings, numbers equal to 1e-12 relative (decimal →
    /// f64 by hand may differ from serde_json in the last bit), map members
    /// compared by key (serde_json's map is sorted; the reader keeps the
    /// text's order, which is `Object.keys` order).
    fn same(a: &Raw, b: &Raw) -> bool {
        match (a, b) {
            (Raw::Num(x), Raw::Num(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
            (Raw::List(x), Raw::List(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            (Raw::Map(x), Raw::Map(y)) => {
                let (mut x, mut y) = (x.clone(), y.clone());
                x.sort_by(|p, q| p.0.cmp(&q.0));
                y.sort_by(|p, q| p.0.cmp(&q.0));
                x.len() == y.len()
                    && x.iter()
                        .zip(&y)
                        .all(|(p, q)| p.0 == q.0 && same(&p.1, &q.1))
            }
            _ => a == b,
        }
    }

    fn check(text: &str) {
        let v: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
        let mut budget = BUDGET;
        let (got, want) = (parse_raw(text), oracle(&v, 0, &mut budget));
        assert!(same(&got, &want), "{}", &text[..text.len().min(200)]);
    }

    #[test]
    fn keeps_the_members_order() {
        let got = parse_raw(r#"{"z":"1","a":"2"}"#);
        assert_eq!(
            got,
            Raw::Map(vec![
                ("z".into(), Raw::Str("1".into())),
                ("a".into(), Raw::Str("2".into()))
            ])
        );
        assert_eq!(
            parse_raw("[1.5,-2e3,0]"),
            Raw::List(vec![Raw::Num(1.5), Raw::Num(-2000.0), Raw::Num(0.0)])
        );
    }

    #[test]
    fn reads_an_errors_member() {
        check(
            r#"{"email":["is invalid"],"name":["can't be blank"],"n":[1,2.5,-3e2,1E-7],"x":null,"t":true}"#,
        );
        check(r#"{"nested":{"a":["x"],"b":{"c":"y"}},"list":[[["deep"]]]}"#);
        check(r#" { "sp" : [ "a" , "b" ] } "#);
        check(r#"{"esc":"q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00 \u0001"}"#);
        check(r#"[]"#);
        check(r#"{}"#);
        check(r#""just a string""#);
        check("42");
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(parse_raw(r#""a\ud800b""#), Raw::Str("a\u{FFFD}b".into()));
        assert_eq!(parse_raw(r#""\udc00""#), Raw::Str("\u{FFFD}".into()));
        assert_eq!(parse_raw(r#""\ud800\u0041""#), Raw::Str("\u{FFFD}A".into()));
    }

    #[test]
    fn bounds_hold() {
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(parse_raw(&deep), {
            let mut r = Raw::Null;
            for _ in 0..=MAX_DEPTH {
                r = Raw::List(vec![r]);
            }
            r
        });
        let wide: Vec<String> = (0..MAX_FIELDS + 50)
            .map(|i| format!("\"k{i}\":[\"m\"]"))
            .collect();
        let text = format!("{{{}}}", wide.join(","));
        match parse_raw(&text) {
            // The first MAX_FIELDS in the text's order.
            Raw::Map(m) => {
                assert_eq!(m.len(), MAX_FIELDS);
                assert!(m
                    .iter()
                    .enumerate()
                    .all(|(i, (k, _))| *k == format!("k{i}")));
            }
            _ => panic!("not a map"),
        }
        let many: Vec<String> = (0..3 * BUDGET).map(|i| format!("\"m{i}\"")).collect();
        check(&format!(
            "{{\"a\":[{}],\"b\":[{}]}}",
            many[..900].join(","),
            many.join(",")
        ));
    }

    #[test]
    fn malformed_input_is_null() {
        for bad in [
            "",
            "{",
            "[1,",
            "{\"a\"}",
            "{\"a\":}",
            "\"open",
            "\"\\x\"",
            "nul",
            "-",
            "1e",
            "{1:2}",
            "[1 2]",
            "\"\\u12\"",
        ] {
            assert_eq!(parse_raw(bad), Raw::Null, "{bad:?}");
        }
    }

    #[test]
    fn writes_string_literals_json_reads_back() {
        for s in ["", "plain", "q\"b\\s", "ctl\u{1}\u{1f}\n\t", "é😀\u{2028}"] {
            let mut out = String::new();
            push_str(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-1e6f64..1e6).prop_map(|f| serde_json::json!(f)),
            any::<i64>().prop_map(|i| serde_json::json!(i)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(12, 200, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn matches_the_walk_over_parsed_json(v in json_value()) {
            let text = serde_json::to_string(&v).unwrap();
            let mut budget = BUDGET;
            let want = oracle(&serde_json::from_str(&text).unwrap(), 0, &mut budget);
            let got = parse_raw(&text);
            prop_assert!(same(&got, &want), "{}\n{:?}\n{:?}", text, got, want);
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = parse_raw(&s);
        }

        #[test]
        fn strings_round_trip(s in any::<String>()) {
            let mut out = String::new();
            push_str(&mut out, &s);
            prop_assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s.clone());
            prop_assert_eq!(parse_raw(&out), Raw::Str(s));
        }
    }
}
