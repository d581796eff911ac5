//! When a failed attempt is tried again, and how long to wait first.
//!
//! Everything here is pure: the clock (`now_ms`, unix milliseconds) and the
//! random draw (`random`, in `[0, 1)`) are passed in, so the policy is the same
//! on wasm32 (where `SystemTime::now()` panics) and in native tests, and any
//! header a server or proxy sends can be fed in without a panic.
//!
//! The rules are the contract's (`client-contract.md`, "Retries"):
//!
//! - 429 is retried for any method, after the wait the server asked for
//!   (`X-RateLimit-Reset`, else `Retry-After`), else after backoff; a requested
//!   wait longer than `max_delay_ms` is not slept, the error surfaces at once.
//! - 500, 502, 503, 504, network errors and per-attempt timeouts are retried
//!   only when a repeat cannot duplicate a write: an idempotent method or a
//!   request carrying an `Idempotency-Key`.
//! - Nothing else is retried (501, 505–599, every 4xx but 429, …).
//!
//! Header parsing is lenient where leniency cannot make the client hammer the
//! server, and strict otherwise:
//!
//! - A number is `DIGITS [ "." DIGITS ]` (either side may be empty but not
//!   both) between optional spaces/tabs. Signs, exponents, `inf`, `NaN`, hex,
//!   units and anything else make the value unusable.
//! - A header that arrives several times is joined by `fetch` with `", "`, so a
//!   value is read as a comma-separated list. Unusable members are skipped and
//!   the **largest** usable member wins: the client never comes back sooner
//!   than any copy of the header asked. HTTP-dates contain a comma of their
//!   own; the list reader stitches those back together.
//! - Waits are capped at [`MAX_WAIT_MS`] so a huge number cannot overflow;
//!   a capped wait is still longer than any sleep, so it makes the client give
//!   up at once rather than retry early.
//! - An HTTP-date in the past means "now": a wait of 0.

#[allow(unused_imports)]
use crate::prelude::*;

/// The largest wait reported from headers, in ms (about 31 years).
///
/// Any larger value (or one that overflows `f64`) is reported as this, so the
/// arithmetic that follows stays finite while the answer stays "too long".
pub const MAX_WAIT_MS: f64 = 1e12;

/// The longest delay ever returned for a sleep, in ms: `2^31 - 1`.
///
/// Browser timers take a signed 32-bit delay and fire *at once* when given
/// more, so a larger `max_delay_ms` is treated as this.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// Retry settings, as the JS option `retry: { limit, baseDelayMs, maxDelayMs }`.
///
/// Values that make no sense (NaN or negative delays) are read as 0 and
/// delays above [`MAX_TIMER_MS`] as that, so any options object is safe to
/// pass through from JavaScript unvalidated.
///
/// ```
/// use projekt_client::{ClientOptions, RetryOptions};
/// // A background sync that may take its time: up to 6 retries, waits
/// // drawn below 1 s, 2 s, 4 s, … and never longer than 60 s.
/// let options = ClientOptions {
///     retry: RetryOptions { limit: 6, base_delay_ms: 1_000.0, max_delay_ms: 60_000.0 },
///     ..ClientOptions::new("https://api.example.test/v1")
/// };
/// assert_eq!(
///     RetryOptions::default(),
///     RetryOptions { limit: 3, base_delay_ms: 500.0, max_delay_ms: 30_000.0 }
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryOptions {
    /// How many retries after the first attempt (`limit: 3` allows up to 4
    /// attempts), so that `0` means the first failure is final.
    pub limit: u32,
    /// The backoff ceiling for the first retry, doubled for each retry after
    /// it; the actual wait is drawn below it (full jitter) so that many
    /// clients failing together do not come back together.
    pub base_delay_ms: f64,
    /// The longest the client will ever sleep before a retry; a server asking
    /// for more gets its error surfaced at once instead of a stalled caller.
    pub max_delay_ms: f64,
}

impl Default for RetryOptions {
    /// The contract's defaults: 3 retries, 500 ms base, 30 s cap (the cap the
    /// API's own documentation recommends for 502/503).
    fn default() -> Self {
        RetryOptions {
            limit: 3,
            base_delay_ms: 500.0,
            max_delay_ms: 30_000.0,
        }
    }
}

impl RetryOptions {
    /// The settings for JS `retry: false`: every failure surfaces at once.
    ///
    /// ```
    /// use projekt_client::{ClientOptions, RetryOptions};
    /// // A health check: one attempt, its answer as it is.
    /// let options = ClientOptions {
    ///     retry: RetryOptions::disabled(),
    ///     ..ClientOptions::new("https://api.example.test/v1")
    /// };
    /// assert_eq!(options.retry.limit, 0);
    /// ```
    pub fn disabled() -> Self {
        RetryOptions {
            limit: 0,
            ..RetryOptions::default()
        }
    }
}

/// What went wrong with one attempt, reduced to what the retry policy needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// An HTTP response came back with this (non-success) status.
    Status(u16),
    /// No HTTP response came back (fetch rejected: DNS, connection reset, CORS, …).
    Network,
    /// The attempt ran out of its per-attempt `timeoutMs`.
    Timeout,
}

