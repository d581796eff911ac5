//! Matching a 422's field keys to form controls.
//!
//! The API reports validation errors keyed by a path such as `items.0.name`,
//! while HTML forms name the same control `items.0.name`, `items[0].name` or
//! `items[0][name]` depending on the framework that renders them. Everything
//! here works on plain strings, so the rules are tested natively and the
//! browser layer (`web::forms`) only moves values in and out of the DOM.
//!
//! # Key grammar
//!
//! A key is a first part followed by any number of `.part` or `[part]`
//! segments. The first part and dotted parts may hold any character except
//! `.`, `[` and `]`; a bracketed part any character except `[` and `]`. No
//! part may be empty, and a `]` must be followed by `.`, `[` or the end.
//! Anything else (an empty key, `a..b`, `a[0`, `a[0]b`, `[0]`) is refused,
//! and so is any key with a `__proto__`, `constructor` or `prototype` part,
//! so a key can never be turned into a prototype-polluting path by code that
//! feeds it to a path setter.
//!
//! Control names are parsed the same way, except that one trailing `[]` (the
//! PHP/Rails convention for "this name repeats", as in a checkbox group named
//! `tags[]`) is ignored, so the server key `tags` matches it.
//!
//! Parts are compared exactly: `items.00` and `items.0` are different fields.

#[allow(unused_imports)]
use crate::prelude::*;

#[cfg(all(test, not(target_arch = "wasm32")))]
use crate::envelope::FORBIDDEN_PARTS;

/// A 422 field map as the server sent it: each key with its messages, in the
/// server's order.
pub type FieldMap = [(String, Vec<String>)];

/// Splits a server key or a control name into its path parts.
///
/// Returns `None` for an empty or malformed key and for any key with a
/// `__proto__`, `constructor` or `prototype` part (see the module docs for
/// the grammar).
///
/// ```
/// use projekt_client::fields::key_parts;
///
/// let parts = Some(vec!["items".to_string(), "0".to_string(), "name".to_string()]);
/// assert_eq!(key_parts("items.0.name"), parts);
/// assert_eq!(key_parts("items[0].name"), parts);
/// assert_eq!(key_parts("items[0][name]"), parts);
/// assert_eq!(key_parts("items.__proto__.x"), None);
/// assert_eq!(key_parts("items..name"), None);
/// assert_eq!(key_parts("items[a.__proto__]"), None);
/// ```
pub fn key_parts(key: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = key.chars();
    // True while reading a dotted part (the first part is one); false right
    // after a `]`, where only `.`, `[` or the end may follow.
    let mut in_dotted = true;
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if in_dotted {
                    push_part(&mut parts, &mut current)?;
                }
                in_dotted = true;
            }
            '[' => {
                if in_dotted {
                    // Also refuses a key that starts with `[`: the first
                    // part is empty.
                    push_part(&mut parts, &mut current)?;
                }
                let mut closed = false;
                for inner in chars.by_ref() {
                    match inner {
                        ']' => {
                            closed = true;
                            break;
                        }
                        '[' => return None,
                        other => current.push(other),
                    }
                }
                if !closed {
                    return None;
                }
                push_part(&mut parts, &mut current)?;
                in_dotted = false;
            }
            ']' => return None,
            other => {
                if !in_dotted {
                    // Text right after `]`, as in `a[0]b`.
                    return None;
                }
                current.push(other);
            }
        }
    }
    if in_dotted {
        push_part(&mut parts, &mut current)?;
    }
    Some(parts)
}

/// Moves `current` into `parts`, refusing an empty or forbidden part.
fn push_part(parts: &mut Vec<String>, current: &mut String) -> Option<()> {
    // The envelope's rule also covers what a path setter splits on or drops
    // inside a part (`a[b.__proto__]`, `a["constructor"]`).
    if current.is_empty() || crate::envelope::is_dangerous_key(current) {
        return None;
    }
    parts.push(core::mem::take(current));
    Some(())
}

/// Parses a control's `name`, ignoring one trailing `[]` (`tags[]` names the
/// field `tags`).
pub fn control_parts(name: &str) -> Option<Vec<String>> {
    key_parts(name.strip_suffix("[]").unwrap_or(name))
}

