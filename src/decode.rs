//! The widget's side of [`widget_api::decode`]: the browser's parsed JSON (`JsValue`) as a
//! [`JsonValue`](widget_api::decode::JsonValue), so the shared reader runs over what
//! `JSON.parse` gave, with no serde in the widget's wasm (see `widget_api::decode` for why).
//!
//! Feature `serde-wasm-bindgen` swaps the reader for serde-wasm-bindgen over widget-api's
//! serde derives, trimmed as far as it goes (no `deserialize_any` on any path, its error
//! messages dropped): `cargo xtask bench` builds both and records the difference in bytes.

use wasm_bindgen::JsValue;
pub use widget_api::decode::DecodeError;

#[cfg(not(feature = "serde-wasm-bindgen"))]
pub use by_hand::Decode;

#[cfg(feature = "serde-wasm-bindgen")]
pub use by_serde::Decode;

/// Reads `value` (a parsed JSON body) as `T`.
pub fn decode<T: Decode>(value: JsValue) -> Result<T, DecodeError> {
    #[cfg(not(feature = "serde-wasm-bindgen"))]
    return widget_api::decode::decode(by_hand::Js(value));
    #[cfg(feature = "serde-wasm-bindgen")]
    return serde_wasm_bindgen::from_value(value).map_err(|_| DecodeError("body"));
}

#[cfg(not(feature = "serde-wasm-bindgen"))]
mod by_hand {
    use wasm_bindgen::{JsCast, JsValue};
    pub use widget_api::decode::Decode;
    use widget_api::decode::JsonValue;

    /// A value the browser parsed.
    pub struct Js(pub JsValue);

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
        fn items(&self) -> Option<Vec<Self>> {
            let array: &js_sys::Array = self.0.dyn_ref()?;
            Some(array.iter().map(Js).collect())
        }
    }
}

#[cfg(feature = "serde-wasm-bindgen")]
mod by_serde {
    /// What serde can read.
    pub trait Decode: serde::de::DeserializeOwned {}
    impl<T: serde::de::DeserializeOwned> Decode for T {}
}
