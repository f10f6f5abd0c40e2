//! The widget's side of [`widget_api::decode`]: the browser's parsed JSON (`JsValue`) as a
//! [`JsonValue`](widget_api::decode::JsonValue), so the shared reader runs over what
//! `JSON.parse` gave, with no serde in the widget's wasm (see `widget_api::decode` for why).

use wasm_bindgen::JsValue;
use widget_api::decode::JsonValue;
pub use widget_api::decode::{Decode, DecodeError};

/// Reads `value` (a parsed JSON body) as `T`.
pub fn decode<T: Decode>(value: JsValue) -> Result<T, DecodeError> {
    widget_api::decode::decode(Js(value))
}

/// A value the browser parsed.
struct Js(JsValue);

impl JsonValue for Js {
    fn is_absent(&self) -> bool {
        self.0.is_undefined() || self.0.is_null()
    }
    fn is_object(&self) -> bool {
        self.0.is_object() && !js_sys::Array::is_array(&self.0)
    }
    fn get(&self, key: &str) -> Option<Self> {
        js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).ok().map(Js)
    }
    fn as_text(&self) -> Option<String> {
        self.0.as_string()
    }
    fn as_number(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn as_flag(&self) -> Option<bool> {
        self.0.as_bool()
    }
}
