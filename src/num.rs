//! `f64` rounding without std: `floor`, `ceil`, `trunc` and `round` are std
//! methods (they call libm), and the npm build is `no_std`. These give the
//! same results for every input (checked against std below); on wasm32 they
//! compile to a few float instructions.

/// 2^52: from here on every `f64` is a whole number.
const WHOLE: f64 = 4_503_599_627_370_496.0;

/// `x` with its fraction dropped (towards zero), as `f64::trunc`.
pub(crate) fn trunc(x: f64) -> f64 {
    // NaN, infinities and numbers ≥ 2^52 are already whole (or not numbers).
    if x.is_nan() || x.abs() >= WHOLE {
        return x;
    }
    // |x| < 2^52 fits an i64 exactly; copysign keeps -0.0 for (-1, 0).
    ((x as i64) as f64).copysign(x)
}

/// The largest whole number ≤ `x`, as `f64::floor`.
pub(crate) fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// The smallest whole number ≥ `x`, as `f64::ceil`.
pub(crate) fn ceil(x: f64) -> f64 {
    let t = trunc(x);
    if t < x {
        (t + 1.0).copysign(x)
    } else {
        t
    }
}

/// `x` rounded to the nearest whole number, halves away from zero, as
/// `f64::round`.
pub(crate) fn round(x: f64) -> f64 {
    let t = trunc(x);
    // `x - t` is exact (same sign, |t| ≤ |x|, both below 2^52).
    if (x - t).abs() >= 0.5 {
        t + 1.0f64.copysign(x)
    } else {
        t
    }
}

/// 2^`e` for `e` in 0..=1023, exactly, as `2f64.powi(e)`.
pub(crate) fn pow2(e: u32) -> f64 {
    f64::from_bits((u64::from(e.min(1023)) + 1023) << 52)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
    }

    const EDGES: &[f64] = &[
        0.0,
        -0.0,
        0.5,
        -0.5,
        0.49999999999999994,
        -0.49999999999999994,
        1.5,
        -1.5,
        2.5,
        -2.5,
        0.1,
        -0.1,
        1.0,
        -1.0,
        4503599627370495.5,
        -4503599627370495.5,
        4503599627370496.0,
        9007199254740993.0,
        1e300,
        -1e300,
        f64::MIN_POSITIVE,
        -f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        5e-324,
        -5e-324,
    ];

    #[test]
    fn matches_std_on_the_edges() {
        for &x in EDGES {
            assert!(same(trunc(x), x.trunc()), "trunc {x}");
            assert!(same(floor(x), x.floor()), "floor {x}");
            assert!(same(ceil(x), x.ceil()), "ceil {x}");
            assert!(same(round(x), x.round()), "round {x}");
        }
    }

    #[test]
    fn pow2_is_exact() {
        for e in 0..=1023u32 {
            assert_eq!(pow2(e), 2f64.powi(e as i32), "2^{e}");
        }
        assert_eq!(pow2(5000), pow2(1023));
    }

    proptest! {
        #[test]
        fn matches_std_everywhere(bits in any::<u64>(), small in -1e7f64..1e7) {
            for x in [f64::from_bits(bits), small] {
                prop_assert!(same(trunc(x), x.trunc()), "trunc {}", x);
                prop_assert!(same(floor(x), x.floor()), "floor {}", x);
                prop_assert!(same(ceil(x), x.ceil()), "ceil {}", x);
                prop_assert!(same(round(x), x.round()), "round {}", x);
            }
        }
    }
}
