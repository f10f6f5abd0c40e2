//! The design as the widget shows it: Aurora's design summary, reduced by the worker to
//! what a rep reads.
//!
//! Why not send Aurora's summary as is: it carries ids the rep never sees, per-month shading
//! and up to 8,760 hourly values (kilobytes on every poll), and its timestamps and UUIDs
//! need parsers the widget would have to ship. The worker builds a [`DesignView`] with
//! [`DesignView::from_summary`]; units stay Aurora's (`Watts`, `KilowattHours`) and the
//! widget formats them for the rep's locale.

use aurora_api::{
    DesignSummary, KilowattHours, Watts,
    designs::{Array, Battery, BomItem, Component, Inverter},
};
use serde::{Deserialize, Serialize};

/// A finished design, for the rep.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DesignView {
    /// When the design was made: RFC 3339 in UTC, e.g. `2024-06-21T21:12:44.591Z` (the
    /// worker gives the time it received the design when Aurora's summary has no date).
    pub designed_at: String,
    /// DC size at standard test conditions: "the system size".
    #[serde(default)]
    pub system_size_stc: Option<Watts>,
    /// AC size: the inverters' output.
    #[serde(default)]
    pub system_size_ac: Option<Watts>,
    /// DC size at PTC (realistic) conditions.
    #[serde(default)]
    pub system_size_ptc: Option<Watts>,
    /// Simulated production; absent until Aurora has simulated the design.
    #[serde(default)]
    pub production: Option<ProductionView>,
    /// Module arrays, in Aurora's order.
    #[serde(default)]
    pub arrays: Vec<ArrayView>,
    /// String inverters.
    #[serde(default)]
    pub string_inverters: Vec<InverterView>,
    /// Storage (battery) inverters.
    #[serde(default)]
    pub storage_inverters: Vec<InverterView>,
    /// Batteries.
    #[serde(default)]
    pub batteries: Vec<BatteryView>,
    /// How the storage runs, Aurora's word: `backup`, `self_consumption`, ...
    #[serde(default)]
    pub storage_mode: Option<String>,
    /// The parts list.
    #[serde(default)]
    pub bill_of_materials: Vec<PartView>,
    /// What the design costs, as Aurora prices it; absent where the tenant's plan provides
    /// no pricing.
    #[serde(default)]
    pub price: Option<aurora_api::DesignPricing>,
    /// The sale after the design: agreement, financings, proposal, milestones, and what
    /// changed since the design was sold.
    #[serde(default)]
    pub sale: crate::SaleView,
}

/// Simulated production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductionView {
    /// False when the design changed after the simulation.
    pub up_to_date: bool,
    /// kWh per year.
    #[serde(default)]
    pub annual: Option<KilowattHours>,
    /// Share of the customer's use covered, percent (Aurora's `"87%"` as 87).
    #[serde(default)]
    pub offset_percent: Option<f64>,
    /// kWh from January, as many months as Aurora gave (twelve, unless its answer was
    /// short); a month Aurora left empty is `None`.
    #[serde(default)]
    pub monthly: Vec<Option<KilowattHours>>,
}

/// One array of modules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrayView {
    /// DC size.
    #[serde(default)]
    pub size: Option<Watts>,
    /// Degrees clockwise from north (180 faces south).
    #[serde(default)]
    pub azimuth: Option<f64>,
    /// Tilt, degrees.
    #[serde(default)]
    pub pitch: Option<f64>,
    /// The module's name.
    #[serde(default)]
    pub module_name: Option<String>,
    /// How many modules.
    #[serde(default)]
    pub module_count: Option<u32>,
    /// One module's STC rating.
    #[serde(default)]
    pub module_rating: Option<Watts>,
    /// `portrait` or `landscape`.
    #[serde(default)]
    pub orientation: Option<String>,
    /// e.g. `string inverter`, `microinverter`.
    #[serde(default)]
    pub configuration: Option<String>,
    /// Microinverters on the array.
    #[serde(default)]
    pub microinverters: Option<PartCount>,
    /// DC optimizers on the array.
    #[serde(default)]
    pub dc_optimizers: Option<PartCount>,
    /// On the ground rather than a roof.
    pub ground_mounted: bool,
    /// The roof face's number, for roof arrays.
    #[serde(default)]
    pub roof_face: Option<u32>,
    /// Annual solar access, percent.
    #[serde(default)]
    pub solar_access_percent: Option<f64>,
    /// Total solar resource fraction, percent.
    #[serde(default)]
    pub tsrf_percent: Option<f64>,
}

