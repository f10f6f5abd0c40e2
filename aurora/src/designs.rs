//! Designs: `GET /tenants/{t}/projects/{p}/designs` and the design summary,
//! `GET /tenants/{t}/designs/{d}/summary` [doc, seed]. Sizes are watts, energy kWh;
//! `energy_production` is absent until a simulation has run; `sku` may be null; new
//! `component_type` values may appear; unknown fields are ignored [seed, int].

use crate::{DesignId, KilowattHours, ProjectId, Timestamp, Watts};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `{"designs": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignList {
    /// The project's designs.
    pub designs: Vec<DesignListItem>,
}

/// One design in a project's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignListItem {
    /// Aurora's id.
    pub id: DesignId,
    /// The design's name, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its project, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// When it was made, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

/// `{"design": {...}}`: the summary endpoint's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignSummaryResponse {
    /// The summary.
    pub design: DesignSummary,
}

/// Everything a rep sees of a finished design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignSummary {
    /// The design.
    pub design_id: DesignId,
    /// The design request it answers, if any.
    #[serde(default)]
    pub design_request_id: Option<DesignId>,
    /// The project's `external_provider_id` (our opportunity key), if set.
    #[serde(default)]
    pub external_provider_id: Option<String>,
    /// The project.
    pub project_id: ProjectId,
    /// When the design was made (ISO-8601 here). Aurora's own tutorial examples leave it
    /// out [doc], so it may be missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Parts list.
    #[serde(default)]
    pub bill_of_materials: Vec<BomItem>,
    /// AC size (inverter output), watts.
    pub system_size_ac: Watts,
    /// PTC-rated DC size, watts.
    pub system_size_ptc: Watts,
    /// STC-rated DC size, watts: "the system size".
    pub system_size_stc: Watts,
    /// Module arrays.
    #[serde(default)]
    pub arrays: Vec<Array>,
    /// String inverters.
    #[serde(default)]
    pub string_inverters: Vec<Inverter>,
    /// Storage (battery) inverters.
    #[serde(default)]
    pub storage_inverters: Vec<Inverter>,
    /// Batteries.
    #[serde(default)]
    pub batteries: Vec<Battery>,
    /// Production; absent until a performance simulation has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_production: Option<EnergyProduction>,
    /// e.g. `backup`, `self_consumption`; absent without storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_selected_operating_mode: Option<String>,
}

/// What kind of part a BOM line is. Aurora may add kinds: those keep their name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComponentType {
    /// Solar modules (panels).
    Modules,
    /// Inverters.
    Inverters,
    /// Microinverters.
    Microinverters,
    /// DC optimizers.
    DcOptimizers,
    /// Batteries.
    Batteries,
    /// Anything else, by Aurora's name.
    Other(String),
}

impl ComponentType {
    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ComponentType::Modules => "modules",
            ComponentType::Inverters => "inverters",
            ComponentType::Microinverters => "microinverters",
            ComponentType::DcOptimizers => "dc_optimizers",
            ComponentType::Batteries => "batteries",
            ComponentType::Other(name) => name,
        }
    }
}

impl Serialize for ComponentType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ComponentType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(match name.as_str() {
            "modules" => ComponentType::Modules,
            "inverters" => ComponentType::Inverters,
            "microinverters" => ComponentType::Microinverters,
            "dc_optimizers" => ComponentType::DcOptimizers,
            "batteries" => ComponentType::Batteries,
            _ => ComponentType::Other(name),
        })
    }
}

/// One line of the bill of materials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BomItem {
    /// Aurora's component id.
    pub id: String,
    /// What kind of part.
    pub component_type: ComponentType,
    /// Stock keeping unit; often null.
    #[serde(default)]
    pub sku: Option<String>,
    /// Part name.
    pub name: String,
    /// Maker.
    #[serde(default)]
    pub manufacturer_name: Option<String>,
    /// How many.
    pub quantity: f64,
}

/// A group of modules on one roof face (or ground mount).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Array {
    /// DC size, watts.
    pub size: Watts,
    /// Degrees clockwise from north (180 = south).
    pub azimuth: f64,
    /// e.g. `string inverter`, `microinverter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<String>,
    /// Optimizers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc_optimizer: Option<DcOptimizer>,
    /// Microinverters, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microinverter: Option<Microinverter>,
    /// The modules.
    pub module: Module,
    /// Roof face number.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::lenient::optional_count")]
    pub face: Option<u32>,
    /// Ground mount rather than roof.
    #[serde(default, deserialize_with = "crate::lenient::null_as_default")]
    pub ground_mounted: bool,
    /// Tilt in degrees.
    pub pitch: f64,
    /// Which string inverter it feeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_inverter: Option<StringInverterRef>,
    /// Shading results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shading: Option<Shading>,
}

