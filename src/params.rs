//! Path parameters: `"/issues/{id}"` with `id = 7` is `"/issues/7"`. Each
//! value becomes exactly one path segment: everything but the unreserved
//! characters (`A–Z a–z 0–9 - . _ ~`) is percent-encoded as UTF-8, so a `/`,
//! `?`, `#`, `%` or `\` in a value never changes the path, and a value the
//! server would read as a dot segment (`.`, `..`) or an empty segment is
//! refused. (A value that *decodes* to a climbing step, such as `../x`, is
//! encoded as one segment here and then refused by the scope rule,
//! [`crate::scope`]: a server that decodes `%2F` before routing would climb
//! with it.) A `{name}` with no value is refused before anything is sent;
//! values for names the path does not have are ignored. Both faces fill
//! paths here (npm: `params: { path }`, Rust: `.path_param(name, value)`).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::request::ConfigError;

/// `template` with each `{name}` replaced by its value in `values`
/// (`(name, value)` pairs; the first of a name wins), encoded as one segment.
/// A `{` with no `}` after it is kept as it is.
pub fn fill(template: &str, values: &[(&str, &str)]) -> Result<String, ConfigError> {
    fill_with(template, |name| {
        values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    })
}

/// [`fill`] with the values from `value(name)`.
pub fn fill_with<'v>(
    template: &str,
    value: impl Fn(&str) -> Option<&'v str>,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = crate::text::pos(rest, b"{") {
        let Some(len) = crate::text::pos(&rest[open + 1..], b"}") else {
            break;
        };
        let name = &rest[open + 1..open + 1 + len];
        out.push_str(&rest[..open]);
        let Some(v) = value(name) else {
            return Err(refused(name, "has no value (params.path)"));
        };
        match v {
            "" => return Err(refused(name, "is empty")),
            "." | ".." => return Err(refused(name, "is a dot segment (\".\" or \"..\")")),
            v => encode_segment(&mut out, v),
        }
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn refused(name: &str, why: &str) -> ConfigError {
    ConfigError(crate::text::concat(&[
        "projekt-client: path parameter {",
        name,
        "} ",
        why,
    ]))
}

/// Appends `v` percent-encoded as one path segment.
fn encode_segment(out: &mut String, v: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn each_value_is_one_segment() {
        let f = |t: &str, v: &[(&str, &str)]| fill(t, v).map_err(|e| e.0);
        assert_eq!(f("/issues/{id}", &[("id", "7")]).unwrap(), "/issues/7");
        assert_eq!(
            f(
                "/orgs/{org}/issues/{id}/comments",
                &[("id", "7"), ("org", "acme co")]
            )
            .unwrap(),
            "/orgs/acme%20co/issues/7/comments"
        );
        for (v, enc) in [
            ("a/b", "a%2Fb"),
            ("../admin", "..%2Fadmin"),
            ("x?y=1#z", "x%3Fy%3D1%23z"),
            ("100%", "100%25"),
            ("a\\b", "a%5Cb"),
            ("é", "%C3%A9"),
            ("{id}", "%7Bid%7D"),
            ("...", "..."),
            ("-._~", "-._~"),
        ] {
            assert_eq!(
                f("/x/{v}", &[("v", v)]).unwrap(),
                format!("/x/{enc}"),
                "{v}"
            );
        }
        // The first value of a name; extra names ignored; no braces, no change.
        assert_eq!(
            f("/{a}", &[("a", "1"), ("a", "2"), ("b", "3")]).unwrap(),
            "/1"
        );
        assert_eq!(f("/plain?x={", &[]).unwrap(), "/plain?x={");
    }

    #[test]
    fn missing_empty_and_dot_values_are_refused_by_name() {
        let e = |t: &str, v: &[(&str, &str)]| fill(t, v).unwrap_err().0;
        assert_eq!(
            e("/issues/{id}", &[]),
            "projekt-client: path parameter {id} has no value (params.path)"
        );
        assert_eq!(
            e("/issues/{id}", &[("ID", "7")]),
            "projekt-client: path parameter {id} has no value (params.path)"
        );
        assert_eq!(
            e("/issues/{id}", &[("id", "")]),
            "projekt-client: path parameter {id} is empty"
        );
        for v in [".", ".."] {
            assert!(
                e("/issues/{id}", &[("id", v)]).contains("dot segment"),
                "{v}"
            );
        }
    }
}
