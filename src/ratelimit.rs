//! A client-wide rate-limit gate.
//!
//! Retrying one request after a 429 is not enough: the budget is per token, so
//! every other request the same client sends during the window would be
//! refused too (and counts against the budget, prolonging it). The gate
//! remembers "the server asked us to hold off until T" from any response, and
//! every new request waits for it before being sent.
//!
//! Pure, like [`crate::retry`]: the clock is passed in as unix ms, and header
//! values go in raw and are read with the same lenient-but-safe rules (see the
//! [`crate::retry`] module docs).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::retry::{requested_wait_ms, reset_wait_ms, RetryHeaders, MAX_TIMER_MS};

/// When new requests of one client may be sent again.
///
/// Holds the end of the current block and the length it was given, so that
/// a clock that jumps backwards can never stretch a wait beyond the cap it
/// was set with.
#[derive(Debug, Default, Clone)]
pub struct Gate {
    /// Unix ms before which new requests wait; `0` when never blocked.
    blocked_until_ms: f64,
    /// The length of the block that set `blocked_until_ms`, already capped;
    /// the upper bound of any wait it causes.
    block_len_ms: f64,
}

/// Whether an `X-RateLimit-Remaining` value says the budget is used up:
/// some comma-separated member is a number equal to zero (`0`, `000`, `0.0`).
/// Anything unreadable is not taken as exhaustion, so garbage never blocks.
fn remaining_is_zero(value: &str) -> bool {
    crate::text::pieces(value, b",").any(|member| {
        let member = crate::retry::trim_ows(member);
        member.bytes().filter(|&b| b == b'.').count() <= 1
            && member.bytes().any(|b| b == b'0')
            && member.bytes().all(|b| b == b'0' || b == b'.')
    })
}

impl Gate {
    /// An open gate: nothing is known about the rate limit yet.
    pub fn new() -> Self {
        Gate::default()
    }

    /// Learns from any response (call it for every one, success included).
    ///
    /// A 429 with a usable requested wait (`X-RateLimit-Reset`, else
    /// `Retry-After`), or any other response with `X-RateLimit-Remaining: 0`
    /// and a usable `X-RateLimit-Reset`, blocks new requests until
    /// `now_ms + wait`. The wait is rounded up to whole ms and capped at
    /// `max_ms` (pass `max_delay_ms`: the client never stalls callers longer
    /// than it would sleep for a retry; NaN or negative means no blocking, and
    /// more than [`MAX_TIMER_MS`] is that). An existing later block is kept,
    /// and nothing ever opens the gate early: responses to requests sent
    /// before the block can arrive after it, so "remaining > 0" is not news.
    /// A non-finite `now_ms` is ignored, as there is nothing to anchor to.
    /// Returns whether the block grew (what other tabs are told).
    pub fn observe(
        &mut self,
        status: u16,
        remaining: Option<&str>,
        headers: &RetryHeaders,
        now_ms: f64,
        max_ms: f64,
    ) -> bool {
        if !now_ms.is_finite() {
            return false;
        }
        let cap = if max_ms.is_nan() || max_ms <= 0.0 {
            0.0
        } else {
            max_ms.min(MAX_TIMER_MS)
        };
        let wait = if status == 429 {
            requested_wait_ms(headers, now_ms)
        } else if remaining.is_some_and(remaining_is_zero) {
            headers.rate_limit_reset.and_then(reset_wait_ms)
        } else {
            None
        };
        let Some(wait) = wait else { return false };
        self.hold(now_ms, wait, cap)
    }

    /// Blocks new requests for `wait_ms` from `now_ms` (rounded up, capped
    /// at `cap_ms`), unless a later block stands: what a 429 does, and what
    /// another tab's note of one does. Returns whether the block grew.
    pub fn hold(&mut self, now_ms: f64, wait_ms: f64, cap_ms: f64) -> bool {
        let wait = crate::num::ceil(wait_ms).min(cap_ms);
        if !now_ms.is_finite() || wait.is_nan() || wait <= 0.0 {
            return false;
        }
        let until = now_ms + wait;
        if until.is_finite() && until > self.blocked_until_ms {
            self.blocked_until_ms = until;
            self.block_len_ms = wait;
            return true;
        }
        false
    }

