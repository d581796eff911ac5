//! HTTP-dates (`Retry-After: Sun, 06 Nov 1994 08:49:37 GMT`) and plain
//! decimal numbers, read without `core`'s float parser or `SystemTime`.
//!
//! Both would cost the `.wasm` far more than this module does (the float
//! parser alone carries a 10 KB table, and a `SystemTime` round trip pulls in
//! `Duration`'s formatting). The grammar is RFC 9110 §5.6.7: IMF-fixdate plus
//! the obsolete RFC 850 and asctime forms, accepted exactly when the
//! `httpdate` crate accepts them (the tests compare the two on random input).

#[allow(unused_imports)]
use crate::prelude::*;

/// Seconds since the Unix epoch for an HTTP-date, or `None` when `s` is not
/// one (wrong shape, a field out of range, a day the month does not have, a
/// weekday that does not match the date, a year outside 1970–9999).
///
/// ```
/// use projekt_client::date::parse_http_date;
/// assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784111777));
/// assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784111777));
/// assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(784111777));
/// assert_eq!(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), None); // a Sunday
/// ```
pub fn parse_http_date(s: &str) -> Option<i64> {
    if !s.is_ascii() {
        return None;
    }
    let b = s.trim_ascii().as_bytes();
    let (wday, day, mon, year, time) = if b.len() == 29 {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        if &b[3..5] != b", "
            || b[7] != b' '
            || b[11] != b' '
            || b[16] != b' '
            || &b[25..] != b" GMT"
        {
            return None;
        }
        let year = num(&b[12..16])?;
        (
            short_day(&b[..3])?,
            num(&b[5..7])?,
            month(&b[8..11])?,
            year,
            &b[17..25],
        )
    } else if b.len() == 24 && b[3] == b' ' {
        // asctime: "Sun Nov  6 08:49:37 1994"
        if b[7] != b' ' || b[10] != b' ' || b[19] != b' ' {
            return None;
        }
        let day = if b[8] == b' ' {
            num(&b[9..10])?
        } else {
            num(&b[8..10])?
        };
        (
            short_day(&b[..3])?,
            day,
            month(&b[4..7])?,
            num(&b[20..24])?,
            &b[11..19],
        )
    } else {
        // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        let wday = (1..=7u32).find(|&d| b.starts_with(DAY_NAMES[d as usize - 1].as_bytes()))?;
        let rest = b[DAY_NAMES[wday as usize - 1].len()..].strip_prefix(b", ")?;
        // Byte 9 (between the year and the hour) is not checked, as in `httpdate`.
        if rest.len() != 22 || rest[2] != b'-' || rest[6] != b'-' || &rest[18..] != b" GMT" {
            return None;
        }
        let yy = num(&rest[7..9])?;
        let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
        (
            wday,
            num(&rest[..2])?,
            month(&rest[3..6])?,
            year,
            &rest[10..18],
        )
    };
    if time[2] != b':' || time[5] != b':' {
        return None;
    }
    let (hour, min, sec) = (num(&time[..2])?, num(&time[3..5])?, num(&time[6..8])?);
    if hour > 23 || min > 59 || sec > 59 || !(1970..=9999).contains(&year) {
        return None;
    }
    if day == 0 || day > days_in_month(year, mon) {
        return None;
    }
    let days = days_from_civil(year, mon, day);
    // 1970-01-01 was a Thursday (4, counting Monday as 1).
    if (days + 3) % 7 + 1 != i64::from(wday) {
        return None;
    }
    Some(days * 86_400 + i64::from(hour * 3600 + min * 60 + sec))
}