/// Tells whether a server key and a control name denote the same field.
///
/// ```
/// use projekt_client::fields::same_field;
///
/// assert!(same_field("items.0.name", "items[0][name]"));
/// assert!(same_field("tags", "tags[]"));
/// assert!(!same_field("items.0", "items[0][name]"));
/// assert!(!same_field("__proto__", "__proto__"));
/// ```
pub fn same_field(server_key: &str, control_name: &str) -> bool {
    match (key_parts(server_key), control_parts(control_name)) {
        (Some(key), Some(control)) => key == control,
        _ => false,
    }
}

/// Tells whether the error under `server_key` is about the edited control's
/// field or one of its children, so editing it should clear that error.
///
/// Editing `items[0]` clears `items.0` and `items.0.name`, but not `items.1`
/// nor `items`.
///
/// ```
/// use projekt_client::fields::is_within;
///
/// assert!(is_within("items.0.name", "items[0]"));
/// assert!(is_within("items.0", "items[0]"));
/// assert!(!is_within("items", "items[0]"));
/// assert!(!is_within("items.10", "items[1]"));
/// ```
pub fn is_within(server_key: &str, edited_control_name: &str) -> bool {
    match (key_parts(server_key), control_parts(edited_control_name)) {
        (Some(key), Some(control)) => key.starts_with(&control),
        _ => false,
    }
}

/// For each server key, the indexes of every control (in the order given,
/// normally document order) that shows its field; empty when none does.
///
/// A radio group or a set of checkboxes shares one name, so a key can match
/// several controls.
pub fn matching_controls<S: AsRef<str>>(map: &FieldMap, control_names: &[S]) -> Vec<Vec<usize>> {
    // A list, not a hash map: a form has tens of controls, and the `.wasm`
    // is smaller without one.
    let names: Vec<Option<Vec<String>>> = control_names
        .iter()
        .map(|n| control_parts(n.as_ref()))
        .collect();
    map.iter()
        .map(|(key, _)| match key_parts(key) {
            Some(parts) => names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.as_ref() == Some(&parts))
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        })
        .collect()
}

/// For each server key, the index of the first key (itself, or an earlier
/// one in another notation) that names the same field, or `None` for a key
/// that [`key_parts`] refuses. Keys sharing an index are one field, shown
/// once with all their messages.
///
/// ```
/// use projekt_client::fields::same_field_groups;
///
/// let keys = ["items.0.name", "title", "items[0][name]", "__proto__", "title"];
/// assert_eq!(
///     same_field_groups(&keys),
///     vec![Some(0), Some(1), Some(0), None, Some(1)]
/// );
/// ```
pub fn same_field_groups<S: AsRef<str>>(keys: &[S]) -> Vec<Option<usize>> {
    let parts: Vec<Option<Vec<String>>> = keys.iter().map(|k| key_parts(k.as_ref())).collect();
    parts
        .iter()
        .map(|p| {
            let p = p.as_ref()?;
            parts.iter().position(|q| q.as_ref() == Some(p))
        })
        .collect()
}

/// The indexes of the server keys whose errors editing the control named
/// `edited_control_name` clears: its field and the fields under it (see
/// [`is_within`]).
///
/// ```
/// use projekt_client::fields::cleared_by;
///
/// let keys = ["items.0.name", "items.1.name", "items.0.qty", "items"];
/// assert_eq!(cleared_by(&keys, "items[0]"), vec![0, 2]);
/// ```
pub fn cleared_by<S: AsRef<str>>(keys: &[S], edited_control_name: &str) -> Vec<usize> {
    keys.iter()
        .enumerate()
        .filter(|(_, key)| is_within(key.as_ref(), edited_control_name))
        .map(|(i, _)| i)
        .collect()
}

/// For each server key, the index of the first control (in the order given,
/// normally document order) that shows its field, or `None` when no control
/// does (the key is then reported back as unmatched).
///
/// ```
/// use projekt_client::fields::first_matching_controls;
///
/// let map = vec![
///     ("title".to_string(), vec!["is required".to_string()]),
///     ("items.0.name".to_string(), vec!["is too long".to_string()]),
///     ("owner".to_string(), vec!["is unknown".to_string()]),
/// ];
/// let controls = ["items[0][name]", "title"];
/// assert_eq!(first_matching_controls(&map, &controls), vec![Some(1), Some(0), None]);
/// ```
pub fn first_matching_controls<S: AsRef<str>>(
    map: &FieldMap,
    control_names: &[S],
) -> Vec<Option<usize>> {
    matching_controls(map, control_names)
        .into_iter()
        .map(|indexes| indexes.first().copied())
        .collect()
}