/// So many of one part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartCount {
    /// The part's name.
    #[serde(default)]
    pub name: Option<String>,
    /// How many.
    #[serde(default)]
    pub count: Option<u32>,
}

/// An inverter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InverterView {
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Rated output, when Aurora gives it.
    #[serde(default)]
    pub rated_power: Option<Watts>,
}

/// A battery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatteryView {
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// It has its own inverter.
    pub has_integrated_inverter: bool,
}

/// One line of the bill of materials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartView {
    /// Aurora's kind: `modules`, `inverters`, ... (new kinds keep their name).
    #[serde(default)]
    pub kind: Option<String>,
    /// The part's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its maker, when given.
    #[serde(default)]
    pub manufacturer: Option<String>,
    /// Its SKU, when given (often not).
    #[serde(default)]
    pub sku: Option<String>,
    /// How many.
    #[serde(default)]
    pub quantity: Option<f64>,
}

impl DesignView {
    /// What the rep sees of `summary`; `received` dates it when Aurora did not.
    pub fn from_summary(summary: &DesignSummary, received: &aurora_api::Timestamp) -> Self {
        DesignView {
            designed_at: summary.created_at.as_ref().unwrap_or(received).rfc3339(),
            system_size_stc: summary.system_size_stc,
            system_size_ac: summary.system_size_ac,
            system_size_ptc: summary.system_size_ptc,
            production: summary.energy_production.as_ref().map(|p| ProductionView {
                up_to_date: p.up_to_date,
                annual: p.annual,
                offset_percent: p.offset_percent(),
                monthly: p.monthly.clone(),
            }),
            arrays: summary.arrays.iter().map(ArrayView::from_array).collect(),
            string_inverters: summary.string_inverters.iter().map(InverterView::from_inverter).collect(),
            storage_inverters: summary.storage_inverters.iter().map(InverterView::from_inverter).collect(),
            batteries: summary.batteries.iter().map(BatteryView::from_battery).collect(),
            storage_mode: summary.storage_selected_operating_mode.clone(),
            bill_of_materials: summary.bill_of_materials.iter().map(PartView::from_bom_item).collect(),
            price: None,
            sale: crate::SaleView::default(),
        }
    }
}

impl ArrayView {
    fn from_array(array: &Array) -> Self {
        let shading = array.shading.as_ref();
        let module = array.module.as_ref();
        let parts = |c: &Component| PartCount { name: c.name.clone(), count: c.count };
        ArrayView {
            size: array.size,
            azimuth: array.azimuth,
            pitch: array.pitch,
            module_name: module.and_then(|m| m.name.clone()),
            module_count: module.and_then(|m| m.count),
            module_rating: module.and_then(|m| m.rating_stc),
            orientation: module.and_then(|m| m.orientation.clone()),
            configuration: array.configuration.clone(),
            microinverters: array.microinverter.as_ref().map(parts),
            dc_optimizers: array.dc_optimizer.as_ref().map(parts),
            ground_mounted: array.ground_mounted,
            roof_face: if array.ground_mounted { None } else { array.face },
            solar_access_percent: shading.and_then(|s| s.solar_access.as_ref()).and_then(|a| a.annual),
            tsrf_percent: shading.and_then(|s| s.total_solar_resource_fraction.as_ref()).map(|t| t.annual),
        }
    }
}

impl InverterView {
    fn from_inverter(inverter: &Inverter) -> Self {
        InverterView { name: inverter.name.clone(), rated_power: inverter.rated_power }
    }
}

impl BatteryView {
    fn from_battery(battery: &Battery) -> Self {
        BatteryView { name: battery.name.clone(), has_integrated_inverter: battery.has_integrated_inverter }
    }
}

