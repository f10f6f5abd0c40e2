//! Designs: `GET /tenants/{t}/projects/{p}/designs` and the design summary,
//! `GET /tenants/{t}/designs/{d}/summary` [doc, seed]. Sizes are watts, energy kWh;
//! `energy_production` is absent until a simulation has run; `sku` may be null; new
//! `component_type` values may appear; unknown fields are ignored [seed, int].

pub mod reading;

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

/// Everything a rep sees of a finished design, as far as Aurora's answer could be read.
///
/// Read from Aurora with [`reading::summary`], which never loses the whole answer to one
/// field: anything but the design's and project's ids may be missing (`None`, or left out
/// of a list) and the reader says which field paths it could not read. Serde reads and
/// writes this model as the worker stores it; the sandbox writes it as Aurora answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignSummary {
    /// The design.
    pub design_id: DesignId,
    /// The design request it answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_request_id: Option<DesignId>,
    /// The project's `external_provider_id` (our opportunity key), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_provider_id: Option<String>,
    /// The project.
    pub project_id: ProjectId,
    /// When the design was made. Aurora's own tutorial examples leave it out [doc].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Parts list.
    #[serde(default)]
    pub bill_of_materials: Vec<BomItem>,
    /// AC size (inverter output), watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_size_ac: Option<Watts>,
    /// PTC-rated DC size, watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_size_ptc: Option<Watts>,
    /// STC-rated DC size, watts: "the system size".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_size_stc: Option<Watts>,
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
    /// e.g. `backup`, `self_consumption` (new modes keep their name); absent without storage.
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
    /// The kind named `name` on the wire.
    pub fn named(name: &str) -> Self {
        match name {
            "modules" => ComponentType::Modules,
            "inverters" => ComponentType::Inverters,
            "microinverters" => ComponentType::Microinverters,
            "dc_optimizers" => ComponentType::DcOptimizers,
            "batteries" => ComponentType::Batteries,
            _ => ComponentType::Other(name.to_owned()),
        }
    }

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
        Ok(ComponentType::named(&String::deserialize(deserializer)?))
    }
}

/// One line of the bill of materials. Partner apps post lines of their own (racking), so
/// any field may be missing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BomItem {
    /// Aurora's component id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What kind of part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_type: Option<ComponentType>,
    /// Stock keeping unit; often null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Part name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer_name: Option<String>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
}

/// A group of modules on one roof face (or ground mount).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Array {
    /// DC size, watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Watts>,
    /// Degrees clockwise from north (180 = south).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azimuth: Option<f64>,
    /// e.g. `string inverter`, `microinverter` (new values keep their name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<String>,
    /// Optimizers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc_optimizer: Option<Component>,
    /// Microinverters, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microinverter: Option<Component>,
    /// The modules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<Module>,
    /// Roof face number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<u32>,
    /// Ground mount rather than roof.
    #[serde(default)]
    pub ground_mounted: bool,
    /// Tilt in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitch: Option<f64>,
    /// Which string inverter it feeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_inverter: Option<StringInverterRef>,
    /// Shading results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shading: Option<Shading>,
}

/// So many of one part on an array: its DC optimizers or microinverters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Component {
    /// Component id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Rated AC output, watts (microinverters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_power: Option<Watts>,
}

/// The modules of an array.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Module {
    /// Component id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// STC rating of one module, watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_stc: Option<Watts>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// `portrait` or `landscape` (new values keep their name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<String>,
}

/// `{"index": 1}`: which of the design's string inverters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StringInverterRef {
    /// 1-based index into `string_inverters`.
    pub index: u32,
}

/// Shading of an array.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Shading {
    /// Solar access, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solar_access: Option<SolarAccess>,
    /// Total solar resource fraction, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_solar_resource_fraction: Option<AnnualPercent>,
}

/// Solar access, annual and by month, percent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SolarAccess {
    /// Annual, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual: Option<f64>,
    /// January.., percent, as many months as Aurora gave.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monthly: Vec<Option<f64>>,
}

/// An annual percentage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnualPercent {
    /// Percent.
    pub annual: f64,
}

/// An inverter (string or storage).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Inverter {
    /// Component id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Rated output, watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_power: Option<Watts>,
}

/// A battery.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Battery {
    /// Component id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Has its own inverter.
    #[serde(default)]
    pub has_integrated_inverter: bool,
}

/// Simulated production. Aurora's `hourly` (null, or 8,760 values) is not kept: nothing
/// the rep sees uses it, and it would be most of every stored summary.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EnergyProduction {
    /// False when the design changed since the simulation.
    #[serde(default)]
    pub up_to_date: bool,
    /// kWh per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual: Option<KilowattHours>,
    /// Share of the customer's consumption covered, as text like `"87%"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_offset: Option<String>,
    /// kWh from January, as many months as Aurora gave (twelve, unless it says otherwise).
    #[serde(default)]
    pub monthly: Vec<Option<KilowattHours>>,
}

impl EnergyProduction {
    /// `annual_offset` as a number: `"87%"` -> 87.0.
    pub fn offset_percent(&self) -> Option<f64> {
        self.annual_offset.as_deref()?.trim().trim_end_matches('%').trim().parse().ok()
    }

    /// Months in a year: the length of `monthly` Aurora documents.
    pub const MONTHS: usize = 12;
}

impl DesignSummary {
    /// kWh per year per kW DC (STC): the specific yield, a plausibility measure.
    pub fn specific_yield(&self) -> Option<f64> {
        let kw = self.system_size_stc?.kilowatts();
        let annual = self.energy_production.as_ref()?.annual?.0;
        (kw > 0.0).then(|| annual / kw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const SEED: &str = include_str!("../tests/fixtures/design-summary.seed.json");

    /// JSON equality as the worker stores a summary: `150` and `150.0` are the same number
    /// (as they are to Aurora), `null` is the same as absent, and `hourly` is not kept.
    fn same_json(a: &Value, b: &Value) -> bool {
        let kept = |fields: &serde_json::Map<String, Value>| -> Vec<(String, Value)> {
            fields.iter().filter(|(k, v)| !v.is_null() && *k != "hourly").map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
            (Value::Object(x), Value::Object(y)) => {
                let (x, y) = (kept(x), kept(y));
                x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(l, w)| k == l && same_json(v, w)))
            }
            _ => a == b,
        }
    }

    #[test]
    fn the_seed_is_stored_without_loss_but_hourly() {
        let parsed: DesignSummaryResponse = serde_json::from_str(SEED).expect("seed parses");
        let original: Value = serde_json::from_str(SEED).expect("json");
        let again = serde_json::to_value(&parsed).expect("serializes");
        assert!(same_json(&original, &again), "re-serialized:\n{again:#}");
        let design = parsed.design;
        assert_eq!(design.system_size_stc, Some(Watts(6500.0)));
        assert_eq!(design.specific_yield().map(|y| y.round()), Some(392.0));
        let production = design.energy_production.as_ref().expect("production");
        assert_eq!(production.monthly[3], Some(KilowattHours(200.0)));
        assert_eq!(design.created_at.map(|t| t.utc().timestamp_millis()), Some(1_719_004_364_591));
    }

    #[test]
    fn the_same_json_test_can_fail() {
        assert!(!same_json(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 2})));
        assert!(!same_json(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 1, "b": 0})));
        assert!(same_json(&serde_json::json!({"a": 1, "b": null}), &serde_json::json!({"a": 1})));
        assert!(same_json(&serde_json::json!([150]), &serde_json::json!([150.0])));
    }
}
