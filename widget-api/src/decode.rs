//! Reads the worker's JSON, already parsed by whoever hosts the reader (the browser's
//! `JSON.parse` in the widget, `serde_json` in tests and fuzzing), into these types.
//!
//! Why not serde in the widget: measured there, deserializing through serde cost 22 KB of
//! the 80 KB brotli budget, mostly serde's error messages pulling in float formatting and
//! per-type visitor code. Reading fields off the parsed value costs a few hundred bytes
//! per type. The reader is generic over [`JsonValue`] so the same code runs in the widget
//! (over `JsValue`) and natively (over `serde_json::Value`, for tests and the fuzz target),
//! and the contract stays checked: the struct literals below stop compiling when a field
//! changes, and the tests decode every state the worker can send (serialized by serde, as
//! the worker does) and compare.

use crate::{
    ArrayView, BatteryView, DesignView, ErrorBody, ErrorDetail, InverterView, Location, Opportunity, OpportunityState,
    PartCount, PartView, ProductionView, SessionResponse,
};
use aurora_api::{KilowattHours, Watts};

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
    /// The items, if it is an array.
    fn items(&self) -> Option<Vec<Self>>;
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

    fn optional_count(&self, key: &'static str) -> Result<Option<u32>, DecodeError> {
        self.field(key).map(|_| self.count(key)).transpose()
    }

    fn boolean(&self, key: &'static str) -> Result<bool, DecodeError> {
        self.field(key).and_then(|v| v.as_flag()).ok_or(DecodeError(key))
    }

    fn object(&self, key: &'static str) -> Result<Object<V>, DecodeError> {
        Object::new(self.field(key).ok_or(DecodeError(key))?, key)
    }

    fn optional<T: Decode>(&self, key: &'static str) -> Result<Option<T>, DecodeError> {
        self.field(key).map(|v| T::decode(&Object::new(v, key)?)).transpose()
    }

    /// A list of objects; absent is empty.
    fn list<T: Decode>(&self, key: &'static str) -> Result<Vec<T>, DecodeError> {
        let Some(value) = self.field(key) else { return Ok(Vec::new()) };
        let items = value.items().ok_or(DecodeError(key))?;
        items.into_iter().map(|item| T::decode(&Object::new(item, key)?)).collect()
    }

    /// Monthly kWh from January, `null` for a month Aurora did not give; absent is none.
    fn months(&self, key: &'static str) -> Result<Vec<Option<KilowattHours>>, DecodeError> {
        let Some(value) = self.field(key) else { return Ok(Vec::new()) };
        let items = value.items().ok_or(DecodeError(key))?;
        items
            .into_iter()
            .map(|month| match month.is_absent() {
                true => Ok(None),
                false => month.as_number().map(|kwh| Some(KilowattHours(kwh))).ok_or(DecodeError(key)),
            })
            .collect()
    }
}

impl Decode for SessionResponse {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(SessionResponse {
            token: o.string("token")?,
            expires_in: o.count("expires_in")?.into(),
            opportunity: Opportunity::decode(&o.object("opportunity")?)?,
            state: OpportunityState::decode(&o.object("state")?)?,
        })
    }
}

impl Decode for Opportunity {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(Opportunity {
            id: o.string("id")?,
            name: o.string("name")?,
            location: Location::decode(&o.object("location")?)?,
        })
    }
}

impl Decode for Location {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        match o.optional_string("property_address")? {
            Some(property_address) => Ok(Location::Address { property_address }),
            None => Ok(Location::Coordinates { latitude: o.number("latitude")?, longitude: o.number("longitude")? }),
        }
    }
}

impl Decode for OpportunityState {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(match o.string("state")?.as_str() {
            "not_linked" => OpportunityState::NotLinked,
            "app_disabled" => OpportunityState::AppDisabled,
            "no_project" => OpportunityState::NoProject,
            "creating" => OpportunityState::Creating,
            "awaiting_design" => OpportunityState::AwaitingDesign {
                project_id: o.string("project_id")?,
                aurora_url: o.string("aurora_url")?,
            },
            "design_ready" => OpportunityState::DesignReady {
                project_id: o.string("project_id")?,
                aurora_url: o.string("aurora_url")?,
                design: Box::new(DesignView::decode(&o.object("design")?)?),
            },
            "simulation_failed" => OpportunityState::SimulationFailed {
                project_id: o.string("project_id")?,
                aurora_url: o.string("aurora_url")?,
                design_id: o.string("design_id")?,
            },
            "create_failed" => OpportunityState::CreateFailed {
                code: o.string("code")?,
                message: o.string("message")?,
                retryable: o.boolean("retryable")?,
            },
            _ => return Err(DecodeError("state")),
        })
    }
}

