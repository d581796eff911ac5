//! Status classification: the HTTP status decides the error class, the body only
//! adds detail (`projekt-errors.txt`: "The HTTP status is the source of truth").

#[allow(unused_imports)]
use crate::prelude::*;

/// What kind of failure a request ended in. Each kind is one JS error class and
/// one `kind` string; the names are part of the public contract.
///
/// ```
/// use projekt_client::{Error, Kind};
/// fn headline(e: &Error) -> &'static str {
///     match e.kind() {
///         Kind::Unauthorized => "Please sign in again.",
///         Kind::Forbidden | Kind::NotFound => "This issue is not available to you.",
///         Kind::Validation => "Please check the highlighted fields.",
///         Kind::RateLimited | Kind::Unavailable => "Busy right now; try again in a minute.",
///         Kind::Network | Kind::Timeout => "You seem to be offline.",
///         Kind::Aborted => "",
///         _ => "Something went wrong.",
///     }
/// }
/// let e = Error::new(Kind::Validation, 422, "Validation failed");
/// assert_eq!(headline(&e), "Please check the highlighted fields.");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 400: the request is wrong; never retried.
    BadRequest,
    /// 401: missing, expired or revoked token; never retried blindly.
    Unauthorized,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: missing, or invisible to this org.
    NotFound,
    /// 405: the path exists, not for this verb.
    MethodNotAllowed,
    /// 409: concurrent edit or duplicate; re-read and reconcile.
    Conflict,
    /// 422: values are wrong; carries the field map.
    Validation,
    /// 429: over the rate limit.
    RateLimited,
    /// 500, 501, 505–599: the server failed.
    Server,
    /// 502, 503, 504: a transient upstream or gateway failure.
    Unavailable,
    /// Any other 4xx, or a 3xx other than 304.
    Http,
    /// No HTTP response at all (DNS, refused, CORS, dropped connection).
    Network,
    /// One attempt ran past `timeoutMs`.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// A 2xx whose body is not JSON.
    Decode,
    /// A request the client refused to send (a path outside the base URL, a
    /// bad method, header or body): no status, never from the server.
    /// JavaScript sees a `TypeError`. Not in [`Kind::ALL`], the contract
    /// table's rows.
    InvalidInput,
}

impl Kind {
    /// Every kind, in the contract table's order.
    ///
    /// ```
    /// use projekt_client::Kind;
    /// // The keys of an i18n catalogue: one message per error class.
    /// let keys: Vec<&str> = Kind::ALL.iter().map(|k| k.class_name()).collect();
    /// assert_eq!(keys[..3], ["BadRequestError", "UnauthorizedError", "ForbiddenError"]);
    /// assert!(!Kind::ALL.contains(&Kind::InvalidInput)); // not a row of the table
    /// ```
    pub const ALL: [Kind; 15] = [
        Kind::BadRequest,
        Kind::Unauthorized,
        Kind::Forbidden,
        Kind::NotFound,
        Kind::MethodNotAllowed,
        Kind::Conflict,
        Kind::Validation,
        Kind::RateLimited,
        Kind::Server,
        Kind::Unavailable,
        Kind::Http,
        Kind::Network,
        Kind::Timeout,
        Kind::Aborted,
        Kind::Decode,
    ];

