//! The Rust face of a failed request: one error type with predicates, the
//! same facts the JS error classes carry.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::status::Kind;

/// A request that did not produce a usable body.
///
/// Rust frontends match on [`Error::kind`] or use the predicates; the JS
/// surface gets the same data as a real `Error` subclass.
///
/// ```no_run
/// // `result` is what `Client::get` (wasm32) resolves to.
/// fn show(result: Result<String, projekt_client::Error>) {
///     match result {
///         Ok(_body) => { /* … */ }
///         Err(e) if e.is_validation() => {
///             for (_field, _messages) in e.field_errors() { /* show */ }
///         }
///         Err(e) if e.is_unauthorized() => { /* sign in again */ }
///         Err(e) => eprintln!("{e}"),
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Error {
    pub(crate) kind: Kind,
    pub(crate) status: u16,
    pub(crate) message: String,
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) attempts: u32,
    pub(crate) field_errors: Vec<(String, Vec<String>)>,
    pub(crate) allow: Vec<String>,
    pub(crate) reason: Option<&'static str>,
    pub(crate) retry_after_ms: Option<f64>,
    pub(crate) delays_ms: Vec<f64>,
    /// What the failure came from, as text (`String(cause)` of a `fetch`
    /// rejection or an abort's reason).
    pub(crate) cause: Option<String>,
    /// The error body's text, the token redacted.
    pub(crate) body: Option<String>,
    /// The error response's headers, values redacted.
    pub(crate) headers: Vec<(String, String)>,
}

// Plain Rust data: frameworks keep errors in signals, contexts and resources
// that ask for these.
const _: fn() = || {
    fn plain<T: Send + Sync + Clone + 'static>() {}
    plain::<Error>();
};

impl Error {
    /// A new error of `kind` (used by the client; public so Rust frontends can
    /// build errors in their own tests).
    ///
    /// ```
    /// use projekt_client::{Error, Kind};
    /// // A component's test, standing in for a failed call.
    /// let e = Error::new(Kind::NotFound, 404, "Issue not found")
    ///     .with_request("GET", "https://api.example.test/v1/issues/7");
    /// assert!(e.is_not_found());
    /// assert_eq!(e.to_string(), "NotFoundError: Issue not found");
    /// ```
    pub fn new(kind: Kind, status: u16, message: impl Into<String>) -> Error {
        Error {
            kind,
            status,
            message: message.into(),
            method: String::new(),
            url: String::new(),
            attempts: 1,
            field_errors: Vec::new(),
            allow: Vec::new(),
            reason: None,
            retry_after_ms: None,
            delays_ms: Vec::new(),
            cause: None,
            body: None,
            headers: Vec::new(),
        }
    }

    /// What the failure came from, as text, when JS gave one: the `fetch`
    /// rejection of a network error, the signal's reason of an abort.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_network() {
    ///     // e.g. "TypeError: Failed to fetch" (details stay in the console).
    ///     let detail = e.cause().unwrap_or("no detail");
    /// }
    /// # }
    /// ```
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    /// The error response's body as text (JSON for the API's envelope),
    /// every token in it `[redacted]`; `None` when none was read.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // Attach the server's answer to a bug report (tokens already redacted).
    /// let report = format!("{e}\n\n{}", e.body().unwrap_or("(no body)"));
    /// # }
    /// ```
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// The error response's headers (values with a token `[redacted]`).
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // Every header of the error response, for a diagnostics panel.
    /// let lines: Vec<String> = e
    ///     .headers()
    ///     .iter()
    ///     .map(|(name, value)| format!("{name}: {value}"))
    ///     .collect();
    /// # }
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// One response header by name (any case).
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // Quote the server's request id when contacting support.
    /// if let Some(id) = e.header("X-Request-Id") {
    ///     let note = format!("Please mention request {id}.");
    /// }
    /// # }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets the request the error belongs to; any token in the URL (a query
    /// value, a path segment) is shown as `[redacted]`.
    ///
    /// ```
    /// use projekt_client::{Error, Kind};
    /// let e = Error::new(Kind::Server, 500, "Internal error")
    ///     .with_request("GET", "https://api.example.test/v1/export?access_token=pjk_live_secret");
    /// assert_eq!(e.url(), "https://api.example.test/v1/export?access_token=[redacted]");
    /// ```
    pub fn with_request(mut self, method: &str, url: &str) -> Error {
        self.method = method.to_owned();
        self.url = crate::redact::redact_tokens(url).into_owned();
        self
    }

