//! Input rules for what we send to Aurora. Each rule returns an error naming the field, so
//! the worker can tell a rep exactly what to fix in the CRM.

/// Aurora's limit on string fields [int].
pub const MAX_STRING_CHARS: usize = 255;

/// A value we refuse to send to Aurora.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    /// A required text field is empty after trimming.
    #[error("{field} is empty")]
    Empty {
        /// The field's name in Aurora's payload.
        field: &'static str,
    },
    /// A text field is longer than Aurora accepts.
    #[error("{field} is {chars} characters long; Aurora accepts at most {MAX_STRING_CHARS}")]
    TooLong {
        /// The field's name in Aurora's payload.
        field: &'static str,
        /// Its length in characters.
        chars: usize,
    },
    /// A number is NaN or infinite.
    #[error("{field} is not a finite number")]
    NotFinite {
        /// The field's name.
        field: &'static str,
    },
    /// A number is outside its range.
    #[error("{field} is {value}, outside {min} to {max}")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: f64,
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// An id is not a UUID.
    #[error("{field} is not a UUID")]
    NotAUuid {
        /// The field's name.
        field: &'static str,
    },
    /// An opaque id is empty, too long, or has control characters.
    #[error("{field} is not an id (empty, too long, or with control characters)")]
    NotAnId {
        /// The field's name.
        field: &'static str,
    },
    /// A value breaks a rule of its own (e.g. a webhook URL template).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field's name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl ValidationError {
    /// The field the error is about, as named in Aurora's payload.
    pub fn field(&self) -> &'static str {
        match self {
            ValidationError::Empty { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::NotFinite { field }
            | ValidationError::OutOfRange { field, .. }
            | ValidationError::NotAUuid { field }
            | ValidationError::NotAnId { field }
            | ValidationError::Invalid { field, .. } => field,
        }
    }
}

/// A required string: trimmed, non-empty, at most [`MAX_STRING_CHARS`] characters.
pub fn required_text(field: &'static str, value: &str) -> Result<String, ValidationError> {
    optional_text(field, Some(value))?.ok_or(ValidationError::Empty { field })
}

/// An optional string: trimmed; empty becomes `None` (the key is then omitted, since
/// Aurora rejects `null` for optional strings [int]); at most [`MAX_STRING_CHARS`].
pub fn optional_text(field: &'static str, value: Option<&str>) -> Result<Option<String>, ValidationError> {
    let Some(trimmed) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let chars = trimmed.chars().count();
    if chars > MAX_STRING_CHARS {
        return Err(ValidationError::TooLong { field, chars });
    }
    Ok(Some(trimmed.to_owned()))
}

/// A finite number within `[min, max]`.
pub fn in_range(field: &'static str, value: f64, min: f64, max: f64) -> Result<f64, ValidationError> {
    if !value.is_finite() {
        return Err(ValidationError::NotFinite { field });
    }
    if !(min..=max).contains(&value) {
        return Err(ValidationError::OutOfRange { field, value, min, max });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(required_text("property_address", "  12 Main St "), Ok("12 Main St".into()));
        assert_eq!(required_text("property_address", "   "), Err(ValidationError::Empty { field: "property_address" }));
        assert_eq!(optional_text("name", Some("  ")), Ok(None));
        assert_eq!(optional_text("name", None), Ok(None));
        let long = "é".repeat(256);
        assert_eq!(optional_text("name", Some(&long)), Err(ValidationError::TooLong { field: "name", chars: 256 }));
        assert!(optional_text("name", Some(&"é".repeat(255))).is_ok(), "255 characters, not bytes");
    }

    #[test]
    fn number_rules() {
        assert_eq!(in_range("latitude", 90.0, -90.0, 90.0), Ok(90.0));
        assert!(matches!(
            in_range("latitude", 90.01, -90.0, 90.0),
            Err(ValidationError::OutOfRange { field: "latitude", .. })
        ));
        assert_eq!(
            in_range("longitude", f64::NAN, -180.0, 180.0),
            Err(ValidationError::NotFinite { field: "longitude" })
        );
        assert_eq!(in_range("longitude", f64::INFINITY, -180.0, 180.0).map_err(|e| e.field()), Err("longitude"));
    }
}