/// DC optimizers on an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DcOptimizer {
    /// Component id.
    pub id: String,
    /// Name.
    pub name: String,
    /// How many (a whole number, written `11`, `11.0` or `"11"`).
    #[serde(deserialize_with = "crate::lenient::count")]
    pub count: u32,
}

/// Microinverters on an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Microinverter {
    /// Component id.
    pub id: String,
    /// Name.
    pub name: String,
    /// How many (a whole number, written `11`, `11.0` or `"11"`).
    #[serde(deserialize_with = "crate::lenient::count")]
    pub count: u32,
    /// Rated AC output, watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_power: Option<Watts>,
}

/// The modules of an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Module {
    /// Component id.
    pub id: String,
    /// STC rating of one module, watts.
    pub rating_stc: Watts,
    /// Name.
    pub name: String,
    /// How many (a whole number, written `11`, `11.0` or `"11"`).
    #[serde(deserialize_with = "crate::lenient::count")]
    pub count: u32,
    /// `portrait` or `landscape`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<String>,
}

/// `{"index": 1}`: which of the design's string inverters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StringInverterRef {
    /// 1-based index into `string_inverters`.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub index: u32,
}

/// Shading of an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shading {
    /// Solar access, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solar_access: Option<SolarAccess>,
    /// Total solar resource fraction, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_solar_resource_fraction: Option<AnnualPercent>,
}

/// Solar access, annual and by month, percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolarAccess {
    /// Annual, percent.
    pub annual: f64,
    /// January..December, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly: Option<[f64; 12]>,
}

/// An annual percentage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnualPercent {
    /// Percent.
    pub annual: f64,
}

/// An inverter (string or storage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inverter {
    /// Component id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Rated output, watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_power: Option<Watts>,
}

/// A battery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Battery {
    /// Component id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Has its own inverter.
    #[serde(default, deserialize_with = "crate::lenient::null_as_default")]
    pub has_integrated_inverter: bool,
}

/// Simulated production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyProduction {
    /// False when the design changed since the simulation.
    #[serde(default, deserialize_with = "crate::lenient::null_as_default")]
    pub up_to_date: bool,
    /// kWh per year.
    pub annual: KilowattHours,
    /// Share of the customer's consumption covered, as text like `"87%"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_offset: Option<String>,
    /// kWh, January..December.
    pub monthly: [KilowattHours; 12],
    /// 8760 hourly kWh values, or null (usually).
    #[serde(default)]
    pub hourly: Option<Vec<f64>>,
}

impl EnergyProduction {
    /// `annual_offset` as a number: `"87%"` -> 87.0.
    pub fn offset_percent(&self) -> Option<f64> {
        self.annual_offset.as_deref()?.trim().trim_end_matches('%').trim().parse().ok()
    }

    /// Hours in a (non-leap) year: the length of `hourly` when present.
    pub const HOURS_PER_YEAR: usize = 8760;
}

impl DesignSummary {
    /// kWh per year per kW DC (STC): the specific yield, a plausibility measure.
    pub fn specific_yield(&self) -> Option<f64> {
        let kw = self.system_size_stc.kilowatts();
        let annual = self.energy_production.as_ref()?.annual.0;
        (kw > 0.0).then(|| annual / kw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const SEED: &str = include_str!("../tests/fixtures/design-summary.seed.json");

    /// JSON equality where `150` and `150.0` are the same number, as they are to Aurora.
    fn same_json(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
            }
            _ => a == b,
        }
    }