/// The rate-limit related response headers, raw values as received (`None`
/// when absent), so that all interpretation (and all leniency) lives here.
#[derive(Clone, Copy, Debug, Default)]
pub struct RetryHeaders<'a> {
    /// `X-RateLimit-Reset`: seconds until the rate-limit window refills
    /// (a delta, not a timestamp). Preferred, because it is the API's own.
    pub rate_limit_reset: Option<&'a str>,
    /// `Retry-After`: delta-seconds or an HTTP-date; the standard fallback
    /// (proxies and gateways send it too).
    pub retry_after: Option<&'a str>,
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// Sleep `delay_ms`, then make the next attempt (number `attempts_made + 1`,
    /// i.e. 2 for the first retry). The delay is finite and within
    /// `[0, max_delay_ms]` (and `[0, MAX_TIMER_MS]`).
    Retry {
        /// Milliseconds to wait before the next attempt.
        delay_ms: f64,
    },
    /// Do not retry: surface the error now. For a 429, the error's
    /// `retryAfterMs` comes from [`retry_after_ms_for_error`].
    GiveUp,
}

/// Whether repeating a request with this method cannot change the outcome on
/// the server (RFC 9110 idempotent methods; TRACE aside, which fetch refuses).
/// Case-insensitive because JS callers write `"get"` as often as `"GET"`.
pub fn is_idempotent(method: &str) -> bool {
    ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// Whether this failure may be retried at all, ignoring the limit and waits.
///
/// A 429 means the request was not processed, so any method is safe; 500 and
/// 502–504, network errors and timeouts may have been processed, so only a
/// request whose repeat cannot duplicate a write (idempotent method or an
/// `Idempotency-Key`) is retried. Everything else would fail the same way again.
pub fn retryable(method: &str, has_idempotency_key: bool, failure: Failure) -> bool {
    match failure {
        Failure::Status(429) => true,
        Failure::Status(s) if !may_retry_status(s) => false,
        _ => has_idempotency_key || is_idempotent(method),
    }
}

/// The statuses a request may be retried on (by [`retryable`]'s rule, for
/// some method). The executors read an error body together with its head
/// unless the status is one of these (the engine may retry it instead, and
/// then the body is never read).
pub const RETRY_STATUSES: [u16; 5] = [429, 500, 502, 503, 504];

/// Whether `status` is one of [`RETRY_STATUSES`].
pub fn may_retry_status(status: u16) -> bool {
    RETRY_STATUSES.contains(&status)
}

/// The failed attempt's error `kind`, which is what `onRetry` reports as
/// `reason` (only `rate_limited`, `server`, `unavailable`, `network` and
/// `timeout` can reach it, as nothing else is retried). Every status maps to
/// its kind from the contract's error table so the same function can name
/// errors; a status with no class of its own (including non-error ones) is
/// `"http"`.
pub fn reason(failure: Failure) -> &'static str {
    match failure {
        Failure::Network => "network",
        Failure::Timeout => "timeout",
        Failure::Status(status) => match status {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            422 => "validation",
            429 => "rate_limited",
            502..=504 => "unavailable",
            500..=599 => "server",
            _ => "http",
        },
    }
}

/// A delay setting made safe: NaN and negatives are 0, anything above what a
/// browser timer honours is [`MAX_TIMER_MS`].
fn clamp_delay(ms: f64) -> f64 {
    if ms.is_nan() || ms <= 0.0 {
        0.0
    } else {
        ms.min(MAX_TIMER_MS)
    }
}

/// Full-jitter exponential backoff for retry `retry_number` (1-based; 0 is
/// read as 1): a whole number of ms drawn uniformly from
/// `[0, min(max_delay_ms, base_delay_ms × 2^(n−1))]`, so that clients failing
/// together spread out instead of retrying in lockstep.
///
/// `random` should be in `[0, 1)`; anything else is clamped (NaN → 0), so a
/// bad random source can shorten or lengthen a wait but never break the bound.
pub fn backoff_ms(opts: &RetryOptions, retry_number: u32, random: f64) -> f64 {
    let base = clamp_delay(opts.base_delay_ms);
    let max = clamp_delay(opts.max_delay_ms);
    // 2^1023 is the largest finite power of two; beyond it the product could
    // become inf and `0 × inf` NaN.
    let exponent = retry_number.saturating_sub(1).min(1023);
    let factor = crate::num::pow2(exponent);
    let ceiling = (base * factor).min(max);
    let random = if random.is_nan() {
        0.0
    } else {
        // Not `f64::clamp`: its NaN assertion would link the float formatter.
        #[allow(clippy::manual_clamp)]
        let r = random.max(0.0).min(1.0);
        r
    };
    crate::num::floor(ceiling * random).max(0.0).min(ceiling)
}

/// `value` trimmed of HTTP optional whitespace.
pub(crate) fn trim_ows(value: &str) -> &str {
    crate::text::trim(value, b" \t")
}

/// A non-negative decimal number of seconds as ms, capped at [`MAX_WAIT_MS`].
fn parse_seconds(value: &str) -> Option<f64> {
    let value = trim_ows(value);
    let mut digits = 0usize;
    let mut dots = 0usize;
    for b in value.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => dots += 1,
            _ => return None,
        }
    }
    if digits == 0 || dots > 1 {
        return None;
    }
    to_wait(crate::date::parse_decimal(value, 1000.0)?)
}