    /// The error for a redirect, which the client does not follow: fetch runs
    /// with `redirect: "manual"`, so the answer is opaque (its status and
    /// `Location` unreadable) and nothing went to the redirect's target. An
    /// `HttpError` (the 3xx row) with status 0, as the browser reports it.
    ///
    /// ```
    /// let e = projekt_client::Error::redirect();
    /// assert_eq!((e.kind(), e.status()), (projekt_client::Kind::Http, 0));
    /// ```
    pub fn redirect() -> Error {
        Error::new(
            Kind::Http,
            0,
            "projekt-client: the server answered with a redirect, which is not followed (the token and the request stay under baseUrl); point baseUrl at where the API answers",
        )
    }

    /// An error for input the client refused before sending anything (a bad
    /// path, method or header). JavaScript sees it as a `TypeError`.
    ///
    /// ```
    /// use projekt_client::Error;
    /// // A form's own check, failing the same way the client's do.
    /// let e = Error::invalid_input("the issue title must not be empty");
    /// assert!(e.is_invalid_input() && !e.is_http());
    /// assert_eq!(e.status(), 0);
    /// ```
    pub fn invalid_input(message: impl Into<String>) -> Error {
        Error::new(Kind::InvalidInput, 0, message)
    }

    /// Whether the request was refused before it was sent (see [`Error::invalid_input`]).
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_invalid_input() {
    ///     // Nothing was sent: the path, header or body was refused (a bug to
    ///     // fix in the caller, not something to show the user).
    /// }
    /// # }
    /// ```
    pub fn is_invalid_input(&self) -> bool {
        self.kind == Kind::InvalidInput
    }

    /// The failure kind (one per JS error class).
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// use projekt_client::Kind;
    /// let text = match e.kind() {
    ///     Kind::NotFound => "This issue no longer exists.",
    ///     Kind::Forbidden => "You have no access to this issue.",
    ///     Kind::Network | Kind::Timeout => "The server cannot be reached.",
    ///     _ => "Something went wrong.",
    /// };
    /// # }
    /// ```
    pub fn kind(&self) -> Kind {
        self.kind
    }
    /// The HTTP status; 0 when no response came (network, timeout, abort).
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// match e.status() {
    ///     0 => { /* no response: network, timeout, abort or refused input */ }
    ///     500..=599 => { /* the server's fault: "try again later" */ }
    ///     _ => { /* a 4xx: see `kind()` */ }
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The envelope's `error` text, or a message made from the status.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // The envelope's `error`, e.g. "Issue not found", for a toast.
    /// let toast = e.message().to_string();
    /// # }
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The request method.
    ///
    /// ```
    /// use projekt_client::{Error, Kind};
    /// let e = Error::new(Kind::Conflict, 409, "Changed meanwhile")
    ///     .with_request("PATCH", "https://api.example.test/v1/issues/7");
    /// assert_eq!(e.method(), "PATCH");
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }
    /// The request URL.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // A log line: "GET https://api.example.test/v1/issues: 503 after 4 attempts"
    /// let line = format!("{} {}: {} after {} attempts", e.method(), e.url(), e.status(), e.attempts());
    /// # }
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }
    /// How many attempts were made (1 when it was not retried).
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.attempts() > 1 {
    ///     let text = format!("Gave up after {} tries: {}", e.attempts(), e.message());
    /// }
    /// # }
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// The waits slept between attempts, in ms.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // How long the caller waited between attempts, in all.
    /// let waited_ms: f64 = e.delays_ms().iter().sum();
    /// # }
    /// ```
    pub fn delays_ms(&self) -> &[f64] {
        &self.delays_ms
    }
    /// A 422's field map (field → messages), in the server's order; empty otherwise.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // A 422 as a list under the form: "title: Title is required".
    /// for (field, messages) in e.field_errors() {
    ///     for message in messages {
    ///         let line = format!("{field}: {message}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn field_errors(&self) -> &[(String, Vec<String>)] {
        &self.field_errors
    }
    /// The first message for `field` of a 422.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // The text under the title input, e.g. "Title is required".
    /// let title_error = e.first("title").unwrap_or_default();
    /// # }
    /// ```
    pub fn first(&self, field: &str) -> Option<&str> {
        self.field_errors
            .iter()
            .find(|(k, _)| k == field)
            .and_then(|(_, m)| m.first())
            .map(String::as_str)
    }
    /// Whether a 422 has messages for `field`.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // Mark the input: `aria-invalid="true"` while the server rejects it.
    /// let title_invalid = e.has("title");
    /// # }
    /// ```
    pub fn has(&self, field: &str) -> bool {
        self.field_errors
            .iter()
            .any(|(k, m)| k == field && !m.is_empty())
    }
    /// The fields a 422 has messages for, in the server's order.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// // Focus the first rejected input, e.g. "title" of ["title", "items.0.name"].
    /// if let Some(first) = e.fields().first() {
    ///     let selector = format!("[name='{first}']");
    /// }
    /// # }
    /// ```
    pub fn fields(&self) -> Vec<&str> {
        self.field_errors
            .iter()
            .filter(|(_, m)| !m.is_empty())
            .map(|(k, _)| k.as_str())
            .collect()
    }
    /// Each field's first message, `(field, message)`, for a framework's
    /// state (a Leptos signal per input, a form library's errors), as the
    /// npm package's `fieldMessages`: keys a form could never name
    /// (`__proto__` segments, empty parts) are left out.
    ///
    /// ```
    /// use projekt_client::{Error, Kind};
    /// let e = Error::new(Kind::Validation, 422, "Validation failed");
    /// assert!(e.field_messages().is_empty());
    /// ```
    pub fn field_messages(&self) -> Vec<(String, String)> {
        crate::fields::first_messages(&self.field_errors)
    }
    /// The methods a 405's `Allow` header listed.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_method_not_allowed() {
    ///     // e.g. "GET, HEAD": this issue can no longer be edited.
    ///     let allowed = e.allow().join(", ");
    /// }
    /// # }
    /// ```
    pub fn allow(&self) -> &[String] {
        &self.allow
    }
    /// A 403's documented cause: `"org_mismatch"` or `"session_required"`.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// match e.forbidden_reason() {
    ///     Some("org_mismatch") => { /* switch to the issue's organisation */ }
    ///     Some("session_required") => { /* ask the user to sign in again */ }
    ///     _ => { /* plain "no access" */ }
    /// }
    /// # }
    /// ```
    pub fn forbidden_reason(&self) -> Option<&'static str> {
        self.reason
    }
    /// A 429's requested wait in ms, when the headers gave a usable one.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if let Some(ms) = e.retry_after_ms() {
    ///     let text = format!("Too many requests; try again in {} s.", (ms / 1000.0).ceil());
    /// }
    /// # }
    /// ```
    pub fn retry_after_ms(&self) -> Option<f64> {
        self.retry_after_ms
    }
    /// Any error that carries an HTTP status.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_http() {
    ///     // The server answered: `e.status()` and `e.body()` say what it said.
    /// } else {
    ///     // No usable answer: network, timeout, abort, a bad body or refused input.
    /// }
    /// # }
    /// ```
    pub fn is_http(&self) -> bool {
        self.kind.is_http()
    }
    /// 400 (not a request the client refused to send: see [`Error::is_invalid_input`]).
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_bad_request() {
    ///     // 400: the server could not read the request; report it, do not retry.
    /// }
    /// # }
    /// ```
    pub fn is_bad_request(&self) -> bool {
        self.kind == Kind::BadRequest
    }
    /// 401.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_unauthorized() {
    ///     // 401 (after `on_unauthorized`, if any, had no fresh token): sign in again.
    /// }
    /// # }
    /// ```
    pub fn is_unauthorized(&self) -> bool {
        self.kind == Kind::Unauthorized
    }
    /// 403.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_forbidden() {
    ///     // 403: signed in, but not allowed; see `forbidden_reason()`.
    /// }
    /// # }
    /// ```
    pub fn is_forbidden(&self) -> bool {
        self.kind == Kind::Forbidden
    }
    /// 404.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_not_found() {
    ///     // 404: show "this issue does not exist (or is in another org)".
    /// }
    /// # }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.kind == Kind::NotFound
    }
    /// 405.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_method_not_allowed() {
    ///     // 405: `allow()` lists what the path does take.
    /// }
    /// # }
    /// ```
    pub fn is_method_not_allowed(&self) -> bool {
        self.kind == Kind::MethodNotAllowed
    }
    /// 409.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_conflict() {
    ///     // 409: someone changed it meanwhile: reload, or use `Client::update`.
    /// }
    /// # }
    /// ```
    pub fn is_conflict(&self) -> bool {
        self.kind == Kind::Conflict
    }
    /// 422.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_validation() {
    ///     // 422: show each field's message next to its input.
    ///     for field in e.fields() {
    ///         let message = e.first(field);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn is_validation(&self) -> bool {
        self.kind == Kind::Validation
    }
    /// 429.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_rate_limited() {
    ///     // 429 after the retries: `retry_after_ms()` says how long to wait.
    /// }
    /// # }
    /// ```
    pub fn is_rate_limited(&self) -> bool {
        self.kind == Kind::RateLimited
    }
    /// 500, 501, 505–599.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_server() {
    ///     // 500, 501, 505-599 (after the retries): "something broke on our side".
    /// }
    /// # }
    /// ```
    pub fn is_server(&self) -> bool {
        self.kind == Kind::Server
    }
    /// 502, 503, 504.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_unavailable() {
    ///     // 502, 503, 504 (after the retries): "down for maintenance, back soon".
    /// }
    /// # }
    /// ```
    pub fn is_unavailable(&self) -> bool {
        self.kind == Kind::Unavailable
    }
    /// No response came.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_network() {
    ///     // No response at all: offline, DNS, CORS; `cause()` has the detail.
    /// }
    /// # }
    /// ```
    pub fn is_network(&self) -> bool {
        self.kind == Kind::Network
    }
    /// An attempt timed out.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_timeout() {
    ///     // An attempt ran past `ClientOptions::timeout` (and no retry was left).
    /// }
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.kind == Kind::Timeout
    }
    /// The caller aborted.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_aborted() {
    ///     // The caller's signal fired (the user navigated away): show nothing.
    ///     return;
    /// }
    /// # }
    /// ```
    pub fn is_aborted(&self) -> bool {
        self.kind == Kind::Aborted
    }
    /// A 2xx body was not JSON.
    ///
    /// ```
    /// # fn handle(e: &projekt_client::Error) {
    /// if e.is_decode() {
    ///     // A 2xx whose body is not JSON, or does not fit the type asked for.
    /// }
    /// # }
    /// ```
    pub fn is_decode(&self) -> bool {
        self.kind == Kind::Decode
    }
}