    #[test]
    fn the_seed_round_trips_losslessly() {
        let parsed: DesignSummaryResponse = serde_json::from_str(SEED).expect("seed parses");
        let original: Value = serde_json::from_str(SEED).expect("json");
        let again = serde_json::to_value(&parsed).expect("serializes");
        assert!(same_json(&original, &again), "re-serialized:\n{again:#}");
        let design = parsed.design;
        assert_eq!(design.system_size_stc, Watts(6500.0));
        assert_eq!(design.system_size_stc.kilowatts(), 6.5);
        assert_eq!(design.bill_of_materials[0].sku, None);
        assert_eq!(design.bill_of_materials[0].component_type, ComponentType::Modules);
        let production = design.energy_production.as_ref().expect("production");
        assert_eq!(production.offset_percent(), Some(87.0));
        assert_eq!(production.monthly[3], KilowattHours(200.0));
        assert_eq!(design.created_at.map(|t| t.utc().timestamp_millis()), Some(1_719_004_364_591));
    }

    #[test]
    fn the_same_number_test_can_fail() {
        assert!(!same_json(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 2})));
        assert!(!same_json(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 1, "b": null})));
        assert!(same_json(&serde_json::json!([150]), &serde_json::json!([150.0])));
    }

    fn seed_value() -> Value {
        serde_json::from_str(SEED).expect("json")
    }

    #[test]
    fn absent_production_null_sku_unknown_kinds_and_fields() {
        let mut value = seed_value();
        let design = value["design"].as_object_mut().expect("object");
        design.remove("energy_production");
        design.insert("brand_new_field".into(), serde_json::json!({"x": [1, 2]}));
        design["bill_of_materials"][0]["component_type"] = "racking".into();
        design["bill_of_materials"][0]["sku"] = "RK-100".into();
        let parsed: DesignSummaryResponse = serde_json::from_value(value).expect("parses");
        assert!(parsed.design.energy_production.is_none());
        assert_eq!(parsed.design.specific_yield(), None);
        assert_eq!(parsed.design.bill_of_materials[0].component_type, ComponentType::Other("racking".into()));
        let again = serde_json::to_value(&parsed).expect("json");
        assert_eq!(again["design"]["bill_of_materials"][0]["component_type"], "racking");
        assert!(again["design"].get("energy_production").is_none(), "absent stays absent");
    }

    #[test]
    fn a_summary_without_a_date_with_nulls_and_odd_counts_is_still_read() {
        let mut value = seed_value();
        let design = value["design"].as_object_mut().expect("object");
        design.remove("created_at");
        design["arrays"][0]["ground_mounted"] = serde_json::Value::Null;
        design["arrays"][0]["module"]["count"] = serde_json::json!(11.0);
        design["arrays"][0]["face"] = serde_json::json!("2");
        design["energy_production"]["up_to_date"] = serde_json::Value::Null;
        let parsed: DesignSummaryResponse = serde_json::from_value(value).expect("parses");
        let design = parsed.design;
        assert_eq!(design.created_at, None);
        assert!(!design.arrays[0].ground_mounted);
        assert_eq!((design.arrays[0].module.count, design.arrays[0].face), (11, Some(2)));
        assert!(!design.energy_production.expect("production").up_to_date);
    }

    #[test]
    fn hourly_may_hold_a_year_of_numbers() {
        let mut value = seed_value();
        value["design"]["energy_production"]["hourly"] =
            serde_json::json!(vec![0.25; EnergyProduction::HOURS_PER_YEAR]);
        let parsed: DesignSummaryResponse = serde_json::from_value(value).expect("parses");
        let hourly = parsed.design.energy_production.and_then(|p| p.hourly).expect("hourly");
        assert_eq!(hourly.len(), 8760);
    }

    #[test]
    fn a_month_missing_is_an_error_not_a_silent_zero() {
        let mut value = seed_value();
        value["design"]["energy_production"]["monthly"] = serde_json::json!([1, 2, 3]);
        assert!(serde_json::from_value::<DesignSummaryResponse>(value).is_err());
    }
}