    /// How long a new request must wait before being sent, in ms: 0 when the
    /// gate is open (or `now_ms` is NaN), never more than the cap the block
    /// was set with, always finite.
    pub fn wait_ms(&self, now_ms: f64) -> f64 {
        let left = self.blocked_until_ms - now_ms;
        if left > 0.0 {
            left.min(self.block_len_ms)
        } else {
            0.0
        }
    }

    /// Opens the gate, e.g. when the token changes and the old budget no
    /// longer applies.
    pub fn clear(&mut self) {
        *self = Gate::default();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const MAX: f64 = 30_000.0;
    const NOW: f64 = 1_700_000_000_000.0;
    /// 1994-11-06T08:49:37Z in unix ms.
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

    #[test]
    fn starts_open() {
        let g = Gate::new();
        assert_eq!(g.wait_ms(NOW), 0.0);
        assert_eq!(g.wait_ms(0.0), 0.0);
        assert_eq!(g.wait_ms(f64::NAN), 0.0);
    }

    #[test]
    fn a_429_with_reset_blocks() {
        let mut g = Gate::new();
        g.observe(429, None, &reset("5"), NOW, MAX);
        assert_eq!(g.wait_ms(NOW), 5_000.0);
        assert_eq!(g.wait_ms(NOW + 2_000.0), 3_000.0);
        assert_eq!(g.wait_ms(NOW + 5_000.0), 0.0);
        assert_eq!(g.wait_ms(NOW + 60_000.0), 0.0);
    }

    #[test]
    fn a_429_with_retry_after_blocks() {
        let mut g = Gate::new();
        g.observe(429, Some("0"), &after("2"), NOW, MAX);
        assert_eq!(g.wait_ms(NOW), 2_000.0);

        let mut g = Gate::new();
        let date = after("Sun, 06 Nov 1994 08:49:37 GMT");
        g.observe(429, None, &date, NOV_6_1994_MS - 1_500.5, MAX);
        assert_eq!(g.wait_ms(NOV_6_1994_MS - 1_500.5), 1_501.0);
    }

    #[test]
    fn a_429_without_usable_headers_does_not_block() {
        let mut g = Gate::new();
        g.observe(429, None, &RetryHeaders::default(), NOW, MAX);
        g.observe(429, Some("0"), &reset("soon"), NOW, MAX);
        g.observe(429, None, &after("Sun, 06 Nov 1994 08:49:37 GMT"), NOW, MAX);
        assert_eq!(g.wait_ms(NOW), 0.0);
    }

    #[test]
    fn remaining_zero_with_reset_blocks() {
        for remaining in ["0", " 0 ", "000", "0.0", "5, 0"] {
            let mut g = Gate::new();
            g.observe(200, Some(remaining), &reset("3"), NOW, MAX);
            assert_eq!(g.wait_ms(NOW), 3_000.0, "{remaining:?}");
        }
    }

    #[test]
    fn remaining_not_zero_or_unreadable_does_not_block() {
        for remaining in [
            "1", "10", "", " ", "-0x", "none", ".", "0x0", "-0", "0e0", "0.0.0",
        ] {
            let mut g = Gate::new();
            g.observe(200, Some(remaining), &reset("3"), NOW, MAX);
            assert_eq!(g.wait_ms(NOW), 0.0, "{remaining:?}");
        }
        let mut g = Gate::new();
        g.observe(200, None, &reset("3"), NOW, MAX);
        assert_eq!(g.wait_ms(NOW), 0.0);
    }

    #[test]
    fn remaining_zero_needs_reset_not_retry_after() {
        let mut g = Gate::new();
        g.observe(200, Some("0"), &after("3"), NOW, MAX);
        g.observe(200, Some("0"), &reset("garbage"), NOW, MAX);
        assert_eq!(g.wait_ms(NOW), 0.0);
    }

    #[test]
    fn blocks_are_capped() {
        let mut g = Gate::new();
        g.observe(429, None, &reset("3600"), NOW, MAX);
        assert_eq!(g.wait_ms(NOW), MAX);
        let mut g = Gate::new();
        g.observe(429, None, &reset("3600"), NOW, f64::INFINITY);
        assert_eq!(g.wait_ms(NOW), 3_600_000.0);
        let mut g = Gate::new();
        g.observe(429, None, &reset(&"9".repeat(400)), NOW, f64::INFINITY);
        assert_eq!(g.wait_ms(NOW), MAX_TIMER_MS);
        for bad_max in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
            let mut g = Gate::new();
            g.observe(429, None, &reset("5"), NOW, bad_max);
            assert_eq!(g.wait_ms(NOW), 0.0, "{bad_max}");
        }
    }