impl PartView {
    fn from_bom_item(item: &BomItem) -> Self {
        PartView {
            kind: item.component_type.as_ref().map(|kind| kind.as_str().to_owned()),
            name: item.name.clone(),
            manufacturer: item.manufacturer_name.clone(),
            sku: item.sku.clone(),
            quantity: item.quantity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../aurora/tests/fixtures/design-summary.seed.json");

    /// When a test's design reached the worker.
    fn received() -> aurora_api::Timestamp {
        aurora_api::Timestamp::parse("2024-07-01T00:00:00Z").expect("timestamp")
    }

    #[test]
    fn a_design_aurora_did_not_date_is_dated_when_received() {
        let mut summary = seed();
        summary.created_at = None;
        assert_eq!(DesignView::from_summary(&summary, &received()).designed_at, "2024-07-01T00:00:00.000Z");
        assert_eq!(DesignView::from_summary(&seed(), &received()).designed_at, "2024-06-21T21:12:44.591Z");
    }

    fn seed() -> DesignSummary {
        serde_json::from_str::<aurora_api::DesignSummaryResponse>(SEED).expect("seed parses").design
    }

    #[test]
    fn the_seed_reduces_to_what_a_rep_reads() {
        let view = DesignView::from_summary(&seed(), &received());
        assert_eq!(view.designed_at, "2024-06-21T21:12:44.591Z");
        assert_eq!(view.system_size_stc, Some(Watts(6500.0)));
        let production = view.production.as_ref().expect("simulated");
        assert_eq!(production.offset_percent, Some(87.0));
        assert_eq!(production.monthly[6], Some(KilowattHours(300.0)));
        let array = &view.arrays[0];
        assert_eq!((array.module_count, array.module_name.as_deref()), (Some(11), Some("Aurora Sample Solar Panel")));
        assert_eq!(array.roof_face, None, "a ground mount has no roof face");
        assert_eq!(array.solar_access_percent, Some(87.3));
        assert_eq!(view.bill_of_materials[0].kind.as_deref(), Some("modules"));
        assert_eq!(view.bill_of_materials[0].sku, None);
        assert_eq!(view.storage_mode.as_deref(), Some("backup"));
        let again: DesignView = serde_json::from_value(serde_json::to_value(&view).expect("json")).expect("parses");
        assert_eq!(again, view);
    }

    #[test]
    fn no_hourly_values_and_no_ids_reach_the_widget() {
        let mut value: serde_json::Value = serde_json::from_str(SEED).expect("json");
        value["design"]["energy_production"]["hourly"] = serde_json::json!(vec![0.5; 8760]);
        let summary: aurora_api::DesignSummaryResponse = serde_json::from_value(value).expect("parses");
        let json = serde_json::to_string(&DesignView::from_summary(&summary.design, &received())).expect("json");
        assert!(json.len() < 3_000, "{} bytes", json.len());
        assert!(!json.contains("3fa85f64"), "{json}");
    }

    #[test]
    fn a_design_without_production_or_storage_stays_sensible() {
        let mut summary = seed();
        summary.energy_production = None;
        summary.batteries.clear();
        summary.storage_inverters.clear();
        summary.storage_selected_operating_mode = None;
        let view = DesignView::from_summary(&summary, &received());
        assert_eq!(view.production, None);
        assert!(view.batteries.is_empty() && view.storage_mode.is_none());
    }

    #[test]
    fn what_aurora_left_out_stays_out_and_the_rest_is_shown() {
        let mut answer: serde_json::Value = serde_json::from_str(SEED).expect("json");
        answer["design"]["system_size_ptc"] = serde_json::Value::Null;
        answer["design"]["arrays"][0]["module"] = serde_json::Value::Null;
        answer["design"]["energy_production"]["monthly"] = serde_json::json!([100, null, 300]);
        let read = aurora_api::designs::reading::summary(&answer).expect("reads");
        let view = DesignView::from_summary(&read.summary, &received());
        assert_eq!((view.system_size_ptc, view.system_size_stc), (None, Some(Watts(6500.0))));
        let array = &view.arrays[0];
        assert_eq!((array.module_name.as_deref(), array.module_count, array.size), (None, None, Some(Watts(6500.0))));
        let production = view.production.expect("simulated");
        assert_eq!(production.monthly, [Some(KilowattHours(100.0)), None, Some(KilowattHours(300.0))]);
        assert_eq!(production.annual, Some(KilowattHours(2550.3)));
    }
}