/// A computed wait made safe: NaN is unusable, negatives (a date in the past)
/// are 0, overflow and anything huge are [`MAX_WAIT_MS`].
fn to_wait(ms: f64) -> Option<f64> {
    if ms.is_nan() {
        None
    } else if ms <= 0.0 {
        Some(0.0)
    } else {
        Some(ms.min(MAX_WAIT_MS))
    }
}

/// An HTTP-date (IMF-fixdate, RFC 850 or asctime) as a wait from `now_ms`.
fn parse_date_wait(value: &str, now_ms: f64) -> Option<f64> {
    if !now_ms.is_finite() {
        // Without a usable clock a date says nothing about how long to wait.
        return None;
    }
    let secs = crate::date::parse_http_date(trim_ows(value))?;
    to_wait(secs as f64 * 1000.0 - now_ms)
}

/// The largest usable member of a comma-separated header value (see the
/// module docs for why the largest).
///
/// A member that does not parse is retried joined with the next one, which
/// puts back together the comma inside `Sun, 06 Nov 1994 …` and
/// `Sunday, 06-Nov-94 …`.
fn largest_member(value: &str, parse: impl Fn(&str) -> Option<f64>) -> Option<f64> {
    let pieces: Vec<&str> = crate::text::pieces(value, b",").collect();
    let mut best: Option<f64> = None;
    let mut i = 0usize;
    while let Some(piece) = pieces.get(i) {
        let (parsed, used) = match parse(piece) {
            Some(v) => (Some(v), 1),
            None => match pieces.get(i + 1) {
                Some(next) => match parse(&crate::text::concat(&[piece, ",", next])) {
                    Some(v) => (Some(v), 2),
                    None => (None, 1),
                },
                None => (None, 1),
            },
        };
        if let Some(v) = parsed {
            best = Some(best.map_or(v, |b: f64| b.max(v)));
        }
        i = i.saturating_add(used);
    }
    best
}

/// The wait `X-RateLimit-Reset` asks for, in ms, or `None` when unusable.
pub(crate) fn reset_wait_ms(value: &str) -> Option<f64> {
    largest_member(value, parse_seconds)
}

/// The wait `Retry-After` asks for, in ms, or `None` when unusable.
fn retry_after_wait_ms(value: &str, now_ms: f64) -> Option<f64> {
    largest_member(value, |member| {
        parse_seconds(member).or_else(|| parse_date_wait(member, now_ms))
    })
}

/// How long the server asked the client to wait after a 429, in ms (not
/// rounded), or `None` when neither header is usable and backoff must do.
///
/// `X-RateLimit-Reset` (the API's own header: delta seconds, possibly
/// fractional; never a timestamp) wins over `Retry-After` (delta-seconds, or an
/// HTTP-date in any of the three RFC 9110 formats, measured from `now_ms`, the
/// unix time in ms). An unusable header is skipped, not fatal: a garbage
/// `X-RateLimit-Reset` falls back to `Retry-After`. A date in the past is 0;
/// a date with a non-finite `now_ms` is unusable; anything huge is
/// [`MAX_WAIT_MS`]. The result is always finite and within `[0, MAX_WAIT_MS]`.
pub fn requested_wait_ms(headers: &RetryHeaders, now_ms: f64) -> Option<f64> {
    headers
        .rate_limit_reset
        .and_then(reset_wait_ms)
        .or_else(|| {
            headers
                .retry_after
                .and_then(|value| retry_after_wait_ms(value, now_ms))
        })
}

/// `RateLimitError.retryAfterMs`: the requested wait rounded **up** to whole
/// ms (a caller that waits exactly that long is never early), `None` (JS
/// `null`) when neither header was usable.
pub fn retry_after_ms_for_error(headers: &RetryHeaders, now_ms: f64) -> Option<f64> {
    requested_wait_ms(headers, now_ms).map(crate::num::ceil)
}

/// Whether `attempts_made` attempts (0 read as 1) have used up the retries.
pub fn exhausted(opts: &RetryOptions, attempts_made: u32) -> bool {
    attempts_made.max(1) > opts.limit
}