impl Error {
    /// The facts JavaScript's error object is made of, as one JSON object:
    /// `kind`, `status`, `message`, `method`, `url`, `attempts`, and per
    /// class `fieldErrors` (field → messages, server order), `reason`
    /// (string or `null`), `allow` (methods) or `retryAfterMs` (number or
    /// `null`). One string crosses from wasm instead of a call per property
    /// (see [`crate::json`]); `JSON.parse` makes every key an own data
    /// property, so no field name can reach a prototype.
    ///
    /// ```
    /// use projekt_client::{Error, Kind};
    /// let e = Error::new(Kind::Forbidden, 403, "Nope").with_request("GET", "https://a.test/x");
    /// assert_eq!(
    ///     e.to_json_parts(),
    ///     r#"{"kind":"forbidden","status":403,"message":"Nope","method":"GET","url":"https://a.test/x","attempts":1,"reason":null}"#
    /// );
    /// ```
    pub fn to_json_parts(&self) -> String {
        use crate::json::push_str;
        use crate::text::push_u64;
        let mut o = String::with_capacity(128 + self.message.len() + self.url.len());
        o.push_str("{\"kind\":");
        push_str(&mut o, self.kind.as_str());
        o.push_str(",\"status\":");
        push_u64(&mut o, u64::from(self.status));
        o.push_str(",\"message\":");
        push_str(&mut o, &self.message);
        o.push_str(",\"method\":");
        push_str(&mut o, &self.method);
        o.push_str(",\"url\":");
        push_str(&mut o, &self.url);
        o.push_str(",\"attempts\":");
        push_u64(&mut o, u64::from(self.attempts));
        match self.kind {
            Kind::Validation => {
                o.push_str(",\"fieldErrors\":{");
                for (i, (key, messages)) in self.field_errors.iter().enumerate() {
                    if i > 0 {
                        o.push(',');
                    }
                    push_str(&mut o, key);
                    o.push_str(":[");
                    for (j, m) in messages.iter().enumerate() {
                        if j > 0 {
                            o.push(',');
                        }
                        push_str(&mut o, m);
                    }
                    o.push(']');
                }
                o.push('}');
            }
            Kind::Forbidden => {
                o.push_str(",\"reason\":");
                match self.reason {
                    Some(r) => push_str(&mut o, r),
                    None => o.push_str("null"),
                }
            }
            Kind::MethodNotAllowed => {
                o.push_str(",\"allow\":[");
                for (i, m) in self.allow.iter().enumerate() {
                    if i > 0 {
                        o.push(',');
                    }
                    push_str(&mut o, m);
                }
                o.push(']');
            }
            Kind::RateLimited => {
                o.push_str(",\"retryAfterMs\":");
                match self.retry_after_ms {
                    // Whole milliseconds (rounded up) within the timer bound.
                    Some(ms) if ms.is_finite() && ms >= 0.0 => {
                        o.push_str(&crate::date::format_number(ms))
                    }
                    _ => o.push_str("null"),
                }
            }
            _ => {}
        }
        o.push('}');
        o
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.kind.class_name(), self.message)
    }
}