/// Each field with its first message, in the server's order: the shape that
/// `react-hook-form`'s `setError`, or a Vue or Svelte store, takes one at a
/// time.
///
/// Fields without any message are left out, and so are keys that
/// [`key_parts`] refuses (empty, malformed, or with a `__proto__`,
/// `constructor` or `prototype` part), because such helpers treat the key as
/// a path and would otherwise write through it.
///
/// ```
/// use projekt_client::fields::first_messages;
///
/// let map = vec![
///     ("title".to_string(), vec!["is required".to_string(), "is short".to_string()]),
///     ("__proto__.x".to_string(), vec!["nope".to_string()]),
///     ("tags".to_string(), vec![]),
/// ];
/// assert_eq!(
///     first_messages(&map),
///     vec![("title".to_string(), "is required".to_string())]
/// );
/// ```
pub fn first_messages(map: &FieldMap) -> Vec<(String, String)> {
    map.iter()
        .filter(|(key, _)| key_parts(key).is_some())
        .filter_map(|(key, messages)| {
            messages
                .first()
                .map(|message| (key.clone(), message.clone()))
        })
        .collect()
}

/// The form helpers' three questions, answered with indexes in one pass (the
/// `.wasm` export behind `bindErrors`, `clearErrors` and `fieldMessages`;
/// one function is far less `.wasm` than the three below, monomorphised):
///
/// - `op` 0: [`same_field_groups`] of `keys`, `-1` for a refused key;
/// - `op` 1: [`matching_controls`] of `keys` among the control `names`, each
///   key's list ended by `-1`;
/// - any other `op`: [`cleared_by`] of `keys` when the control named
///   `names[0]` is edited (none when `names` is empty).
///
/// ```
/// use projekt_client::fields::form_rules;
/// let keys = ["items.0.name", "title", "items[0][name]", "__proto__"].map(String::from);
/// let names = ["title", "items[0][name]", "items.0.name"].map(String::from);
/// assert_eq!(form_rules(0, &keys, &[]), [0, 1, 0, -1]);
/// assert_eq!(form_rules(1, &keys, &names), [1, 2, -1, 0, -1, 1, 2, -1, -1]);
/// assert_eq!(form_rules(2, &keys, &names[1..2]), [0, 2]);
/// ```
pub fn form_rules(op: u32, keys: &[String], names: &[String]) -> Vec<i32> {
    let keys: Vec<Option<Vec<String>>> = keys.iter().map(|k| key_parts(k)).collect();
    let names: Vec<Option<Vec<String>>> = names.iter().map(|n| control_parts(n)).collect();
    let edited = names.first().and_then(Option::as_ref);
    let mut out = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match op {
            0 => out.push(
                key.as_ref()
                    .and_then(|_| keys.iter().position(|q| q == key))
                    .map_or(-1, |j| j as i32),
            ),
            1 => {
                if key.is_some() {
                    for (j, name) in names.iter().enumerate() {
                        if name == key {
                            out.push(j as i32);
                        }
                    }
                }
                out.push(-1);
            }
            _ => {
                if let (Some(k), Some(c)) = (key, edited) {
                    if k.starts_with(c) {
                        out.push(i as i32);
                    }
                }
            }
        }
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|p| p.to_string()).collect())
    }

    fn map(entries: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        entries
            .iter()
            .map(|(k, ms)| (k.to_string(), ms.iter().map(|m| m.to_string()).collect()))
            .collect()
    }

    #[test]
    fn the_three_notations_split_alike() {
        let expected = parts(&["items", "0", "name"]);
        assert_eq!(key_parts("items.0.name"), expected);
        assert_eq!(key_parts("items[0].name"), expected);
        assert_eq!(key_parts("items[0][name]"), expected);
        assert_eq!(key_parts("items.0[name]"), expected);
    }

    #[test]
    fn plain_names_are_one_part() {
        assert_eq!(key_parts("title"), parts(&["title"]));
        assert_eq!(key_parts("due-date"), parts(&["due-date"]));
        assert_eq!(key_parts("first name"), parts(&["first name"]));
        assert_eq!(key_parts("ünïcödé"), parts(&["ünïcödé"]));
    }

    #[test]
    fn brackets_may_hold_dots_and_spaces() {
        assert_eq!(key_parts("meta[a.b]"), parts(&["meta", "a.b"]));
        assert_eq!(key_parts("meta[ x ]"), parts(&["meta", " x "]));
    }

    #[test]
    fn malformed_keys_are_refused() {
        for key in [
            "", ".", "..", "a.", ".a", "a..b", "a[", "a[0", "a]", "a[0]]", "a[[0]]", "a[]",
            "a[0]b", "[0]", "[0].a", "a[0].", "a.[0]", "]", "[]",
        ] {
            assert_eq!(key_parts(key), None, "{key:?}");
        }
    }

    #[test]
    fn prototype_parts_are_refused_in_every_notation() {
        for key in [
            "__proto__",
            "constructor",
            "prototype",
            "a.__proto__",
            "a[__proto__]",
            "a[constructor][prototype]",
            "__proto__.polluted",
            "a.constructor.prototype.x",
        ] {
            assert_eq!(key_parts(key), None, "{key:?}");
            assert!(!same_field(key, key), "{key:?}");
        }
        // Only whole parts are refused.
        assert_eq!(key_parts("my_prototype"), parts(&["my_prototype"]));
        assert_eq!(key_parts("Constructor"), parts(&["Constructor"]));
    }

    #[test]
    fn same_field_matches_across_notations() {
        assert!(same_field("items.0.name", "items[0][name]"));
        assert!(same_field("items.0.name", "items[0].name"));
        assert!(same_field("items[0][name]", "items.0.name"));
        assert!(same_field("title", "title"));
        assert!(!same_field("title", "Title"));
        assert!(!same_field("items.0", "items.00"));
        assert!(!same_field("items.0.name", "items[0]"));
        assert!(!same_field("", ""));
    }

    #[test]
    fn a_repeated_control_name_matches_its_field() {
        assert!(same_field("tags", "tags[]"));
        assert!(same_field("user.roles", "user[roles][]"));
        assert!(!same_field("tags[]", "tags[]"));
        assert!(!same_field("tags", "tags[][]"));
    }

    #[test]
    fn editing_a_field_covers_it_and_its_children() {
        assert!(is_within("items.0.name", "items[0]"));
        assert!(is_within("items.0", "items[0]"));
        assert!(is_within("items.0.name", "items[0][name]"));
        assert!(is_within("items.0.name", "items"));
        assert!(!is_within("items", "items[0]"));
        assert!(!is_within("items.1.name", "items[0]"));
        assert!(!is_within("items.10", "items[1]"));
        assert!(!is_within("itemsX", "items"));
        assert!(!is_within("__proto__.x", "__proto__"));
        assert!(!is_within("title", ""));
    }

    #[test]
    fn controls_are_matched_in_document_order() {
        let m = map(&[
            ("priority", &["pick one"]),
            ("items.0.name", &["too long"]),
            ("owner", &["unknown"]),
            ("__proto__", &["x"]),
        ]);
        let controls = [
            "title",
            "priority",
            "items[0][name]",
            "priority",
            "priority",
            "__proto__",
        ];
        assert_eq!(
            first_matching_controls(&m, &controls),
            vec![Some(1), Some(2), None, None]
        );
        assert_eq!(
            matching_controls(&m, &controls),
            vec![vec![1, 3, 4], vec![2], vec![], vec![]]
        );
    }

    #[test]
    fn notations_of_one_field_form_one_group() {
        let keys = [
            "items.0.name",
            "title",
            "items[0][name]",
            "items[0].name",
            "__proto__",
            "a..b",
            "tags[]",
            "tags",
            "items.00.name",
        ];
        assert_eq!(
            same_field_groups(&keys),
            vec![
                Some(0),
                Some(1),
                Some(0),
                Some(0),
                None,
                None,
                None,
                Some(7),
                Some(8)
            ]
        );
        assert_eq!(same_field_groups::<&str>(&[]), Vec::<Option<usize>>::new());
    }

    #[test]
    fn an_edit_clears_its_field_and_children_only() {
        let keys = [
            "title",
            "items.0.name",
            "items.0.qty",
            "items.1.name",
            "items",
            "__proto__",
        ];
        assert_eq!(cleared_by(&keys, "items[0]"), vec![1, 2]);
        assert_eq!(cleared_by(&keys, "items"), vec![1, 2, 3, 4]);
        assert_eq!(cleared_by(&keys, "title"), vec![0]);
        assert_eq!(cleared_by(&keys, "tags[]"), Vec::<usize>::new());
        assert_eq!(cleared_by(&keys, "__proto__"), Vec::<usize>::new());
        assert_eq!(cleared_by(&keys, ""), Vec::<usize>::new());
    }

    #[test]
    fn first_messages_keeps_order_and_skips_empty_and_unsafe_keys() {
        let m = map(&[
            ("title", &["required", "too short"]),
            ("tags", &[]),
            ("constructor", &["x"]),
            ("", &["form-level"]),
            ("items[0].name", &["too long"]),
        ]);
        assert_eq!(
            first_messages(&m),
            vec![
                ("title".to_string(), "required".to_string()),
                ("items[0].name".to_string(), "too long".to_string()),
            ]
        );
    }

    /// Strings built from the characters the parser cares about, so the
    /// interesting paths are hit far more often than with arbitrary text.
    fn keyish() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just(".".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just("0".to_string()),
                Just("a".to_string()),
                Just("__proto__".to_string()),
                Just("[]".to_string()),
                any::<char>().prop_map(String::from),
            ],
            0..12,
        )
        .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn no_string_panics(key in any::<String>(), name in any::<String>()) {
            let _ = key_parts(&key);
            let _ = control_parts(&name);
            let _ = same_field(&key, &name);
            let _ = is_within(&key, &name);
            let m = vec![(key.clone(), vec![name.clone()])];
            let _ = first_matching_controls(&m, &[name.as_str(), key.as_str()]);
            let _ = first_messages(&m);
            let _ = cleared_by(&[key.as_str(), name.as_str()], &name);
            let groups = same_field_groups(&[key.as_str(), name.as_str(), key.as_str()]);
            prop_assert_eq!(groups[2], groups[0]);
            if let Some(leader) = groups[1] {
                prop_assert!(leader <= 1);
                prop_assert_eq!(leader == 0, key_parts(&key) == key_parts(&name));
            }
        }

        #[test]
        fn keyish_strings_never_panic_and_parts_are_safe(key in keyish(), name in keyish()) {
            if let Some(parts) = key_parts(&key) {
                prop_assert!(!parts.is_empty());
                for part in &parts {
                    prop_assert!(!part.is_empty());
                    prop_assert!(!FORBIDDEN_PARTS.contains(&part.as_str()));
                    prop_assert!(!part.contains('[') && !part.contains(']'));
                }
                // Every accepted key matches itself and is within itself.
                prop_assert!(same_field(&key, &key));
                prop_assert!(is_within(&key, &key));
            }
            if same_field(&key, &name) {
                prop_assert!(is_within(&key, &name));
                prop_assert_eq!(key_parts(&key), control_parts(&name));
            }
        }

        #[test]
        fn form_rules_answers_as_the_three_functions(
            keys in proptest::collection::vec(keyish(), 0..6),
            names in proptest::collection::vec(keyish(), 0..6),
        ) {
            let idx = |i: usize| i as i32;
            let groups: Vec<i32> = same_field_groups(&keys).into_iter().map(|g| g.map_or(-1, idx)).collect();
            prop_assert_eq!(form_rules(0, &keys, &names), groups);
            let map: Vec<(String, Vec<String>)> = keys.iter().map(|k| (k.clone(), vec![])).collect();
            let mut lists = Vec::new();
            for found in matching_controls(&map, &names) {
                lists.extend(found.into_iter().map(idx));
                lists.push(-1);
            }
            prop_assert_eq!(form_rules(1, &keys, &names), lists);
            let edited = names.first().map_or("", String::as_str);
            let cleared: Vec<i32> = cleared_by(&keys, edited).into_iter().map(idx).collect();
            prop_assert_eq!(form_rules(2, &keys, &names), cleared);
        }

        #[test]
        fn dotted_and_bracketed_forms_agree(
            parts in proptest::collection::vec("[a-z0-9_-]{1,6}", 1..5)
        ) {
            prop_assume!(parts.iter().all(|p| !FORBIDDEN_PARTS.contains(&p.as_str())));
            let dotted = parts.join(".");
            let bracketed = format!(
                "{}{}",
                parts[0],
                parts[1..].iter().map(|p| format!("[{p}]")).collect::<String>()
            );
            prop_assert_eq!(key_parts(&dotted), Some(parts.clone()));
            prop_assert!(same_field(&dotted, &bracketed));
            prop_assert!(is_within(&dotted, &parts[0]));
        }
    }
}
