//! Static files from `--static DIR` directories.

use std::path::{Path, PathBuf};

use crate::http::{percent_decode, Response};

/// The Content-Type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" | "ts" | "md" => "text/plain; charset=utf-8",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// Relative path segments of a URL path, or `None` when it tries to escape.
fn safe_segments(raw: &str) -> Option<Vec<String>> {
    let decoded = percent_decode(raw);
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut out = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains(':') => return None,
            s => out.push(s.to_string()),
        }
    }
    Some(out)
}

/// Serves `raw_path` from the first directory that has it. `None` when no
/// directory has it (the caller answers 404). `versioned`: the URL carries
/// a version (`?v=…`, as a build's hashed asset URLs do), so the file may be
/// cached for good (`immutable`); otherwise every load asks again (`no-cache`).
pub fn serve(dirs: &[PathBuf], raw_path: &str, versioned: bool) -> Option<Response> {
    if dirs.is_empty() {
        return None;
    }
    let Some(segs) = safe_segments(raw_path) else {
        return Some(Response::error(403, "Forbidden"));
    };
    for dir in dirs {
        let mut p = dir.clone();
        for s in &segs {
            p.push(s);
        }
        if p.is_dir() {
            if !raw_path.ends_with('/') {
                return Some(
                    Response::new(301)
                        .header("Location", format!("{raw_path}/"))
                        .header("Content-Type", "text/plain")
                        .body(b"moved".to_vec()),
                );
            }
            p.push("index.html");
        }
        if p.is_file() {
            return Some(match std::fs::read(&p) {
                Ok(bytes) => Response::new(200)
                    .header("Content-Type", content_type(&p))
                    .header(
                        "Cache-Control",
                        if versioned {
                            "public, max-age=31536000, immutable"
                        } else {
                            "no-cache"
                        },
                    )
                    .body(bytes),
                Err(_) => Response::error(500, "Could not read file"),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_traversal() {
        assert!(safe_segments("/../etc/passwd").is_none());
        assert!(safe_segments("/a/%2e%2e/b").is_none());
        assert!(safe_segments("/a/..%2fb").is_none());
        assert!(safe_segments("/a\\..\\b").is_none());
        assert_eq!(safe_segments("/a/./b/").unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn a_versioned_url_may_be_cached_for_good() {
        let dir = std::env::temp_dir().join(format!("projekt-statics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.js"), "export {};").unwrap();
        let control = |versioned| {
            let resp = serve(std::slice::from_ref(&dir), "/a.js", versioned).unwrap();
            let (_, v) = resp
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("cache-control"))
                .unwrap()
                .clone();
            String::from_utf8(v).unwrap()
        };
        assert_eq!(control(false), "no-cache");
        assert_eq!(control(true), "public, max-age=31536000, immutable");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn types() {
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("x.MJS")),
            "text/javascript; charset=utf-8"
        );
    }
}
