//! Reads the worker's JSON, already parsed by whoever hosts the reader (the browser's
//! `JSON.parse` in the widget, `serde_json` in tests and fuzzing), into these types.
//!
//! Why not serde in the widget: measured there, deserializing through serde cost 22 KB of
//! the 80 KB brotli budget, mostly serde's error messages pulling in float formatting and
//! per-type visitor code. Reading fields off the parsed value costs a few hundred bytes
//! per type. The reader is generic over [`JsonValue`] so the same code runs in the widget
//! (over `JsValue`) and natively (over `serde_json::Value`, for tests and the fuzz target),
//! and the contract stays checked: the struct literals below stop compiling when a field
//! changes, and the tests decode what the worker sends (serialized by serde, as the worker
//! does) and compare. The widget reads little: the worker renders every screen, so a
//! session's keys, a screen's HTML and an error are all it decodes.

use crate::{ErrorBody, ErrorDetail, ScreenAnswer, SessionKeys};

/// A parsed JSON value, as the host of the reader has it.
pub trait JsonValue: Sized {
    /// `undefined` or `null`: what serde's `Option` and `#[serde(default)]` read as none.
    fn is_absent(&self) -> bool;
    /// Whether it is an object (not an array).
    fn is_object(&self) -> bool;
    /// A field of an object, present or not.
    fn get(&self, key: &str) -> Option<Self>;
    /// The text, if it is a string.
    fn as_text(&self) -> Option<String>;
    /// The number, if it is one.
    fn as_number(&self) -> Option<f64>;
    /// The boolean, if it is one.
    fn as_flag(&self) -> Option<bool>;
}

/// A body that is not what the worker sends: names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the answer's `{}` is missing or not what the widget expects", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// A type the widget reads from the worker's JSON.
pub trait Decode: Sized {
    /// Reads `object`.
    fn decode<V: JsonValue>(object: &Object<V>) -> Result<Self, DecodeError>;
}

/// Reads `value` (a parsed JSON body) as `T`.
pub fn decode<T: Decode, V: JsonValue>(value: V) -> Result<T, DecodeError> {
    T::decode(&Object::new(value, "body")?)
}

/// A JSON object, read one field at a time.
pub struct Object<V>(V);

impl<V: JsonValue> Object<V> {
    fn new(value: V, name: &'static str) -> Result<Self, DecodeError> {
        if value.is_object() { Ok(Object(value)) } else { Err(DecodeError(name)) }
    }

    /// The field, `None` when absent or null (serde's `Option` and `#[serde(default)]`).
    fn field(&self, key: &'static str) -> Option<V> {
        self.0.get(key).filter(|value| !value.is_absent())
    }

    fn string(&self, key: &'static str) -> Result<String, DecodeError> {
        self.optional_string(key)?.ok_or(DecodeError(key))
    }

    fn optional_string(&self, key: &'static str) -> Result<Option<String>, DecodeError> {
        self.field(key).map(|v| v.as_text().ok_or(DecodeError(key))).transpose()
    }

    fn number(&self, key: &'static str) -> Result<f64, DecodeError> {
        self.optional_number(key)?.ok_or(DecodeError(key))
    }

    fn optional_number(&self, key: &'static str) -> Result<Option<f64>, DecodeError> {
        self.field(key).map(|v| v.as_number().ok_or(DecodeError(key))).transpose()
    }

    /// A whole number from 0 to `u32::MAX`.
    fn count(&self, key: &'static str) -> Result<u32, DecodeError> {
        let n = self.number(key)?;
        if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) { Ok(n as u32) } else { Err(DecodeError(key)) }
    }

    fn boolean(&self, key: &'static str) -> Result<bool, DecodeError> {
        self.field(key).and_then(|v| v.as_flag()).ok_or(DecodeError(key))
    }

    fn object(&self, key: &'static str) -> Result<Object<V>, DecodeError> {
        Object::new(self.field(key).ok_or(DecodeError(key))?, key)
    }
}

impl Decode for SessionKeys {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(SessionKeys {
            token: o.string("token")?,
            expires_in: o.count("expires_in")?.into(),
            opportunity_id: o.object("opportunity")?.string("id")?,
        })
    }
}

impl Decode for ScreenAnswer {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(ScreenAnswer {
            html: o.string("html")?,
            announcement: o.optional_string("announcement")?,
            pending: o.boolean("pending")?,
        })
    }
}

impl Decode for ErrorBody {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        let error = o.object("error")?;
        Ok(ErrorBody { error: ErrorDetail { code: error.string("code")?, message: error.string("message")? } })
    }
}

/// `serde_json`'s values, for native tests and fuzzing.
#[cfg(feature = "serde_json")]
impl JsonValue for serde_json::Value {
    fn is_absent(&self) -> bool {
        self.is_null()
    }
    fn is_object(&self) -> bool {
        self.is_object()
    }
    fn get(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).cloned()
    }
    fn as_text(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }
    fn as_number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn as_flag(&self) -> Option<bool> {
        self.as_bool()
    }
}

#[cfg(all(test, feature = "serde_json"))]
mod tests {
    use super::*;
    use crate::{Location, Opportunity, OpportunityState, SessionResponse};

    #[test]
    fn what_the_worker_sends_reads_back_as_sent() {
        let screen = ScreenAnswer { html: "<p>Design ready</p>".into(), announcement: None, pending: false };
        let json = serde_json::to_value(&screen).expect("json");
        assert_eq!(decode::<ScreenAnswer, _>(json), Ok(screen));
        let session = SessionResponse {
            token: "t".into(),
            expires_in: 600,
            opportunity: Opportunity {
                id: "o-1".into(),
                name: "R".into(),
                location: Location::Coordinates { latitude: 1.0, longitude: 2.0 },
            },
            state: OpportunityState::NoProject,
        };
        let keys = decode::<SessionKeys, _>(serde_json::to_value(&session).expect("json"));
        assert_eq!(keys, Ok(SessionKeys { token: "t".into(), expires_in: 600, opportunity_id: "o-1".into() }));
    }

    #[test]
    fn a_body_that_is_not_what_the_worker_sends_names_the_field() {
        let read = |json: serde_json::Value| decode::<ScreenAnswer, _>(json);
        assert_eq!(read(serde_json::json!({"html": "<p></p>"})), Err(DecodeError("pending")));
        assert_eq!(read(serde_json::json!({"html": 1, "pending": true})), Err(DecodeError("html")));
        assert_eq!(read(serde_json::json!([1])), Err(DecodeError("body")));
    }
}