impl core::error::Error for Error {}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod json_parts_tests {
    use super::*;
    use serde_json::{json, Value};

    fn parts(e: &Error) -> Value {
        serde_json::from_str(&e.to_json_parts()).expect("valid JSON")
    }

    #[test]
    fn every_class_writes_its_fields() {
        let mut v = Error::new(Kind::Validation, 422, "Validation failed \"x\"\n")
            .with_request("POST", "https://a.test/v1/issues?q=é");
        v.attempts = 3;
        v.field_errors = vec![
            (
                "title".into(),
                vec!["required".into(), "too \\ short".into()],
            ),
            ("items.0.name".into(), vec!["\u{1}ctl".into()]),
            ("__proto__x".into(), vec![]),
        ];
        assert_eq!(
            parts(&v),
            json!({"kind": "validation", "status": 422, "message": "Validation failed \"x\"\n",
                   "method": "POST", "url": "https://a.test/v1/issues?q=é", "attempts": 3,
                   "fieldErrors": {"title": ["required", "too \\ short"], "items.0.name": ["\u{1}ctl"], "__proto__x": []}})
        );
        // Server order is kept in the text.
        assert!(v.to_json_parts().find("title") < v.to_json_parts().find("items.0.name"));

        let mut f = Error::new(Kind::Forbidden, 403, "m");
        assert_eq!(parts(&f)["reason"], Value::Null);
        f.reason = Some("org_mismatch");
        assert_eq!(parts(&f)["reason"], json!("org_mismatch"));

        let mut a = Error::new(Kind::MethodNotAllowed, 405, "m");
        assert_eq!(parts(&a)["allow"], json!([]));
        a.allow = vec!["GET".into(), "HEAD".into()];
        assert_eq!(parts(&a)["allow"], json!(["GET", "HEAD"]));

        let mut r = Error::new(Kind::RateLimited, 429, "m");
        assert_eq!(parts(&r)["retryAfterMs"], Value::Null);
        r.retry_after_ms = Some(2000.0);
        assert_eq!(parts(&r)["retryAfterMs"], json!(2000));
        r.retry_after_ms = Some(f64::INFINITY);
        assert_eq!(parts(&r)["retryAfterMs"], Value::Null);

        let n = Error::new(Kind::NotFound, 404, "m");
        let keys: Vec<String> = parts(&n).as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 6);
    }

    proptest::proptest! {
        #[test]
        fn any_text_round_trips(msg in ".*", key in ".*", m in ".*") {
            let mut v = Error::new(Kind::Validation, 422, msg.clone());
            v.field_errors = vec![(key.clone(), vec![m.clone()])];
            let p = parts(&v);
            proptest::prop_assert_eq!(&p["message"], &json!(msg));
            proptest::prop_assert_eq!(&p["fieldErrors"][&key], &json!([m]));
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn predicates_follow_kind() {
        let mut e = Error::new(Kind::Validation, 422, "Validation failed")
            .with_request("POST", "https://a.test/x");
        e.field_errors = vec![("title".into(), vec!["required".into()])];
        assert!(e.is_validation() && e.is_http() && !e.is_network());
        assert_eq!(e.first("title"), Some("required"));
        assert_eq!(e.first("nope"), None);
        assert_eq!(e.to_string(), "ValidationError: Validation failed");
        assert_eq!(e.method(), "POST");
        let n = Error::new(Kind::Network, 0, "down");
        assert!(n.is_network() && !n.is_http());
    }
}