/// A non-negative decimal number, `DIGITS [ "." DIGITS ]` (one side may be
/// empty, not both), times `scale`; `None` for anything else (signs,
/// exponents, `inf`, spaces). Very long inputs give `inf`, never a panic.
///
/// ```
/// use projekt_client::date::parse_decimal;
/// assert_eq!(parse_decimal("1.5", 1000.0), Some(1500.0));
/// assert_eq!(parse_decimal(".25", 1000.0), Some(250.0));
/// assert_eq!(parse_decimal("1e3", 1.0), None);
/// ```
pub fn parse_decimal(s: &str, scale: f64) -> Option<f64> {
    let (int, frac) = crate::text::cut(s, b'.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    let mut value = 0.0f64;
    for c in int.bytes() {
        value = value * 10.0 + f64::from(c - b'0');
    }
    value *= scale;
    let mut unit = scale;
    for c in frac.bytes().take(20) {
        unit /= 10.0;
        value += f64::from(c - b'0') * unit;
    }
    Some(value)
}

/// A finite number as text the way JavaScript's `String(n)` writes the
/// common cases (`1`, `-3`, `2.5`, `0.125`), without `core`'s float
/// formatter. Fractions are rounded to 6 places; magnitudes of 1e15 and more
/// are written as whole numbers, and past `u64::MAX` (1.8e19) as that.
///
/// ```
/// use projekt_client::date::format_number;
/// assert_eq!(format_number(2.5), "2.5");
/// assert_eq!(format_number(-3.0), "-3");
/// assert_eq!(format_number(0.1), "0.1");
/// ```
pub fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return String::new();
    }
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    let a = n.abs();
    if a >= 1e15 {
        // `as` saturates; numbers this large are not messages anyway.
        crate::text::push_u64(&mut out, a as u64);
        return out;
    }
    // Whole part and fraction apart: `a * 1e6` would overflow u64 from
    // about 1.8e13 on.
    let mut whole = crate::num::trunc(a) as u64;
    let mut frac = crate::num::round((a - crate::num::trunc(a)) * 1e6) as u64;
    if frac >= 1_000_000 {
        whole += 1;
        frac = 0;
    }
    crate::text::push_u64(&mut out, whole);
    if frac != 0 {
        out.push('.');
        let mut div = 100_000;
        while frac != 0 {
            out.push(char::from(b'0' + (frac / div) as u8));
            frac %= div;
            div /= 10;
        }
    }
    if out == "-0" {
        out.remove(0);
    }
    out
}

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";