    #[test]
    fn keeps_the_later_block() {
        let mut g = Gate::new();
        g.observe(429, None, &reset("10"), NOW, MAX);
        g.observe(429, None, &reset("2"), NOW + 1_000.0, MAX);
        assert_eq!(g.wait_ms(NOW + 1_000.0), 9_000.0);
        g.observe(429, None, &reset("20"), NOW + 1_000.0, MAX);
        assert_eq!(g.wait_ms(NOW + 1_000.0), 20_000.0);
        // A success with budget left does not reopen it.
        g.observe(200, Some("99"), &reset("0"), NOW + 2_000.0, MAX);
        assert_eq!(g.wait_ms(NOW + 2_000.0), 19_000.0);
    }

    #[test]
    fn clock_going_backwards_never_exceeds_the_block() {
        let mut g = Gate::new();
        g.observe(429, None, &reset("5"), NOW, MAX);
        assert_eq!(g.wait_ms(NOW - 1e9), 5_000.0);
        assert_eq!(g.wait_ms(f64::NEG_INFINITY), 5_000.0);
        assert_eq!(g.wait_ms(f64::INFINITY), 0.0);
        assert_eq!(g.wait_ms(f64::NAN), 0.0);
    }

    #[test]
    fn broken_clock_is_ignored_when_observing() {
        for now in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut g = Gate::new();
            g.observe(429, None, &reset("5"), now, MAX);
            assert_eq!(g.wait_ms(NOW), 0.0);
            assert_eq!(g.wait_ms(0.0), 0.0);
        }
    }

    #[test]
    fn clear_opens() {
        let mut g = Gate::new();
        g.observe(429, None, &reset("5"), NOW, MAX);
        g.clear();
        assert_eq!(g.wait_ms(NOW), 0.0);
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
                Just(f64::MAX),
                Just(-f64::MAX),
                0.0..1e13f64,
            ]
        }

        fn header() -> impl Strategy<Value = Option<String>> {
            proptest::option::of(prop_oneof![
                any::<String>(),
                "[0-9., \t-]{0,24}",
                "[0-9]{1,400}(\\.[0-9]{0,20})?",
                Just("Sun, 06 Nov 1994 08:49:37 GMT".to_string()),
                Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
            ])
        }

        fn status() -> impl Strategy<Value = u16> {
            prop_oneof![any::<u16>(), Just(429u16), Just(200u16)]
        }

        type Observation = (u16, Option<String>, Option<String>, Option<String>, f64);

        fn observation() -> impl Strategy<Value = Observation> {
            (status(), header(), header(), header(), any_f64())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            #[test]
            fn wait_is_bounded(
                max in any_f64(),
                observations in proptest::collection::vec(observation(), 0..8),
                probes in proptest::collection::vec(any_f64(), 1..8),
            ) {
                let mut g = Gate::new();
                for (status, remaining, reset, after, now) in &observations {
                    let headers = RetryHeaders {
                        rate_limit_reset: reset.as_deref(),
                        retry_after: after.as_deref(),
                    };
                    g.observe(*status, remaining.as_deref(), &headers, *now, max);
                    for probe in probes.iter().chain(core::iter::once(now)) {
                        let w = g.wait_ms(*probe);
                        prop_assert!(w.is_finite());
                        prop_assert!(w >= 0.0);
                        prop_assert!(w == 0.0 || w <= max, "{} > {}", w, max);
                        prop_assert!(w <= MAX_TIMER_MS);
                    }
                }
                g.clear();
                for probe in &probes {
                    prop_assert_eq!(g.wait_ms(*probe), 0.0);
                }
            }
        }
    }
}