/// The whole decision after attempt number `attempts_made` (1-based; 0 is
/// read as 1) failed with `failure`, so the fetch loop holds no policy of its
/// own.
///
/// Gives up when the failure is not [`retryable`] or the retries are used up
/// (`attempts_made > opts.limit`). A retryable 429 waits what the server asked
/// for (rounded up to whole ms), or gives up when that is longer than
/// `max_delay_ms`; without a usable header it, like every other retryable
/// failure, waits [`backoff_ms`] for retry number `attempts_made`.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    opts: &RetryOptions,
    method: &str,
    has_idempotency_key: bool,
    failure: Failure,
    attempts_made: u32,
    headers: &RetryHeaders,
    now_ms: f64,
    random: f64,
) -> Decision {
    if exhausted(opts, attempts_made) || !retryable(method, has_idempotency_key, failure) {
        return Decision::GiveUp;
    }
    let attempts_made = attempts_made.max(1);
    if failure == Failure::Status(429) {
        if let Some(wait) = requested_wait_ms(headers, now_ms) {
            let wait = crate::num::ceil(wait);
            return if wait <= clamp_delay(opts.max_delay_ms) {
                Decision::Retry { delay_ms: wait }
            } else {
                Decision::GiveUp
            };
        }
    }
    Decision::Retry {
        delay_ms: backoff_ms(opts, attempts_made, random),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// 1994-11-06T08:49:37Z, the RFC's example date, in unix ms.
    const NOV_6_1994_MS: f64 = 784_111_777_000.0;

    fn reset(v: &str) -> RetryHeaders<'_> {
        RetryHeaders {
            rate_limit_reset: Some(v),
            retry_after: None,
        }
    }

    fn after(v: &str) -> RetryHeaders<'_> {
        RetryHeaders {
            rate_limit_reset: None,
            retry_after: Some(v),
        }
    }

    const NONE: RetryHeaders<'static> = RetryHeaders {
        rate_limit_reset: None,
        retry_after: None,
    };

    fn decide_simple(method: &str, failure: Failure, attempts: u32) -> Decision {
        decide(
            &RetryOptions::default(),
            method,
            false,
            failure,
            attempts,
            &NONE,
            0.0,
            0.5,
        )
    }

    #[test]
    fn defaults_match_the_contract() {
        let d = RetryOptions::default();
        assert_eq!(d.limit, 3);
        assert_eq!(d.base_delay_ms, 500.0);
        assert_eq!(d.max_delay_ms, 30_000.0);
        assert_eq!(RetryOptions::disabled().limit, 0);
    }

    #[test]
    fn idempotent_methods() {
        for m in [
            "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "Put", "dElEtE",
        ] {
            assert!(is_idempotent(m), "{m}");
        }
        for m in [
            "POST", "PATCH", "post", "TRACE", "CONNECT", "", " GET", "GET ", "GETS",
        ] {
            assert!(!is_idempotent(m), "{m}");
        }
    }

    #[test]
    fn retryable_rules() {
        // 429: any method, key or not.
        for m in ["GET", "POST", "PATCH", "whatever", ""] {
            assert!(retryable(m, false, Failure::Status(429)));
        }
        let transient = [
            Failure::Status(500),
            Failure::Status(502),
            Failure::Status(503),
            Failure::Status(504),
            Failure::Network,
            Failure::Timeout,
        ];
        for f in transient {
            for m in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "get"] {
                assert!(retryable(m, false, f), "{m} {f:?}");
            }
            for m in ["POST", "PATCH", "post"] {
                assert!(!retryable(m, false, f), "{m} {f:?}");
                assert!(retryable(m, true, f), "{m} {f:?} with key");
            }
        }
        let never = [
            0, 100, 200, 204, 301, 304, 400, 401, 403, 404, 405, 408, 409, 410, 418, 422, 425, 428,
            431, 451, 499, 501, 505, 506, 507, 508, 511, 599, 600, 999, 65535,
        ];
        for s in never {
            for m in ["GET", "POST"] {
                assert!(!retryable(m, true, Failure::Status(s)), "{m} {s}");
                assert!(!retryable(m, false, Failure::Status(s)), "{m} {s}");
            }
        }
    }

    #[test]
    fn reasons_are_error_kinds() {
        assert_eq!(reason(Failure::Status(429)), "rate_limited");
        assert_eq!(reason(Failure::Status(500)), "server");
        assert_eq!(reason(Failure::Status(501)), "server");
        assert_eq!(reason(Failure::Status(502)), "unavailable");
        assert_eq!(reason(Failure::Status(503)), "unavailable");
        assert_eq!(reason(Failure::Status(504)), "unavailable");
        assert_eq!(reason(Failure::Status(505)), "server");
        assert_eq!(reason(Failure::Status(599)), "server");
        assert_eq!(reason(Failure::Network), "network");
        assert_eq!(reason(Failure::Timeout), "timeout");
        assert_eq!(reason(Failure::Status(400)), "bad_request");
        assert_eq!(reason(Failure::Status(401)), "unauthorized");
        assert_eq!(reason(Failure::Status(403)), "forbidden");
        assert_eq!(reason(Failure::Status(404)), "not_found");
        assert_eq!(reason(Failure::Status(405)), "method_not_allowed");
        assert_eq!(reason(Failure::Status(409)), "conflict");
        assert_eq!(reason(Failure::Status(422)), "validation");
        assert_eq!(reason(Failure::Status(418)), "http");
        assert_eq!(reason(Failure::Status(302)), "http");
        assert_eq!(reason(Failure::Status(600)), "http");
    }

    #[test]
    fn backoff_is_full_jitter_exponential_and_capped() {
        let o = RetryOptions::default();
        assert_eq!(backoff_ms(&o, 1, 0.0), 0.0);
        assert_eq!(backoff_ms(&o, 1, 0.5), 250.0);
        assert_eq!(backoff_ms(&o, 1, 0.999_999), 499.0);
        assert_eq!(backoff_ms(&o, 2, 0.5), 500.0);
        assert_eq!(backoff_ms(&o, 3, 0.5), 1000.0);
        assert_eq!(backoff_ms(&o, 4, 0.5), 2000.0);
        // 500 × 2^6 = 32 000 > 30 000: capped.
        assert_eq!(backoff_ms(&o, 7, 0.5), 15_000.0);
        assert_eq!(backoff_ms(&o, u32::MAX, 0.5), 15_000.0);
        // Retry 0 is read as retry 1.
        assert_eq!(backoff_ms(&o, 0, 0.5), 250.0);
    }

    #[test]
    fn backoff_survives_bad_random_and_options() {
        let o = RetryOptions::default();
        assert_eq!(backoff_ms(&o, 1, f64::NAN), 0.0);
        assert_eq!(backoff_ms(&o, 1, -3.0), 0.0);
        assert_eq!(backoff_ms(&o, 1, f64::NEG_INFINITY), 0.0);
        assert_eq!(backoff_ms(&o, 1, 7.0), 500.0);
        assert_eq!(backoff_ms(&o, 1, f64::INFINITY), 500.0);
        let zero = RetryOptions {
            limit: 3,
            base_delay_ms: 0.0,
            max_delay_ms: 0.0,
        };
        assert_eq!(backoff_ms(&zero, 1000, 0.9), 0.0);
        let nan = RetryOptions {
            limit: 3,
            base_delay_ms: f64::NAN,
            max_delay_ms: f64::NAN,
        };
        assert_eq!(backoff_ms(&nan, 5, 0.9), 0.0);
        let inf = RetryOptions {
            limit: 3,
            base_delay_ms: f64::INFINITY,
            max_delay_ms: f64::INFINITY,
        };
        let d = backoff_ms(&inf, 5, 0.999);
        assert!(d.is_finite() && d <= MAX_TIMER_MS, "{d}");
        let neg = RetryOptions {
            limit: 3,
            base_delay_ms: -5.0,
            max_delay_ms: -1.0,
        };
        assert_eq!(backoff_ms(&neg, 2, 0.5), 0.0);
    }

    #[test]
    fn rate_limit_reset_is_delta_seconds() {
        assert_eq!(requested_wait_ms(&reset("30"), 0.0), Some(30_000.0));
        assert_eq!(requested_wait_ms(&reset(" 2 "), 0.0), Some(2_000.0));
        assert_eq!(requested_wait_ms(&reset("\t0\t"), 0.0), Some(0.0));
        assert_eq!(requested_wait_ms(&reset("1.5"), 0.0), Some(1_500.0));
        assert_eq!(requested_wait_ms(&reset(".25"), 0.0), Some(250.0));
        assert_eq!(requested_wait_ms(&reset("3."), 0.0), Some(3_000.0));
        assert_eq!(requested_wait_ms(&reset("007"), 0.0), Some(7_000.0));
        // The clock does not matter for a delta, even a broken one.
        assert_eq!(requested_wait_ms(&reset("4"), f64::NAN), Some(4_000.0));
    }

    #[test]
    fn garbage_rate_limit_reset_is_unusable() {
        for v in [
            "", " ", ",", ".", "-1", "+1", "1e3", "inf", "infinity", "NaN", "nan", "0x10", "abc",
            "1 2", "1.2.3", "10s", "١٠", "∞", "1_000",
        ] {
            assert_eq!(requested_wait_ms(&reset(v), 0.0), None, "{v:?}");
        }
    }

    #[test]
    fn huge_values_are_capped_not_overflowed() {
        assert_eq!(
            requested_wait_ms(&reset("99999999999999999999999"), 0.0),
            Some(MAX_WAIT_MS)
        );
        let long = "9".repeat(5000);
        assert_eq!(requested_wait_ms(&reset(&long), 0.0), Some(MAX_WAIT_MS));
        assert_eq!(requested_wait_ms(&after(&long), 0.0), Some(MAX_WAIT_MS));
        // A unix timestamp sent by mistake is a (too) long wait, not garbage.
        assert_eq!(
            requested_wait_ms(&reset("1700000000"), 0.0),
            Some(MAX_WAIT_MS)
        );
        // The latest date httpdate accepts, seen from the epoch.
        assert_eq!(
            requested_wait_ms(&after("Fri, 31 Dec 9999 23:59:59 GMT"), 0.0),
            Some(MAX_WAIT_MS)
        );
        assert_eq!(
            requested_wait_ms(&after("Sun, 06 Nov 1994 08:49:37 GMT"), -1e308),
            Some(MAX_WAIT_MS)
        );
    }

    #[test]
    fn comma_lists_take_the_largest_usable_member() {
        assert_eq!(requested_wait_ms(&reset("10, 20"), 0.0), Some(20_000.0));
        assert_eq!(requested_wait_ms(&reset("20,10"), 0.0), Some(20_000.0));
        assert_eq!(requested_wait_ms(&reset("5, 5"), 0.0), Some(5_000.0));
        assert_eq!(requested_wait_ms(&reset("abc, 3"), 0.0), Some(3_000.0));
        assert_eq!(requested_wait_ms(&reset("3, -1, x"), 0.0), Some(3_000.0));
        assert_eq!(requested_wait_ms(&reset(", , ,"), 0.0), None);
        let now = NOV_6_1994_MS;
        let two_dates = "Sun, 06 Nov 1994 08:49:47 GMT, Sun, 06 Nov 1994 08:49:57 GMT";
        assert_eq!(requested_wait_ms(&after(two_dates), now), Some(20_000.0));
        let mixed = "3, Sunday, 06-Nov-94 08:49:47 GMT, junk";
        assert_eq!(requested_wait_ms(&after(mixed), now), Some(10_000.0));
    }

    #[test]
    fn retry_after_delta_seconds() {
        assert_eq!(requested_wait_ms(&after("120"), 0.0), Some(120_000.0));
        assert_eq!(requested_wait_ms(&after("0"), 0.0), Some(0.0));
        assert_eq!(requested_wait_ms(&after(" 7 "), f64::NAN), Some(7_000.0));
    }

    #[test]
    fn retry_after_all_three_date_formats() {
        let now = NOV_6_1994_MS - 5_000.0;
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "  Sun, 06 Nov 1994 08:49:37 GMT  ",
        ] {
            assert_eq!(
                requested_wait_ms(&after(date), now),
                Some(5_000.0),
                "{date}"
            );
        }
        // Sub-second clocks give fractional waits; the error rounds them up.
        let h = after("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            requested_wait_ms(&h, NOV_6_1994_MS - 1_234.5),
            Some(1_234.5)
        );
        assert_eq!(
            retry_after_ms_for_error(&h, NOV_6_1994_MS - 1_234.5),
            Some(1_235.0)
        );
    }

    #[test]
    fn retry_after_date_in_the_past_is_zero() {
        let h = after("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(requested_wait_ms(&h, NOV_6_1994_MS), Some(0.0));
        assert_eq!(requested_wait_ms(&h, NOV_6_1994_MS + 1.0), Some(0.0));
        assert_eq!(requested_wait_ms(&h, 1.8e12), Some(0.0));
        assert_eq!(requested_wait_ms(&h, f64::MAX), Some(0.0));
    }

    #[test]
    fn retry_after_date_needs_a_clock() {
        let h = after("Sun, 06 Nov 1994 08:49:37 GMT");
        for now in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(requested_wait_ms(&h, now), None, "{now}");
        }
    }

    #[test]
    fn garbage_retry_after_is_unusable() {
        for v in [
            "",
            "soon",
            "-5",
            "1e2",
            "Mon, 06 Nov 1994 08:49:37 GMT", // wrong weekday
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT junk",
            "Sün, 06 Nov 1994 08:49:37 GMT",
            "2024-01-01T00:00:00Z",
        ] {
            assert_eq!(requested_wait_ms(&after(v), NOV_6_1994_MS), None, "{v:?}");
        }
    }

    #[test]
    fn reset_wins_and_garbage_reset_falls_back() {
        let both = RetryHeaders {
            rate_limit_reset: Some("2"),
            retry_after: Some("60"),
        };
        assert_eq!(requested_wait_ms(&both, 0.0), Some(2_000.0));
        let bad_reset = RetryHeaders {
            rate_limit_reset: Some("soon"),
            retry_after: Some("60"),
        };
        assert_eq!(requested_wait_ms(&bad_reset, 0.0), Some(60_000.0));
        let both_bad = RetryHeaders {
            rate_limit_reset: Some("-1"),
            retry_after: Some("later"),
        };
        assert_eq!(requested_wait_ms(&both_bad, 0.0), None);
        assert_eq!(requested_wait_ms(&NONE, 0.0), None);
        assert_eq!(retry_after_ms_for_error(&NONE, 0.0), None);
    }

    #[test]
    fn retry_after_ms_for_error_rounds_up() {
        assert_eq!(
            retry_after_ms_for_error(&reset("1.0001"), 0.0),
            Some(1_001.0)
        );
        assert_eq!(retry_after_ms_for_error(&reset("2"), 0.0), Some(2_000.0));
        assert_eq!(retry_after_ms_for_error(&reset("0"), 0.0), Some(0.0));
    }

    #[test]
    fn decide_429_waits_what_was_asked() {
        let o = RetryOptions::default();
        for m in ["POST", "PATCH", "GET"] {
            let d = decide(&o, m, false, Failure::Status(429), 1, &reset("2"), 0.0, 0.5);
            assert_eq!(d, Decision::Retry { delay_ms: 2_000.0 }, "{m}");
        }
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &reset("0.0001"),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::Retry { delay_ms: 1.0 });
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &reset("0"),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::Retry { delay_ms: 0.0 });
        // Exactly the cap is still slept.
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &reset("30"),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::Retry { delay_ms: 30_000.0 });
    }

    #[test]
    fn decide_429_longer_than_max_gives_up() {
        let o = RetryOptions::default();
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &reset("31"),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::GiveUp);
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &reset("30.0001"),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::GiveUp);
        let h = after("Sun, 06 Nov 1994 08:50:37 GMT");
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &h,
            NOV_6_1994_MS,
            0.5,
        );
        assert_eq!(d, Decision::GiveUp);
        assert_eq!(retry_after_ms_for_error(&h, NOV_6_1994_MS), Some(60_000.0));
    }

    #[test]
    fn decide_429_without_usable_headers_backs_off() {
        let o = RetryOptions::default();
        let d = decide(
            &o,
            "POST",
            false,
            Failure::Status(429),
            2,
            &reset("nope"),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::Retry { delay_ms: 500.0 });
        let d = decide(&o, "POST", false, Failure::Status(429), 1, &NONE, 0.0, 0.5);
        assert_eq!(d, Decision::Retry { delay_ms: 250.0 });
    }

    #[test]
    fn decide_transient_failures_follow_idempotency() {
        let o = RetryOptions::default();
        for f in [
            Failure::Status(500),
            Failure::Status(502),
            Failure::Status(503),
            Failure::Status(504),
            Failure::Network,
            Failure::Timeout,
        ] {
            assert_eq!(
                decide_simple("GET", f, 1),
                Decision::Retry { delay_ms: 250.0 },
                "{f:?}"
            );
            assert_eq!(decide_simple("POST", f, 1), Decision::GiveUp, "{f:?}");
            assert_eq!(decide_simple("PATCH", f, 1), Decision::GiveUp, "{f:?}");
            let keyed = decide(&o, "POST", true, f, 1, &NONE, 0.0, 0.5);
            assert_eq!(keyed, Decision::Retry { delay_ms: 250.0 }, "{f:?}");
            // Retry-After on a 503 does not replace backoff (the contract says backoff).
            let h = reset("20");
            let d = decide(&o, "GET", false, f, 2, &h, 0.0, 0.5);
            assert_eq!(d, Decision::Retry { delay_ms: 500.0 }, "{f:?}");
        }
    }

    #[test]
    fn decide_never_retries_the_rest() {
        let o = RetryOptions::default();
        for s in [
            400, 401, 403, 404, 405, 409, 422, 418, 501, 505, 507, 599, 200, 304,
        ] {
            for key in [false, true] {
                let d = decide(&o, "GET", key, Failure::Status(s), 1, &reset("1"), 0.0, 0.5);
                assert_eq!(d, Decision::GiveUp, "{s}");
            }
        }
    }

    #[test]
    fn limit_counts_retries() {
        let o = RetryOptions::default(); // limit 3 → attempts 1..=4
        for attempts in 1..=3 {
            assert!(matches!(
                decide_simple("GET", Failure::Status(503), attempts),
                Decision::Retry { .. }
            ));
            let d = decide(
                &o,
                "GET",
                false,
                Failure::Status(429),
                attempts,
                &reset("1"),
                0.0,
                0.5,
            );
            assert!(matches!(d, Decision::Retry { .. }));
        }
        assert_eq!(
            decide_simple("GET", Failure::Status(503), 4),
            Decision::GiveUp
        );
        assert_eq!(
            decide_simple("GET", Failure::Status(503), u32::MAX),
            Decision::GiveUp
        );
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            4,
            &reset("1"),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::GiveUp);

        let off = RetryOptions::disabled();
        for attempts in [0, 1, 2] {
            let d = decide(
                &off,
                "GET",
                false,
                Failure::Status(503),
                attempts,
                &NONE,
                0.0,
                0.5,
            );
            assert_eq!(d, Decision::GiveUp);
            let d = decide(
                &off,
                "GET",
                false,
                Failure::Status(429),
                attempts,
                &reset("1"),
                0.0,
                0.5,
            );
            assert_eq!(d, Decision::GiveUp);
        }
        let one = RetryOptions {
            limit: 1,
            ..RetryOptions::default()
        };
        let d = decide(&one, "GET", false, Failure::Timeout, 1, &NONE, 0.0, 0.5);
        assert!(matches!(d, Decision::Retry { .. }));
        let d = decide(&one, "GET", false, Failure::Timeout, 2, &NONE, 0.0, 0.5);
        assert_eq!(d, Decision::GiveUp);
    }

    #[test]
    fn backoff_grows_with_the_attempt() {
        let delays: Vec<f64> = (1..=3)
            .map(|a| match decide_simple("GET", Failure::Network, a) {
                Decision::Retry { delay_ms } => delay_ms,
                Decision::GiveUp => f64::NAN,
            })
            .collect();
        assert_eq!(delays, vec![250.0, 500.0, 1000.0]);
    }

    #[test]
    fn huge_max_is_capped_to_a_timer_delay() {
        let o = RetryOptions {
            limit: 3,
            base_delay_ms: f64::INFINITY,
            max_delay_ms: f64::INFINITY,
        };
        let d = decide(&o, "GET", false, Failure::Status(503), 1, &NONE, 0.0, 0.999);
        match d {
            Decision::Retry { delay_ms } => assert!(delay_ms <= MAX_TIMER_MS && delay_ms > 0.0),
            Decision::GiveUp => panic!("expected a retry"),
        }
        // A 1e12 ms request cannot be slept by a browser timer.
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &reset("1e99"),
            0.0,
            0.5,
        );
        assert!(matches!(d, Decision::Retry { .. })); // "1e99" is garbage → backoff
        let huge = "9".repeat(30);
        let d = decide(
            &o,
            "GET",
            false,
            Failure::Status(429),
            1,
            &reset(&huge),
            0.0,
            0.5,
        );
        assert_eq!(d, Decision::GiveUp);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn any_f64() -> impl Strategy<Value = f64> {
            prop_oneof![
                proptest::num::f64::ANY,
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(0.0),
                Just(-0.0),
                Just(f64::MAX),
                Just(f64::MIN_POSITIVE),
                0.0..1.0f64,
                0.0..1e13f64,
            ]
        }

        /// Header values: arbitrary text, and text close enough to the real
        /// grammar to reach the number and date parsers.
        fn header() -> impl Strategy<Value = Option<String>> {
            proptest::option::of(prop_oneof![
                any::<String>(),
                "[0-9., \t-]{0,24}",
                "[0-9]{1,400}(\\.[0-9]{0,20})?",
                "(Sun|Mon|Sunday|Monday)?,? ?[0-9]{1,2}[ -](Nov|Dec|Jan)[ -][0-9]{2,4} [0-9]{2}:[0-9]{2}:[0-9]{2} (GMT|UTC)?",
                "(Sun|Fri) (Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}",
                Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
                Just("Sun, 06 Nov 1994 08:49:37 GMT, 5".to_string()),
            ])
        }

        fn method() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                "(GET|HEAD|PUT|DELETE|OPTIONS|POST|PATCH|get|post|patch)",
            ]
        }

        fn failure() -> impl Strategy<Value = Failure> {
            prop_oneof![
                any::<u16>().prop_map(Failure::Status),
                (400u16..600).prop_map(Failure::Status),
                Just(Failure::Status(429)),
                Just(Failure::Network),
                Just(Failure::Timeout),
            ]
        }

        fn options() -> impl Strategy<Value = RetryOptions> {
            (
                prop_oneof![Just(0u32), Just(u32::MAX), 0u32..10, any::<u32>()],
                any_f64(),
                any_f64(),
            )
                .prop_map(|(limit, base_delay_ms, max_delay_ms)| RetryOptions {
                    limit,
                    base_delay_ms,
                    max_delay_ms,
                })
        }

        fn attempts() -> impl Strategy<Value = u32> {
            prop_oneof![0u32..12, any::<u32>(), Just(u32::MAX)]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn decisions_are_safe(
                opts in options(),
                method in method(),
                key in any::<bool>(),
                failure in failure(),
                attempts in attempts(),
                reset in header(),
                after in header(),
                now in any_f64(),
                random in any_f64(),
            ) {
                let headers = RetryHeaders {
                    rate_limit_reset: reset.as_deref(),
                    retry_after: after.as_deref(),
                };
                let d = decide(&opts, &method, key, failure, attempts, &headers, now, random);
                if let Decision::Retry { delay_ms } = d {
                    prop_assert!(delay_ms.is_finite());
                    prop_assert!(delay_ms >= 0.0);
                    // A NaN or negative max allows only 0.
                    prop_assert!(delay_ms == 0.0 || delay_ms <= opts.max_delay_ms, "{} > {}", delay_ms, opts.max_delay_ms);
                    prop_assert!(delay_ms <= MAX_TIMER_MS);
                    // Never past the limit (attempt 0 counts as the first).
                    prop_assert!(attempts.max(1) <= opts.limit);
                    prop_assert!(retryable(&method, key, failure));
                    if failure != Failure::Status(429) && !key {
                        prop_assert!(is_idempotent(&method));
                    }
                    match failure {
                        Failure::Status(s) => prop_assert!(matches!(s, 429 | 500 | 502 | 503 | 504)),
                        Failure::Network | Failure::Timeout => {}
                    }
                }
                if attempts > opts.limit {
                    prop_assert_eq!(d, Decision::GiveUp);
                }
            }

            #[test]
            fn non_idempotent_never_retried_on_transient_failures_without_key(
                opts in options(),
                method in "(POST|PATCH|post|patch|CONNECT|TRACE|)",
                failure in prop_oneof![
                    Just(Failure::Status(500)),
                    Just(Failure::Status(502)),
                    Just(Failure::Status(503)),
                    Just(Failure::Status(504)),
                    Just(Failure::Network),
                    Just(Failure::Timeout),
                ],
                attempts in attempts(),
                now in any_f64(),
                random in any_f64(),
            ) {
                let d = decide(&opts, &method, false, failure, attempts, &RetryHeaders::default(), now, random);
                prop_assert_eq!(d, Decision::GiveUp);
            }

            #[test]
            fn requested_waits_are_bounded(reset in header(), after in header(), now in any_f64()) {
                let headers = RetryHeaders {
                    rate_limit_reset: reset.as_deref(),
                    retry_after: after.as_deref(),
                };
                if let Some(w) = requested_wait_ms(&headers, now) {
                    prop_assert!(w.is_finite() && (0.0..=MAX_WAIT_MS).contains(&w));
                }
                if let Some(w) = retry_after_ms_for_error(&headers, now) {
                    prop_assert!(w.is_finite() && (0.0..=MAX_WAIT_MS).contains(&w));
                    prop_assert_eq!(w, w.trunc());
                }
            }

            #[test]
            fn backoff_is_bounded(opts in options(), n in any::<u32>(), random in any_f64()) {
                let d = backoff_ms(&opts, n, random);
                prop_assert!(d.is_finite() && d >= 0.0);
                prop_assert!(d <= opts.max_delay_ms || d == 0.0);
                prop_assert!(d <= MAX_TIMER_MS);
                let base_ceiling = opts.base_delay_ms * 2f64.powi(n.saturating_sub(1).min(1023) as i32);
                prop_assert!(d <= base_ceiling || d == 0.0);
            }

            #[test]
            fn reason_is_total(failure in failure()) {
                prop_assert!(!reason(failure).is_empty());
            }
        }
    }
}