/// Digits only, at most 4 of them.
fn num(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn short_day(b: &[u8]) -> Option<u32> {
    (1..=7u32).find(|&d| &DAY_NAMES[d as usize - 1].as_bytes()[..3] == b)
}

fn month(b: &[u8]) -> Option<u32> {
    MONTHS.chunks(3).position(|m| m == b).map(|i| i as u32 + 1)
}

fn days_in_month(year: u32, mon: u32) -> u32 {
    match mon {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: u32, mon: u32, day: u32) -> i64 {
    let y = i64::from(if mon <= 2 { year - 1 } else { year });
    let (era, yoe) = (y / 400, y % 400);
    let mp = i64::from((mon + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::UNIX_EPOCH;

    fn oracle(s: &str) -> Option<i64> {
        let t = httpdate::parse_http_date(s).ok()?;
        Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64)
    }

    #[test]
    fn format_number_is_exact_for_large_whole_numbers() {
        assert_eq!(format_number(2e13), "20000000000000");
        assert_eq!(format_number(123456789012345.5), "123456789012345.5");
        assert_eq!(format_number(1.9999999), "2");
        assert_eq!(format_number(-0.0000001), "0");
    }

    #[test]
    fn the_three_forms_and_their_limits() {
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 06 08:49:37 1994",
            "  Sun, 06 Nov 1994 08:49:37 GMT  ",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Thu, 29 Feb 2024 12:00:00 GMT",
            "Tue, 29 Feb 2100 12:00:00 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-69 08:49:37 GMT",
            "Thursday, 01-Jan-70 00:00:00 GMT",
            "Sunday,06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-94x08:49:37 GMT",
            "Sun, 06 Növ 1994 08:49:37 GMT",
            "",
            "Sun",
            "Sunday, ",
        ] {
            assert_eq!(parse_http_date(s), oracle(s), "{s:?}");
        }
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(253_402_300_799)
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_decimal("0", 1000.0), Some(0.0));
        assert_eq!(parse_decimal("7.", 1000.0), Some(7000.0));
        assert_eq!(parse_decimal("0.001", 1000.0), Some(1.0));
        for bad in [
            "", ".", "-1", "+1", "1e3", "inf", "NaN", "1.2.3", " 1", "0x10", "１",
        ] {
            assert_eq!(parse_decimal(bad, 1.0), None, "{bad:?}");
        }
        assert_eq!(parse_decimal(&"9".repeat(400), 1.0), Some(f64::INFINITY));
        for (n, s) in [
            (1.0, "1"),
            (-0.0, "0"),
            (2.5, "2.5"),
            (0.125, "0.125"),
            (1e-7, "0"),
            (123456.789, "123456.789"),
        ] {
            assert_eq!(format_number(n), s);
        }
        assert_eq!(format_number(1e18), "1000000000000000000");
        assert_eq!(format_number(-1e300), "-18446744073709551615");
    }

    /// Strings shaped like HTTP-dates, with every field free to be wrong.
    fn date_like() -> impl Strategy<Value = String> {
        let day = prop_oneof![
            Just("Sun"),
            Just("Mon"),
            Just("Thu"),
            Just("Sunday"),
            Just("Thursday"),
            Just("Xyz")
        ];
        let mon = prop_oneof![
            Just("Jan"),
            Just("Feb"),
            Just("Nov"),
            Just("Dec"),
            Just("Foo")
        ];
        let n2 = "[0-9 ]{2}";
        (
            day,
            n2,
            mon,
            "[0-9]{2,4}",
            n2,
            n2,
            n2,
            0..3usize,
            prop::sample::select(vec![" ", "-", ", ", ":"]),
        )
            .prop_map(|(d, dd, m, y, h, mi, s, form, sep)| match form {
                0 => format!("{d}, {dd} {m} {y} {h}:{mi}:{s} GMT"),
                1 => format!("{d}, {dd}-{m}-{y}{sep}{h}:{mi}:{s} GMT"),
                _ => format!("{d} {m} {dd} {h}:{mi}:{s} {y}"),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn agrees_with_httpdate_on_date_shapes(s in date_like()) {
            prop_assert_eq!(parse_http_date(&s), oracle(&s), "{:?}", s);
        }

        #[test]
        fn agrees_with_httpdate_on_real_dates(secs in 0i64..253_402_300_800) {
            let t = UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
            let s = httpdate::fmt_http_date(t);
            prop_assert_eq!(parse_http_date(&s), Some(secs));
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            prop_assert_eq!(parse_http_date(&s), oracle(&s));
            let _ = parse_decimal(&s, 1000.0);
        }

        #[test]
        fn decimal_matches_the_float_parser(int in "[0-9]{0,12}", frac in "[0-9]{0,6}") {
            let s = if frac.is_empty() { int.clone() } else { format!("{int}.{frac}") };
            let mine = parse_decimal(&s, 1000.0);
            let theirs = s.parse::<f64>().ok().map(|v| v * 1000.0);
            match (mine, theirs) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() <= b.abs() * 1e-12 + 1e-9, "{} {} {}", s, a, b),
                (a, b) => prop_assert_eq!(a, b, "{:?}", s),
            }
        }

        #[test]
        fn format_number_reads_back(n in -1e15f64..1e15) {
            let s = format_number(n);
            let back: f64 = s.parse().unwrap();
            // Rounded to 6 places; above ~1e9 the f64 itself has less precision than that.
            prop_assert!((back - n).abs() <= 5e-7 + n.abs() * 1e-15, "{} → {}", n, s);
        }
    }
}
