//! Aurora's variance: answers in the other shapes its public record allows (see
//! `aurora/CONTRACT.md`), so that tests meet what a real tenant may send rather than what
//! our own client would write. Off by default; `--variance`, or at runtime
//! `PUT /sandbox/variance {"enabled": true}`. When on:
//!
//! - the partner webhooks list comes as `{"webhooks": [...]}`;
//! - subscribing `app_status_changed` is refused (422), as it may be for a CRM app;
//! - design summaries carry no `created_at`, and are written loosely ([`loose_summary`]):
//!   `null` for an unknown PTC size and for empty lists and flags, counts as `"11"` and
//!   `2.0`, parts without ids, a partner's racking line of a kind we do not know, fields
//!   we have never seen;
//! - simulation job ids are not UUIDs (`job_...`), and an `in-progress` delivery precedes
//!   each simulation's end;
//! - `Retry-After` on a 429 is fractional seconds (`0.5`);
//! - every third project create is processed and then answered 409 ("in progress");
//! - List Projects ignores the `external_provider_id` filter.

use serde::{Deserialize, Serialize};

/// Whether the sandbox plays Aurora's variance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
#[command(next_help_heading = "Aurora's variance (also switchable at runtime: PUT /sandbox/variance)")]
pub struct Variance {
    /// Answer in the other shapes Aurora's public record allows (see `sandbox --help`'s
    /// source: sandbox/src/aurora/variance.rs).
    #[arg(long = "variance")]
    pub enabled: bool,
}

/// `summary` as Aurora may write it (see the module's docs): every figure the rep sees
/// is still there, in another shape, except the PTC size.
pub fn loose_summary(summary: &aurora_api::DesignSummary) -> serde_json::Value {
    use serde_json::{Value, json};
    let mut design = serde_json::to_value(summary).unwrap_or(Value::Null);
    let Some(fields) = design.as_object_mut() else { return design };
    fields.insert("system_size_ptc".into(), Value::Null);
    fields.insert("design_source".into(), json!({"kind": "api", "version": 3}));
    for list in ["storage_inverters", "batteries"] {
        if fields.get(list).and_then(Value::as_array).is_some_and(Vec::is_empty) {
            fields.insert(list.into(), Value::Null);
        }
    }
    let whole_as_text = |value: &mut Value| {
        if let Some(n) = value.as_f64() {
            *value = json!(format!("{n}"));
        }
    };
    if let Some(lines) = fields.get_mut("bill_of_materials").and_then(Value::as_array_mut) {
        for line in lines.iter_mut() {
            if let Some(line) = line.as_object_mut() {
                line.remove("id");
                line.get_mut("quantity").map(whole_as_text);
            }
        }
        lines.push(json!({"component_type": "racking", "name": "Sandbox rail kit", "quantity": 4.0, "sku": null}));
    }
    if let Some(arrays) = fields.get_mut("arrays").and_then(Value::as_array_mut) {
        for array in arrays.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(face) = array.get("face").and_then(Value::as_f64) {
                array.insert("face".into(), json!(face));
            }
            array.insert("ground_mounted".into(), Value::Null);
            if let Some(module) = array.get_mut("module").and_then(Value::as_object_mut) {
                module.get_mut("count").map(whole_as_text);
                module.insert("id".into(), Value::Null);
            }
            if let Some(micro) = array.get_mut("microinverter").and_then(Value::as_object_mut) {
                micro.get_mut("count").map(whole_as_text);
            }
        }
    }
    for list in ["string_inverters", "storage_inverters"] {
        if let Some(inverters) = fields.get_mut(list).and_then(Value::as_array_mut) {
            inverters.iter_mut().filter_map(Value::as_object_mut).for_each(|inverter| drop(inverter.remove("id")));
        }
    }
    if let Some(production) = fields.get_mut("energy_production").and_then(Value::as_object_mut) {
        production.insert("up_to_date".into(), Value::Null);
        production.insert("hourly".into(), Value::Null);
    }
    json!({ "design": design })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_loose_summary_reads_to_the_same_figures_but_ptc() {
        let seed: aurora_api::DesignSummaryResponse =
            serde_json::from_str(include_str!("../../../aurora/tests/fixtures/design-summary.seed.json"))
                .expect("seed");
        let loose = super::loose_summary(&seed.design);
        let text = loose.to_string();
        assert!(text.contains(r#""count":"11""#) && text.contains(r#""system_size_ptc":null"#), "{text}");
        let read = aurora_api::designs::reading::summary(&loose).expect("reads");
        assert_eq!(read.unread, Vec::<String>::new(), "every shape is one Aurora may use");
        let (got, want) = (&read.summary, &seed.design);
        assert_eq!((got.system_size_stc, got.system_size_ptc), (want.system_size_stc, None));
        assert_eq!(got.arrays[0].module.as_ref().and_then(|m| m.count), Some(11));
        assert_eq!(got.bill_of_materials.len(), want.bill_of_materials.len() + 1, "the racking line is read");
        assert_eq!(got.bill_of_materials[0].quantity, want.bill_of_materials[0].quantity);
        assert_eq!(
            got.energy_production.as_ref().map(|p| &p.monthly),
            want.energy_production.as_ref().map(|p| &p.monthly)
        );
    }
}
