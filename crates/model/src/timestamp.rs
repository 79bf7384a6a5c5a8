//! The one timestamp format Verity stores and shows: RFC 3339, UTC, fixed width, microseconds
//! (`2026-12-02T06:21:36.123456Z`). Fixed width matters because the store sorts timestamps as text: before this
//! module, "2026-12-02 9:05:00" sorted after "2026-12-02 10:00:00".

use time::OffsetDateTime;
use time::macros::format_description;

/// The current time in the stored format.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// `at`, converted to UTC, in the stored format.
pub fn format(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let fixed = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    utc.format(&fixed).expect("a UTC time formats with a fixed description")
}

/// A timestamp written by an older Verity (`2026-12-02 6:21:36.123456789`, hour unpadded, or RFC 3339 with any
/// offset and any number of fractional digits) in the stored format; `None` when `stored` is neither.
pub fn normalise(stored: &str) -> Option<String> {
    let stored = stored.trim();
    if let Ok(at) = OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339) {
        return Some(format(at));
    }
    // The old `engine::now()`: `Date` and `Time` joined by a space, `Time`'s hour unpadded.
    let (date, clock) = stored.split_once(' ')?;
    let date = time::Date::parse(date, format_description!("[year]-[month]-[day]")).ok()?;
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut parts = hms.split(':').map(|p| p.parse::<u8>().ok());
    let (hour, minute, second) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros: u32 = format!("{fraction:0<6}")[..6].parse().ok()?;
    let time = time::Time::from_hms_micro(hour, minute, second, micros).ok()?;
    Some(format(date.with_time(time).assume_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(stored: &str, expected: Option<&str>) {
        assert_eq!(normalise(stored).as_deref(), expected, "{stored}");
    }

    #[test]
    fn old_and_foreign_forms_become_the_fixed_form() {
        check("2026-12-02 6:21:36.123456789", Some("2026-12-02T06:21:36.123456Z"));
        check("2026-12-02 16:21:36.5", Some("2026-12-02T16:21:36.500000Z"));
        check("2026-12-02 0:00:00.0", Some("2026-12-02T00:00:00.000000Z"));
        check("2026-12-02 7:01:02", Some("2026-12-02T07:01:02.000000Z"));
        check("2026-12-02T06:21:36.1Z", Some("2026-12-02T06:21:36.100000Z"));
        check("2026-12-02T08:21:36+02:00", Some("2026-12-02T06:21:36.000000Z"));
        check("2026-12-02T06:21:36.123456Z", Some("2026-12-02T06:21:36.123456Z"));
        check("yesterday", None);
        check("2026-12-02 25:00:00.0", None);
        check("2026-12-02 6:21", None);
    }

    #[test]
    fn the_stored_form_sorts_as_text_in_time_order() {
        let morning = normalise("2026-12-02 9:05:00.0").unwrap();
        let later = normalise("2026-12-02 10:00:00.0").unwrap();
        assert!(morning < later, "{morning} vs {later}");
        let now = now();
        assert_eq!(now.len(), "2026-12-02T06:21:36.123456Z".len(), "{now}");
        assert_eq!(normalise(&now).as_deref(), Some(now.as_str()));
    }
}
