//! What crosses between tabs (`crossTab`): a client's scope, the two notes
//! clients of one scope tell each other over a `BroadcastChannel`, and what a
//! received message must look like to be heeded.
//!
//! A scope is the API (its base URL) and the identity (the cache partition:
//! a digest of the token, and the org id), digested again: 32 hex digits
//! that say nothing about either. A note carries that scope and either a
//! wait (the rate-limit gate holds for so many ms: a 429 or a spent window
//! seen by one tab) or the digests of the two paths a successful write
//! invalidates (the written path and its collection). No token, no URL, no
//! body, no header value ever crosses; a client hears only its own scope,
//! and anything malformed is ignored.
//!
//! The wire form is one short string, `pjk1 <scope> h <ms>` or
//! `pjk1 <scope> d <path> <parent|->` (digests as 16 hex digits), so a
//! message is checked by splitting it, not by a JSON parser.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::cache::{digest, push_hex};

/// The `BroadcastChannel` every client with `crossTab` listens on.
pub const CHANNEL: &str = "projekt-client";

/// The longest wait a note may ask for (the gate caps it at the hearer's
/// own `maxDelayMs` as well): an hour.
const MAX_HOLD_MS: f64 = 3_600_000.0;

/// A client's scope: the API and the identity, as 32 hex digits.
pub fn scope(base: &str, partition: &str) -> String {
    let both = crate::text::concat(&[base, "\n", partition]);
    let mut out = String::with_capacity(32);
    push_hex(&mut out, digest("projekt-client/tab-scope/0", &both));
    push_hex(&mut out, digest("projekt-client/tab-scope/1", &both));
    out
}

/// What one client tells the others of its scope.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// Hold new requests for `ms` (from when the note is heard).
    Hold(f64),
    /// A write succeeded: drop the entries of the path with this digest and
    /// of its collection (`None`: it had none).
    Drop(u64, Option<u64>),
}

/// The message for `note` in `scope`.
pub fn encode(scope: &str, note: &Note) -> String {
    let mut m = String::with_capacity(72);
    m.push_str("pjk1 ");
    m.push_str(scope);
    match note {
        Note::Hold(ms) => {
            m.push_str(" h ");
            crate::text::push_u64(&mut m, crate::num::ceil(ms.clamp(0.0, MAX_HOLD_MS)) as u64);
        }
        Note::Drop(path, parent) => {
            m.push_str(" d ");
            push_hex(&mut m, *path);
            m.push(' ');
            match parent {
                Some(p) => push_hex(&mut m, *p),
                None => m.push('-'),
            }
        }
    }
    m
}

/// The note in `message` when it is well formed and for `scope`; `None`
/// for anything else (another scope, another version, garbage).
pub fn decode(message: &str, scope: &str) -> Option<Note> {
    if message.len() > 96 {
        return None;
    }
    // (`text::pieces`, not `str::split`: no char searcher in the `.wasm`.)
    let mut parts = crate::text::pieces(message, b" ");
    if parts.next()? != "pjk1" || parts.next()? != scope {
        return None;
    }
    let note = match parts.next()? {
        "h" => {
            let ms = parts.next()?;
            if ms.is_empty() || ms.len() > 8 || !ms.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // (An integer parse: `f64`'s parser is ~15 KB gzip of `.wasm`.)
            let ms = ms.parse::<u64>().ok()? as f64;
            if ms <= 0.0 || ms > MAX_HOLD_MS {
                return None;
            }
            Note::Hold(ms)
        }
        "d" => {
            let path = hex(parts.next()?)?;
            let parent = match parts.next()? {
                "-" => None,
                p => Some(hex(p)?),
            };
            Note::Drop(path, parent)
        }
        _ => return None,
    };
    parts.next().is_none().then_some(note)
}

/// Exactly 16 lowercase hex digits (a hand-written fold: `from_str_radix`
/// adds ~370 bytes of `.wasm` for what this does in a loop).
fn hex(s: &str) -> Option<u64> {
    if s.len() != 16 {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        Some(acc << 4 | u64::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_depends_on_api_and_identity_and_shows_neither() {
        let a = scope("https://api.test/v1", "t:00ff|no-org");
        assert_eq!(a.len(), 32);
        assert!(!a.contains("api") && !a.contains("00ff"));
        assert_eq!(a, scope("https://api.test/v1", "t:00ff|no-org"));
        assert_ne!(a, scope("https://api.test/v2", "t:00ff|no-org"));
        assert_ne!(a, scope("https://api.test/v1", "t:00fe|no-org"));
        assert_ne!(a, scope("https://api.test/v1", "t:00ff|o:x"));
    }

    #[test]
    fn notes_round_trip_in_their_scope_only() {
        let s = scope("https://api.test/v1", "anon|no-org");
        for note in [
            Note::Hold(1500.0),
            Note::Drop(0x0123_4567_89ab_cdef, Some(7)),
            Note::Drop(u64::MAX, None),
        ] {
            let m = encode(&s, &note);
            assert_eq!(decode(&m, &s), Some(note.clone()), "{m}");
            assert_eq!(
                decode(&m, &scope("https://api.test/v1", "t:1|no-org")),
                None
            );
        }
        // A fractional wait rounds up; one past the bound is sent as the bound.
        assert_eq!(
            decode(&encode(&s, &Note::Hold(0.2)), &s),
            Some(Note::Hold(1.0))
        );
        assert_eq!(
            decode(&encode(&s, &Note::Hold(1e12)), &s),
            Some(Note::Hold(MAX_HOLD_MS))
        );
    }

    #[test]
    fn malformed_messages_are_ignored() {
        let s = scope("https://api.test/v1", "anon|no-org");
        let ok = encode(&s, &Note::Hold(10.0));
        assert!(decode(&ok, &s).is_some());
        for bad in [
            String::new(),
            "pjk1".into(),
            format!("pjk2 {s} h 10"),
            format!("pjk1 {s} h"),
            format!("pjk1 {s} h 0"),
            format!("pjk1 {s} h -5"),
            format!("pjk1 {s} h 1e3"),
            format!("pjk1 {s} h 10.5"),
            format!("pjk1 {s} h 3600001"),
            format!("pjk1 {s} h 10 extra"),
            format!("pjk1 {s}  h 10"),
            format!("pjk1 {s} x 10"),
            format!("pjk1 {s} d 0123"),
            format!("pjk1 {s} d 0123456789abcdeF -"),
            format!("pjk1 {s} d 0123456789abcdef"),
            format!("pjk1 {s} d 0123456789abcdef - -"),
            format!("pjk1 {s} d 0123456789abcdef +123456789abcdef"),
            format!("pjk1 {} h 10", s.to_uppercase()),
            format!("pjk1 {s} h {}", "9".repeat(200)),
        ] {
            assert_eq!(decode(&bad, &s), None, "{bad:?}");
        }
    }
}
