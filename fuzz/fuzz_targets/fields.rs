//! Server field keys and form control names: `key_parts`, `control_parts`,
//! `same_field`, `is_within`, `matching_controls`,
//! `first_matching_controls`, `first_messages`.
//!
//! Input: one server key per line, optionally followed by its messages
//! separated by tabs (`items.0.name<TAB>is required`); then a line `--`;
//! then one control name per line. The first control is also the "edited"
//! control for `is_within`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use projekt_client::fields::{
    control_parts, first_matching_controls, first_messages, is_within, key_parts,
    matching_controls, same_field,
};
use projekt_fuzz::lines;

const FORBIDDEN: [&str; 3] = ["__proto__", "constructor", "prototype"];

fuzz_target!(|data: &[u8]| {
    let ls = lines(data);
    let split = ls.iter().position(|l| l == "--").unwrap_or(ls.len());
    let map: Vec<(String, Vec<String>)> = ls[..split]
        .iter()
        .take(64)
        .map(|l| {
            let mut it = l.split('\t');
            let key = it.next().unwrap_or("").to_owned();
            (key, it.map(str::to_owned).collect())
        })
        .collect();
    let controls: Vec<&str> = ls
        .get(split + 1..)
        .unwrap_or(&[])
        .iter()
        .take(64)
        .map(String::as_str)
        .collect();

    for (key, _) in &map {
        check_key(key);
    }
    for c in &controls {
        check_key(c);
        check_control(c);
    }

    // Pairwise relations, by the documented definitions.
    for (key, _) in &map {
        for c in &controls {
            let (kp, cp) = (key_parts(key), control_parts(c));
            let same = same_field(key, c);
            assert_eq!(same, kp.is_some() && kp == cp, "same_field({key:?}, {c:?})");
            let within = is_within(key, c);
            let expected = match (&kp, &cp) {
                (Some(k), Some(c)) => k.starts_with(c),
                _ => false,
            };
            assert_eq!(within, expected, "is_within({key:?}, {c:?})");
            assert!(!same || within);
            if same || within {
                assert_no_forbidden_part(key);
                assert_no_forbidden_part(c);
            }
        }
    }

    let matches = matching_controls(&map, &controls);
    assert_eq!(matches.len(), map.len());
    for ((key, _), found) in map.iter().zip(&matches) {
        assert!(found.windows(2).all(|w| w[0] < w[1]), "{found:?}");
        for (i, c) in controls.iter().enumerate() {
            assert_eq!(found.contains(&i), same_field(key, c), "{key:?} / {c:?}");
        }
        if key_parts(key).is_none() {
            assert!(found.is_empty(), "refused key {key:?} matched {found:?}");
        }
    }
    let firsts = first_matching_controls(&map, &controls);
    let expected: Vec<Option<usize>> = matches.iter().map(|m| m.first().copied()).collect();
    assert_eq!(firsts, expected);

    let fm = first_messages(&map);
    let expected: Vec<(String, String)> = map
        .iter()
        .filter(|(k, m)| key_parts(k).is_some() && !m.is_empty())
        .map(|(k, m)| (k.clone(), m[0].clone()))
        .collect();
    assert_eq!(fm, expected);
    for (k, _) in &fm {
        assert_no_forbidden_part(k);
        // `first_messages` feeds path setters (react-hook-form's `setError`,
        // Vue/Svelte stores): no reading of the key may reach a forbidden
        // property, however the setter splits it.
        check_path_safe(k);
    }
});

fn assert_no_forbidden_part(name: &str) {
    let parts = control_parts(name).or_else(|| key_parts(name));
    if let Some(parts) = parts {
        for p in &parts {
            assert!(!FORBIDDEN.contains(&p.as_str()), "{name:?} has part {p:?}");
        }
    }
}

/// A key that `key_parts` accepts, split the way path setters split it,
/// has no `__proto__`, `constructor` or `prototype` segment: lodash's
/// `stringToPath` (on `.`, `[`, `]`, a quoted bracket unquoted) and
/// react-hook-form's (`"`, `'`, `|` and `]` removed, then split on `.` and
/// `[`). The envelope's own filter (`is_dangerous_key`) is the first rule
/// without the unquoting.
fn check_path_safe(key: &str) {
    let lodash = key
        .split(['.', '[', ']'])
        .any(|s| FORBIDDEN.contains(&s.trim_matches(['"', '\''])));
    let rhf: String = key.chars().filter(|c| !matches!(c, '"' | '\'' | '|' | ']')).collect();
    let rhf = rhf.split(['.', '[']).any(|s| FORBIDDEN.contains(&s));
    // F3 (fixed): a part could hold what a setter splits on or drops (a
    // dot or quotes in brackets: `a[b.__proto__]`, `a["__proto__"]`).
    assert!(!(lodash || rhf), "{key:?} reaches a forbidden segment");
}

/// `key_parts`' grammar: parts are non-empty, never forbidden, free of
/// brackets; the first and dotted parts free of dots; and the same parts
/// written in any notation give the same parts back.
fn check_key(key: &str) {
    let Some(parts) = key_parts(key) else {
        return;
    };
    assert!(!parts.is_empty(), "{key:?}");
    let total: usize = parts.iter().map(String::len).sum();
    assert!(total <= key.len(), "{key:?} -> {parts:?}");
    for p in &parts {
        assert!(!p.is_empty(), "{key:?} -> {parts:?}");
        assert!(!FORBIDDEN.contains(&p.as_str()), "{key:?} -> {parts:?}");
        assert!(!p.contains(['[', ']']), "{key:?} -> {parts:?}");
        assert!(key.contains(p.as_str()));
    }
    assert!(!parts[0].contains('.'), "{key:?} -> {parts:?}");
    // All-bracket notation: `a[b][c]` names the same field.
    let mut bracketed = parts[0].clone();
    for p in &parts[1..] {
        bracketed.push('[');
        bracketed.push_str(p);
        bracketed.push(']');
    }
    assert_eq!(key_parts(&bracketed).as_ref(), Some(&parts), "{bracketed:?}");
    assert!(same_field(key, &bracketed) && same_field(&bracketed, key));
    assert!(same_field(key, &format!("{bracketed}[]")));
    // Dotted notation, where no part holds a dot.
    if parts.iter().all(|p| !p.contains('.')) {
        let dotted = parts.join(".");
        assert_eq!(key_parts(&dotted).as_ref(), Some(&parts), "{dotted:?}");
    }
    assert!(same_field(key, key), "{key:?}");
    assert!(is_within(key, key));
    // A field is within its parent, never the reverse.
    if parts.len() > 1 {
        let parent = &bracketed[..bracketed.rfind('[').unwrap()];
        assert!(is_within(key, parent), "{key:?} within {parent:?}");
        assert!(!is_within(parent, key));
    }
}

/// A control name: `control_parts` is `key_parts` with one trailing `[]`
/// ignored.
fn check_control(name: &str) {
    let expected = key_parts(name.strip_suffix("[]").unwrap_or(name));
    assert_eq!(control_parts(name), expected, "{name:?}");
}