impl Decode for DesignView {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(DesignView {
            designed_at: o.string("designed_at")?,
            system_size_stc: o.optional_number("system_size_stc")?.map(Watts),
            system_size_ac: o.optional_number("system_size_ac")?.map(Watts),
            system_size_ptc: o.optional_number("system_size_ptc")?.map(Watts),
            production: o.optional("production")?,
            arrays: o.list("arrays")?,
            string_inverters: o.list("string_inverters")?,
            storage_inverters: o.list("storage_inverters")?,
            batteries: o.list("batteries")?,
            storage_mode: o.optional_string("storage_mode")?,
            bill_of_materials: o.list("bill_of_materials")?,
        })
    }
}

impl Decode for ProductionView {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(ProductionView {
            up_to_date: o.boolean("up_to_date")?,
            annual: o.optional_number("annual")?.map(KilowattHours),
            offset_percent: o.optional_number("offset_percent")?,
            monthly: o.months("monthly")?,
        })
    }
}

impl Decode for ArrayView {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(ArrayView {
            size: o.optional_number("size")?.map(Watts),
            azimuth: o.optional_number("azimuth")?,
            pitch: o.optional_number("pitch")?,
            module_name: o.optional_string("module_name")?,
            module_count: o.optional_count("module_count")?,
            module_rating: o.optional_number("module_rating")?.map(Watts),
            orientation: o.optional_string("orientation")?,
            configuration: o.optional_string("configuration")?,
            microinverters: o.optional("microinverters")?,
            dc_optimizers: o.optional("dc_optimizers")?,
            ground_mounted: o.boolean("ground_mounted")?,
            roof_face: o.optional_count("roof_face")?,
            solar_access_percent: o.optional_number("solar_access_percent")?,
            tsrf_percent: o.optional_number("tsrf_percent")?,
        })
    }
}

impl Decode for PartCount {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(PartCount { name: o.optional_string("name")?, count: o.optional_count("count")? })
    }
}

impl Decode for InverterView {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(InverterView { name: o.optional_string("name")?, rated_power: o.optional_number("rated_power")?.map(Watts) })
    }
}

impl Decode for BatteryView {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(BatteryView {
            name: o.optional_string("name")?,
            has_integrated_inverter: o.boolean("has_integrated_inverter")?,
        })
    }
}

impl Decode for PartView {
    fn decode<V: JsonValue>(o: &Object<V>) -> Result<Self, DecodeError> {
        Ok(PartView {
            kind: o.optional_string("kind")?,
            name: o.optional_string("name")?,
            manufacturer: o.optional_string("manufacturer")?,
            sku: o.optional_string("sku")?,
            quantity: o.optional_number("quantity")?,
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
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
}

#[cfg(all(test, feature = "serde_json"))]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../aurora/tests/fixtures/design-summary.seed.json");

    fn design() -> DesignView {
        let seed: aurora_api::DesignSummaryResponse = serde_json::from_str(SEED).expect("seed");
        let received = aurora_api::Timestamp::parse("2024-07-01T00:00:00Z").expect("time");
        DesignView::from_summary(&seed.design, &received)
    }

    #[test]
    fn every_state_the_worker_sends_reads_back_as_sent() {
        for state in crate::testing::every_state("https://v2.aurorasolar.com/projects/p", design()) {
            let json = serde_json::to_value(&state).expect("json");
            assert_eq!(decode::<OpportunityState, _>(json).as_ref(), Ok(&state));
        }
    }

    #[test]
    fn a_body_that_is_not_what_the_worker_sends_names_the_field() {
        let read = |json: serde_json::Value| decode::<OpportunityState, _>(json);
        assert_eq!(
            read(serde_json::json!({"state": "awaiting_design", "project_id": "p"})),
            Err(DecodeError("aurora_url"))
        );
        assert_eq!(read(serde_json::json!({"state": "exploded"})), Err(DecodeError("state")));
        assert_eq!(read(serde_json::json!([1])), Err(DecodeError("body")));
    }
}
