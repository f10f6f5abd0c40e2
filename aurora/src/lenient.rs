//! Field readers for Aurora's answers where its public record allows more than one shape
//! (`aurora/CONTRACT.md`): a `null` where a value was expected, counts written as `11.0`
//! or `"11"`. One such field must not cost the whole answer.

use serde::{Deserialize, Deserializer, de::Error};

/// `null` reads as the type's default (a boolean Aurora left empty is false).
pub fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A count as a whole number, from `11`, `11.0` or `"11"`.
pub fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    optional_count(deserializer)?.ok_or_else(|| D::Error::custom("a count is missing"))
}

/// A count that may be absent or `null`, from `11`, `11.0` or `"11"`.
pub fn optional_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    let number = match &value {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match number {
        Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) => Ok(Some(n as u32)),
        _ => Err(D::Error::custom("a count must be a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        #[serde(default, deserialize_with = "super::null_as_default")]
        flag: bool,
        #[serde(deserialize_with = "super::count")]
        count: u32,
        #[serde(default, deserialize_with = "super::optional_count")]
        face: Option<u32>,
    }

    #[test]
    fn counts_and_flags_read_in_every_shape_aurora_may_write_them() {
        let read = |json: &str| serde_json::from_str::<Sample>(json);
        let cases = [
            (r#"{"flag": true, "count": 11, "face": 2}"#, Sample { flag: true, count: 11, face: Some(2) }),
            (r#"{"flag": null, "count": 11.0, "face": null}"#, Sample { flag: false, count: 11, face: None }),
            (r#"{"count": "11", "face": "3"}"#, Sample { flag: false, count: 11, face: Some(3) }),
            (r#"{"count": " 7 "}"#, Sample { flag: false, count: 7, face: None }),
        ];
        for (json, expected) in cases {
            assert_eq!(read(json).unwrap_or_else(|e| panic!("{json}: {e}")), expected);
        }
        for bad in [r#"{"count": 1.5}"#, r#"{"count": -1}"#, r#"{"count": "many"}"#, r#"{"count": null}"#, "{}"] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
