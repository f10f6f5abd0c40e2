//! Aurora writes many timestamps as `"2023-07-29 04:30:46 UTC"` and the design summary's
//! `created_at` as ISO-8601 `"2024-06-21T21:12:44.591Z"` [doc, int]. Nothing promises
//! those two stay the only ones, so [`Timestamp`] also reads RFC 3339 without an offset
//! (taken as UTC), offsets written `+0000`, and a date alone (midnight UTC). It keeps the
//! original text, so a payload re-serializes exactly as received.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The format of Aurora's non-ISO timestamps.
const AURORA_FORMAT: &str = "%Y-%m-%d %H:%M:%S UTC";

/// A point in time as Aurora wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    raw: String,
    utc: DateTime<Utc>,
}

/// Text that is neither of Aurora's timestamp formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a timestamp (expected `YYYY-MM-DD HH:MM:SS UTC`, ISO-8601 or a date)")]
pub struct TimestampError(String);

impl Timestamp {
    /// Parses any of the shapes above.
    pub fn parse(raw: &str) -> Result<Self, TimestampError> {
        let text = raw.trim();
        let with_offset = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f %z"];
        let without_offset = [AURORA_FORMAT, "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];
        let utc = DateTime::parse_from_rfc3339(text)
            .ok()
            .or_else(|| with_offset.iter().find_map(|format| DateTime::parse_from_str(text, format).ok()))
            .map(|dt| dt.with_timezone(&Utc))
            .or_else(|| {
                without_offset
                    .iter()
                    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                    .map(|n| n.and_utc())
            })
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|n| n.and_utc())
            })
            .ok_or_else(|| TimestampError(raw.chars().take(64).collect()))?;
        Ok(Timestamp { raw: raw.to_owned(), utc })
    }

    /// A time written the way Aurora writes token expiries: `2023-07-29 04:30:46 UTC`.
    pub fn aurora_format(utc: DateTime<Utc>) -> Self {
        Timestamp { raw: utc.format(AURORA_FORMAT).to_string(), utc }
    }

    /// A time written as ISO-8601 with milliseconds, as in the design summary.
    pub fn iso8601(utc: DateTime<Utc>) -> Self {
        Timestamp { raw: utc.to_rfc3339_opts(SecondsFormat::Millis, true), utc }
    }

    /// The instant.
    pub fn utc(&self) -> DateTime<Utc> {
        self.utc
    }

    /// The instant as RFC 3339 in UTC with milliseconds: `2024-06-21T21:12:44.591Z`,
    /// whichever format Aurora wrote (what a browser's `Date` reads).
    pub fn rfc3339(&self) -> String {
        self.utc.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.utc.timestamp()
    }

    /// The text as Aurora sent it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Timestamp::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_parse_to_the_same_kind_of_instant() {
        let token_expiry = Timestamp::parse("2023-07-29 04:30:46 UTC").expect("aurora format");
        assert_eq!(token_expiry.unix_seconds(), 1_690_605_046);
        let created = Timestamp::parse("2024-06-21T21:12:44.591Z").expect("iso");
        assert_eq!(created.utc().timestamp_millis(), 1_719_004_364_591);
        let offset = Timestamp::parse("2024-06-21T23:12:44+02:00").expect("iso with offset");
        assert_eq!(offset.unix_seconds(), 1_719_004_364);
    }

    #[test]
    fn round_trips_keep_the_original_text() {
        for raw in ["2023-07-29 04:30:46 UTC", "2024-06-21T21:12:44.591Z"] {
            let json = format!("\"{raw}\"");
            let ts: Timestamp = serde_json::from_str(&json).expect("parses");
            assert_eq!(serde_json::to_string(&ts).expect("serializes"), json);
        }
        let made = Timestamp::aurora_format(Timestamp::parse("2024-06-21T21:12:44.591Z").expect("iso").utc());
        assert_eq!(made.as_str(), "2024-06-21 21:12:44 UTC");
    }

    #[test]
    fn every_shape_aurora_may_write_reads_as_the_same_instant() {
        let cases = [
            ("Aurora's own", "2024-06-21 21:12:44 UTC", 1_719_004_364_000),
            ("RFC 3339, Z", "2024-06-21T21:12:44Z", 1_719_004_364_000),
            ("RFC 3339, millis", "2024-06-21T21:12:44.591Z", 1_719_004_364_591),
            ("RFC 3339, offset", "2024-06-21T23:12:44+02:00", 1_719_004_364_000),
            ("no offset is UTC", "2024-06-21T21:12:44", 1_719_004_364_000),
            ("no offset, micros", "2024-06-21T21:12:44.591000", 1_719_004_364_591),
            ("space, no offset", "2024-06-21 21:12:44", 1_719_004_364_000),
            ("+0000", "2024-06-21T21:12:44+0000", 1_719_004_364_000),
            ("space and +0000", "2024-06-21 21:12:44 +0000", 1_719_004_364_000),
            ("-0500", "2024-06-21T16:12:44-0500", 1_719_004_364_000),
            ("date only", "2024-06-21", 1_718_928_000_000),
            ("padded", " 2024-06-21T21:12:44Z ", 1_719_004_364_000),
        ];
        for (name, raw, millis) in cases {
            let parsed = Timestamp::parse(raw).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.utc().timestamp_millis(), millis, "{name}");
            assert_eq!(parsed.as_str(), raw, "{name}: the text is kept");
        }
    }

    #[test]
    fn other_text_is_refused() {
        for bad in ["", "yesterday", "2023-13-01 00:00:00 UTC", "1690605046", "21/06/2024", "2024-06-21T25:00:00Z"] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
