//! Reads the worker's JSON, already parsed by the browser's `JSON.parse`, into
//! widget-api's types.
//!
//! Why not `serde-wasm-bindgen` (or `serde_json`): measured on this widget, deserializing
//! through serde cost 22 KB of the 80 KB brotli budget, mostly serde's error messages
//! pulling in float formatting and per-type visitor code. Reading fields off the parsed
//! object costs a few hundred bytes per type. The contract stays checked: the struct
//! literals below stop compiling when a field changes, and the browser tests decode
//! every state the worker can send (serialized by serde, as the worker does) and compare.

use aurora_api::{KilowattHours, Watts};
use wasm_bindgen::{JsCast, JsValue};
use widget_api::{
    ArrayView, BatteryView, DesignView, ErrorBody, ErrorDetail, InverterView, Location, Opportunity, OpportunityState,
    PartCount, PartView, ProductionView, SessionResponse,
};

/// A body that is not what the worker sends: names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the answer's `{0}` is missing or not what the widget expects")]
pub struct DecodeError(pub &'static str);

/// A type the widget reads from the worker's JSON.
pub trait Decode: Sized {
    /// Reads `object`.
    fn decode(object: &Object) -> Result<Self, DecodeError>;
}

/// Reads `value` (a parsed JSON body) as `T`.
pub fn decode<T: Decode>(value: JsValue) -> Result<T, DecodeError> {
    T::decode(&Object::new(value, "body")?)
}

/// A JSON object, read one field at a time.
pub struct Object(js_sys::Object);

impl Object {
    fn new(value: JsValue, name: &'static str) -> Result<Self, DecodeError> {
        if value.is_object() { Ok(Object(value.unchecked_into())) } else { Err(DecodeError(name)) }
    }

    /// The field, `None` when absent or null (serde's `Option` and `#[serde(default)]`).
    fn field(&self, key: &'static str) -> Option<JsValue> {
        let value = js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn string(&self, key: &'static str) -> Result<String, DecodeError> {
        self.optional_string(key)?.ok_or(DecodeError(key))
    }

    fn optional_string(&self, key: &'static str) -> Result<Option<String>, DecodeError> {
        self.field(key).map(|v| v.as_string().ok_or(DecodeError(key))).transpose()
    }

    fn number(&self, key: &'static str) -> Result<f64, DecodeError> {
        self.optional_number(key)?.ok_or(DecodeError(key))
    }

    fn optional_number(&self, key: &'static str) -> Result<Option<f64>, DecodeError> {
        self.field(key).map(|v| v.as_f64().ok_or(DecodeError(key))).transpose()
    }

    /// A whole number from 0 to `u32::MAX`.
    fn count(&self, key: &'static str) -> Result<u32, DecodeError> {
        let n = self.number(key)?;
        if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) { Ok(n as u32) } else { Err(DecodeError(key)) }
    }

    fn boolean(&self, key: &'static str) -> Result<bool, DecodeError> {
        self.field(key).and_then(|v| v.as_bool()).ok_or(DecodeError(key))
    }

    fn object(&self, key: &'static str) -> Result<Object, DecodeError> {
        Object::new(self.field(key).ok_or(DecodeError(key))?, key)
    }

    fn optional<T: Decode>(&self, key: &'static str) -> Result<Option<T>, DecodeError> {
        self.field(key).map(|v| T::decode(&Object::new(v, key)?)).transpose()
    }

    /// A list of objects; absent is empty.
    fn list<T: Decode>(&self, key: &'static str) -> Result<Vec<T>, DecodeError> {
        let Some(value) = self.field(key) else { return Ok(Vec::new()) };
        let array: js_sys::Array = value.dyn_into().map_err(|_| DecodeError(key))?;
        array.iter().map(|item| T::decode(&Object::new(item, key)?)).collect()
    }

    /// Monthly kWh from January, `null` for a month Aurora did not give; absent is none.
    fn months(&self, key: &'static str) -> Result<Vec<Option<KilowattHours>>, DecodeError> {
        let Some(value) = self.field(key) else { return Ok(Vec::new()) };
        let array: js_sys::Array = value.dyn_into().map_err(|_| DecodeError(key))?;
        array
            .iter()
            .map(|month| match month.is_null() {
                true => Ok(None),
                false => month.as_f64().map(|kwh| Some(KilowattHours(kwh))).ok_or(DecodeError(key)),
            })
            .collect()
    }

    fn optional_count(&self, key: &'static str) -> Result<Option<u32>, DecodeError> {
        self.field(key).map(|_| self.count(key)).transpose()
    }
}

impl Decode for SessionResponse {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        Ok(SessionResponse {
            token: o.string("token")?,
            expires_in: o.count("expires_in")?.into(),
            opportunity: Opportunity::decode(&o.object("opportunity")?)?,
            state: OpportunityState::decode(&o.object("state")?)?,
        })
    }
}

impl Decode for Opportunity {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        Ok(Opportunity {
            id: o.string("id")?,
            name: o.string("name")?,
            location: Location::decode(&o.object("location")?)?,
        })
    }
}

impl Decode for Location {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        match o.optional_string("property_address")? {
            Some(property_address) => Ok(Location::Address { property_address }),
            None => Ok(Location::Coordinates { latitude: o.number("latitude")?, longitude: o.number("longitude")? }),
        }
    }
}

impl Decode for OpportunityState {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
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
    fn decode(o: &Object) -> Result<Self, DecodeError> {
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
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        Ok(ProductionView {
            up_to_date: o.boolean("up_to_date")?,
            annual: o.optional_number("annual")?.map(KilowattHours),
            offset_percent: o.optional_number("offset_percent")?,
            monthly: o.months("monthly")?,
        })
    }
}

impl Decode for ArrayView {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
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
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        Ok(PartCount { name: o.optional_string("name")?, count: o.optional_count("count")? })
    }
}

impl Decode for InverterView {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        Ok(InverterView { name: o.optional_string("name")?, rated_power: o.optional_number("rated_power")?.map(Watts) })
    }
}

impl Decode for BatteryView {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        Ok(BatteryView {
            name: o.optional_string("name")?,
            has_integrated_inverter: o.boolean("has_integrated_inverter")?,
        })
    }
}

impl Decode for PartView {
    fn decode(o: &Object) -> Result<Self, DecodeError> {
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
    fn decode(o: &Object) -> Result<Self, DecodeError> {
        let error = o.object("error")?;
        Ok(ErrorBody { error: ErrorDetail { code: error.string("code")?, message: error.string("message")? } })
    }
}