    /// The `kind` string JavaScript sees.
    ///
    /// ```
    /// use projekt_client::Kind;
    /// assert_eq!(Kind::RateLimited.as_str(), "rate_limited");
    /// // e.g. as a metrics label, the same in the Rust and the JS face
    /// let label = format!(r#"api_errors{{kind="{}"}}"#, Kind::NotFound.as_str());
    /// assert_eq!(label, r#"api_errors{kind="not_found"}"#);
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::BadRequest => "bad_request",
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not_found",
            Kind::MethodNotAllowed => "method_not_allowed",
            Kind::Conflict => "conflict",
            Kind::Validation => "validation",
            Kind::RateLimited => "rate_limited",
            Kind::Server => "server",
            Kind::Unavailable => "unavailable",
            Kind::Http => "http",
            Kind::Network => "network",
            Kind::Timeout => "timeout",
            Kind::Aborted => "aborted",
            Kind::Decode => "decode",
            Kind::InvalidInput => "invalid_input",
        }
    }

    /// The JS class name (`name` of the error object).
    ///
    /// ```
    /// use projekt_client::Kind;
    /// assert_eq!(Kind::Validation.class_name(), "ValidationError");
    /// assert_eq!(Kind::RateLimited.class_name(), "RateLimitError");
    /// assert_eq!(Kind::InvalidInput.class_name(), "TypeError");
    /// ```
    pub fn class_name(self) -> &'static str {
        match self {
            Kind::BadRequest => "BadRequestError",
            Kind::Unauthorized => "UnauthorizedError",
            Kind::Forbidden => "ForbiddenError",
            Kind::NotFound => "NotFoundError",
            Kind::MethodNotAllowed => "MethodNotAllowedError",
            Kind::Conflict => "ConflictError",
            Kind::Validation => "ValidationError",
            Kind::RateLimited => "RateLimitError",
            Kind::Server => "ServerError",
            Kind::Unavailable => "UnavailableError",
            Kind::Http => "HttpError",
            Kind::Network => "NetworkError",
            Kind::Timeout => "TimeoutError",
            Kind::Aborted => "AbortError",
            Kind::Decode => "DecodeError",
            Kind::InvalidInput => "TypeError",
        }
    }

    /// Whether the kind comes from an HTTP status (and its class extends `HttpError`).
    ///
    /// ```
    /// use projekt_client::Kind;
    /// assert!(Kind::NotFound.is_http());
    /// assert!(!Kind::Timeout.is_http()); // no response came
    /// let from_server: Vec<_> = Kind::ALL.into_iter().filter(|k| k.is_http()).collect();
    /// assert_eq!(from_server.len(), 11);
    /// ```
    pub fn is_http(self) -> bool {
        !matches!(
            self,
            Kind::Network | Kind::Timeout | Kind::Aborted | Kind::Decode | Kind::InvalidInput
        )
    }

    /// The kind for a status, or `None` when the status is a success (2xx, 304).
    ///
    /// ```
    /// use projekt_client::status::Kind;
    /// assert_eq!(Kind::from_status(422), Some(Kind::Validation));
    /// assert_eq!(Kind::from_status(304), None);
    /// assert_eq!(Kind::from_status(418), Some(Kind::Http));
    /// ```
    pub fn from_status(status: u16) -> Option<Kind> {
        Some(match status {
            200..=299 | 304 => return None,
            400 => Kind::BadRequest,
            401 => Kind::Unauthorized,
            403 => Kind::Forbidden,
            404 => Kind::NotFound,
            405 => Kind::MethodNotAllowed,
            409 => Kind::Conflict,
            422 => Kind::Validation,
            429 => Kind::RateLimited,
            502..=504 => Kind::Unavailable,
            500..=599 => Kind::Server,
            // 0 is what an opaque or failed response reports: nothing came back.
            0 => Kind::Network,
            _ => Kind::Http,
        })
    }
}

/// The standard reason phrase, used to make a message when the body has none.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        511 => "Network Authentication Required",
        _ => "",
    }
}

/// A message made from the status alone, for bodies that are not the envelope.
///
/// ```
/// assert_eq!(projekt_client::status::status_message(502), "Request failed with status 502 (Bad Gateway)");
/// ```
pub fn status_message(status: u16) -> String {
    let phrase = reason_phrase(status);
    let mut out = String::from("Request failed with status ");
    crate::text::push_u64(&mut out, u64::from(status));
    if !phrase.is_empty() {
        out.push_str(" (");
        out.push_str(phrase);
        out.push(')');
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_contract_table() {
        let rows: &[(u16, Kind)] = &[
            (400, Kind::BadRequest),
            (401, Kind::Unauthorized),
            (403, Kind::Forbidden),
            (404, Kind::NotFound),
            (405, Kind::MethodNotAllowed),
            (409, Kind::Conflict),
            (422, Kind::Validation),
            (429, Kind::RateLimited),
            (500, Kind::Server),
            (501, Kind::Server),
            (505, Kind::Server),
            (599, Kind::Server),
            (502, Kind::Unavailable),
            (503, Kind::Unavailable),
            (504, Kind::Unavailable),
            (402, Kind::Http),
            (418, Kind::Http),
            (499, Kind::Http),
            (301, Kind::Http),
            (302, Kind::Http),
            (600, Kind::Http),
        ];
        for &(status, kind) in rows {
            assert_eq!(Kind::from_status(status), Some(kind), "status {status}");
        }
    }

    #[test]
    fn successes_are_not_errors() {
        for status in [200, 201, 204, 299, 304] {
            assert_eq!(Kind::from_status(status), None);
        }
    }

    #[test]
    fn names_and_kinds_are_distinct_and_http_flag_matches() {
        let mut names: Vec<_> = Kind::ALL.iter().map(|k| k.class_name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 15);
        let http: Vec<_> = Kind::ALL.iter().filter(|k| k.is_http()).collect();
        assert_eq!(http.len(), 11);
    }

    #[test]
    fn status_messages_name_the_status() {
        assert_eq!(
            status_message(503),
            "Request failed with status 503 (Service Unavailable)"
        );
        assert_eq!(status_message(599), "Request failed with status 599");
    }
}
