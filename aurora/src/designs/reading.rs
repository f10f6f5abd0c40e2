//! Reads Aurora's design summary answer leniently into [`DesignSummary`].
//!
//! Aurora's public record allows more than the seed shows (`aurora/FIDELITY.md` section
//! 4): `null` in any number, boolean, object or list; lines and components without ids;
//! counts written `11.0` or `"11"`; monthly lists of another length; kinds and modes we
//! have not seen. Serde's derive would lose the whole design to any one of them, and the
//! webhook would be retried until it died. Here only the two ids that tie the design to an
//! opportunity are required; every other field that cannot be read is left out, and its
//! path is recorded (`design.arrays[0].module.count: a string that is not a count`) so the
//! worker can log what changed without logging a customer's values.

use super::{
    AnnualPercent, Array, Battery, BomItem, Component, ComponentType, DesignSummary, EnergyProduction, Inverter,
    Module, Shading, SolarAccess, StringInverterRef,
};
use crate::{DesignId, KilowattHours, ProjectId, Timestamp, Watts};
use serde_json::{Map, Value};

/// A summary as far as it could be read, and where it could not.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadSummary {
    /// What could be read.
    pub summary: DesignSummary,
    /// Field paths that could not be read, each with the JSON type found (never a value).
    pub unread: Vec<String>,
}

/// Why no summary could be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// Neither `{"design": {...}}` nor a bare summary object.
    #[error("the answer holds no design object")]
    NoDesign,
    /// Without its design and project ids, a design cannot be tied to an opportunity.
    #[error("`{0}` is missing or not a UUID")]
    MissingId(&'static str),
}

/// Reads the summary endpoint's answer (`{"design": {...}}`, or the object alone).
pub fn summary(answer: &Value) -> Result<ReadSummary, SummaryError> {
    let (design, path) = match answer.get("design") {
        Some(Value::Object(design)) => (design, "design"),
        _ => match answer {
            Value::Object(design) if design.contains_key("design_id") => (design, "design"),
            _ => return Err(SummaryError::NoDesign),
        },
    };
    let mut reader = Reader::default();
    let design = Fields { map: design, path: path.to_owned() };
    let id = |key: &'static str| {
        design.present(key).and_then(Value::as_str).and_then(|v| uuid::Uuid::try_parse(v.trim()).ok())
    };
    let design_id = DesignId(id("design_id").ok_or(SummaryError::MissingId("design_id"))?);
    let project_id = ProjectId(id("project_id").ok_or(SummaryError::MissingId("project_id"))?);
    let summary = DesignSummary {
        design_id,
        design_request_id: reader.design_request(&design),
        external_provider_id: reader.text(&design, "external_provider_id"),
        project_id,
        created_at: reader.timestamp(&design, "created_at"),
        bill_of_materials: reader.list(&design, "bill_of_materials").iter().map(|l| reader.bom_item(l)).collect(),
        system_size_ac: reader.number(&design, "system_size_ac").map(Watts),
        system_size_ptc: reader.number(&design, "system_size_ptc").map(Watts),
        system_size_stc: reader.number(&design, "system_size_stc").map(Watts),
        arrays: reader.list(&design, "arrays").iter().map(|a| reader.array(a)).collect(),
        string_inverters: reader.list(&design, "string_inverters").iter().map(|i| reader.inverter(i)).collect(),
        storage_inverters: reader.list(&design, "storage_inverters").iter().map(|i| reader.inverter(i)).collect(),
        batteries: reader.list(&design, "batteries").iter().map(|b| reader.battery(b)).collect(),
        energy_production: reader.object(&design, "energy_production").map(|p| reader.production(&p)),
        storage_selected_operating_mode: reader.text(&design, "storage_selected_operating_mode"),
    };
    Ok(ReadSummary { summary, unread: reader.unread })
}

/// A finite number, also from a numeric string (`"6500"`, `" 11 "`).
fn number_in(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// One JSON object and where it sits in the answer.
struct Fields<'v> {
    map: &'v Map<String, Value>,
    path: String,
}

impl<'v> Fields<'v> {
    /// The field, `None` when absent or `null` (neither is worth a note: both say "none").
    fn present(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }
}

/// Reads fields, noting the ones it cannot.
#[derive(Default)]
struct Reader {
    unread: Vec<String>,
}

impl Reader {
    /// Notes `path.key` as unread: what was found (its JSON type only) and what was expected.
    fn note(&mut self, fields: &Fields, key: &str, found: &Value, expected: &str) {
        let found = match found {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        self.unread.push(format!("{}.{key}: {found}, not {expected}", fields.path));
    }

    /// A number, also from a numeric string (`"6500"`).
    fn number(&mut self, fields: &Fields, key: &str) -> Option<f64> {
        let value = fields.present(key)?;
        let number = number_in(value);
        if number.is_none() {
            self.note(fields, key, value, "a number");
        }
        number
    }

    /// A whole number from 0, written `11`, `11.0` or `"11"`.
    fn count(&mut self, fields: &Fields, key: &str) -> Option<u32> {
        let value = fields.present(key)?;
        let count =
            number_in(value).filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n)).map(|n| n as u32);
        if count.is_none() {
            self.note(fields, key, value, "a count");
        }
        count
    }

    /// Text; a number is taken as its digits, an empty string as none (Aurora leaves
    /// placeholders empty).
    fn text(&mut self, fields: &Fields, key: &str) -> Option<String> {
        let value = fields.present(key)?;
        let text = match value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.note(fields, key, value, "text");
                return None;
            }
        };
        (!text.is_empty()).then_some(text)
    }

    /// A boolean; absent or `null` is false.
    fn flag(&mut self, fields: &Fields, key: &str) -> bool {
        match fields.present(key) {
            None => false,
            Some(Value::Bool(flag)) => *flag,
            Some(value) => {
                self.note(fields, key, value, "a boolean");
                false
            }
        }
    }

    fn timestamp(&mut self, fields: &Fields, key: &str) -> Option<Timestamp> {
        let value = fields.present(key)?;
        let parsed = value.as_str().and_then(|text| Timestamp::parse(text).ok());
        if parsed.is_none() {
            self.note(fields, key, value, "a timestamp");
        }
        parsed
    }

    fn design_request(&mut self, fields: &Fields) -> Option<DesignId> {
        let key = "design_request_id";
        let text = self.text(fields, key)?;
        let id = DesignId::parse(&text).ok();
        if id.is_none() {
            self.note(fields, key, &Value::String(text), "a UUID");
        }
        id
    }

    fn object<'v>(&mut self, fields: &Fields<'v>, key: &str) -> Option<Fields<'v>> {
        match fields.present(key)? {
            Value::Object(map) => Some(Fields { map, path: format!("{}.{key}", fields.path) }),
            value => {
                self.note(fields, key, value, "an object");
                None
            }
        }
    }

    /// The objects of a list; `null` reads as empty, anything else in it is noted and left out.
    fn list<'v>(&mut self, fields: &Fields<'v>, key: &str) -> Vec<Fields<'v>> {
        let items = match fields.present(key) {
            None => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(value) => {
                self.note(fields, key, value, "a list");
                return Vec::new();
            }
        };
        let mut objects = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match item {
                Value::Object(map) => objects.push(Fields { map, path: format!("{}.{key}[{index}]", fields.path) }),
                other => self.note(fields, &format!("{key}[{index}]"), other, "an object"),
            }
        }
        objects
    }

    /// Monthly values from January: as many as given (at most twelve), a month that cannot
    /// be read kept as `None` so the others stay in their months.
    fn months(&mut self, fields: &Fields, key: &str) -> Vec<Option<f64>> {
        let items = match fields.present(key) {
            None => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(value) => {
                self.note(fields, key, value, "a list of months");
                return Vec::new();
            }
        };
        if items.len() != EnergyProduction::MONTHS {
            self.unread.push(format!("{}.{key}: {} months, not twelve", fields.path, items.len()));
        }
        items
            .iter()
            .take(EnergyProduction::MONTHS)
            .enumerate()
            .map(|(index, item)| {
                let number = number_in(item);
                if number.is_none() {
                    self.note(fields, &format!("{key}[{index}]"), item, "a number");
                }
                number
            })
            .collect()
    }

    fn bom_item(&mut self, line: &Fields) -> BomItem {
        BomItem {
            id: self.text(line, "id"),
            component_type: self.text(line, "component_type").map(|kind| ComponentType::named(&kind)),
            sku: self.text(line, "sku"),
            name: self.text(line, "name"),
            manufacturer_name: self.text(line, "manufacturer_name"),
            quantity: self.number(line, "quantity"),
        }
    }

    fn array(&mut self, array: &Fields) -> Array {
        Array {
            size: self.number(array, "size").map(Watts),
            azimuth: self.number(array, "azimuth"),
            configuration: self.text(array, "configuration"),
            dc_optimizer: self.object(array, "dc_optimizer").map(|c| self.component(&c)),
            microinverter: self.object(array, "microinverter").map(|c| self.component(&c)),
            module: self.object(array, "module").map(|m| self.module(&m)),
            face: self.count(array, "face"),
            ground_mounted: self.flag(array, "ground_mounted"),
            pitch: self.number(array, "pitch"),
            string_inverter: self
                .object(array, "string_inverter")
                .and_then(|r| self.count(&r, "index"))
                .map(|index| StringInverterRef { index }),
            shading: self.object(array, "shading").map(|s| self.shading(&s)),
        }
    }

    fn component(&mut self, component: &Fields) -> Component {
        Component {
            id: self.text(component, "id"),
            name: self.text(component, "name"),
            count: self.count(component, "count"),
            rated_power: self.number(component, "rated_power").map(Watts),
        }
    }

    fn module(&mut self, module: &Fields) -> Module {
        Module {
            id: self.text(module, "id"),
            rating_stc: self.number(module, "rating_stc").map(Watts),
            name: self.text(module, "name"),
            count: self.count(module, "count"),
            orientation: self.text(module, "orientation"),
        }
    }

    fn shading(&mut self, shading: &Fields) -> Shading {
        Shading {
            solar_access: self.object(shading, "solar_access").map(|access| SolarAccess {
                annual: self.number(&access, "annual"),
                monthly: self.months(&access, "monthly"),
            }),
            total_solar_resource_fraction: self
                .object(shading, "total_solar_resource_fraction")
                .and_then(|tsrf| self.number(&tsrf, "annual"))
                .map(|annual| AnnualPercent { annual }),
        }
    }

    fn inverter(&mut self, inverter: &Fields) -> Inverter {
        Inverter {
            id: self.text(inverter, "id"),
            name: self.text(inverter, "name"),
            rated_power: self.number(inverter, "rated_power").map(Watts),
        }
    }

    fn battery(&mut self, battery: &Fields) -> Battery {
        Battery {
            id: self.text(battery, "id"),
            name: self.text(battery, "name"),
            has_integrated_inverter: self.flag(battery, "has_integrated_inverter"),
        }
    }

    fn production(&mut self, production: &Fields) -> EnergyProduction {
        EnergyProduction {
            up_to_date: self.flag(production, "up_to_date"),
            annual: self.number(production, "annual").map(KilowattHours),
            // Documented as text (`"87%"`); a bare number is read as percent.
            annual_offset: self.text(production, "annual_offset"),
            monthly: self.months(production, "monthly").into_iter().map(|m| m.map(KilowattHours)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SEED: &str = include_str!("../../tests/fixtures/design-summary.seed.json");

    fn seed() -> Value {
        serde_json::from_str(SEED).expect("json")
    }

    /// The seed with `change` applied to its design, read.
    fn read_with(change: impl FnOnce(&mut Map<String, Value>)) -> ReadSummary {
        let mut answer = seed();
        change(answer["design"].as_object_mut().expect("object"));
        summary(&answer).expect("a summary is read")
    }

    #[test]
    fn the_seed_reads_whole_and_as_serde_reads_it() {
        let read = summary(&seed()).expect("reads");
        assert_eq!(read.unread, Vec::<String>::new());
        let serde: crate::DesignSummaryResponse = serde_json::from_str(SEED).expect("serde reads the seed");
        assert_eq!(read.summary, serde.design);
        assert_eq!(read.summary.energy_production.as_ref().and_then(|p| p.offset_percent()), Some(87.0));
        assert_eq!(read.summary.arrays[0].module.as_ref().and_then(|m| m.count), Some(11));
    }

    #[test]
    fn numbers_read_from_any_of_aurora_shapes_and_the_rest_is_noted() {
        let cases: [(Value, Option<f64>, Option<&str>); 6] = [
            (json!(6500), Some(6500.0), None),
            (json!(6500.5), Some(6500.5), None),
            (json!(" 6500 "), Some(6500.0), None),
            (Value::Null, None, None),
            (json!(true), None, Some("design.system_size_stc: a boolean, not a number")),
            (json!({"value": 1}), None, Some("design.system_size_stc: an object, not a number")),
        ];
        for (given, expected, note) in cases {
            let read = read_with(|d| drop(d.insert("system_size_stc".into(), given.clone())));
            assert_eq!(read.summary.system_size_stc.map(|w| w.0), expected, "{given}");
            assert_eq!(read.unread.first().map(String::as_str), note, "{given}");
            assert_eq!(read.summary.system_size_ac, Some(Watts(5000.0)), "the others stay");
        }
        let read = read_with(|d| drop(d.remove("system_size_ptc")));
        assert_eq!((read.summary.system_size_ptc, read.unread.len()), (None, 0), "absent is not noted");
    }

    #[test]
    fn counts_are_whole_numbers_written_any_way() {
        let cases: [(Value, Option<u32>, bool); 8] = [
            (json!(11), Some(11), false),
            (json!(11.0), Some(11), false),
            (json!("11"), Some(11), false),
            (json!(" 7 "), Some(7), false),
            (Value::Null, None, false),
            (json!(1.5), None, true),
            (json!(-1), None, true),
            (json!("many"), None, true),
        ];
        for (given, expected, noted) in cases {
            let read = read_with(|d| d["arrays"][0]["module"]["count"] = given.clone());
            assert_eq!(read.summary.arrays[0].module.as_ref().and_then(|m| m.count), expected, "{given}");
            assert_eq!(
                read.unread.contains(&"design.arrays[0].module.count: a number, not a count".into())
                    || read.unread.contains(&"design.arrays[0].module.count: a string, not a count".into()),
                noted,
                "{given}"
            );
            assert_eq!(read.summary.arrays[0].module.as_ref().and_then(|m| m.rating_stc), Some(Watts(300.25)));
        }
    }

    #[test]
    fn booleans_null_or_absent_are_false_and_other_shapes_noted() {
        let cases: [(Option<Value>, bool, usize); 5] = [
            (Some(json!(true)), true, 0),
            (Some(json!(false)), false, 0),
            (Some(Value::Null), false, 0),
            (None, false, 0),
            (Some(json!("yes")), false, 1),
        ];
        for (given, expected, notes) in cases {
            let read = read_with(|d| match &given {
                Some(value) => d["energy_production"]["up_to_date"] = value.clone(),
                None => drop(d["energy_production"].as_object_mut().expect("object").remove("up_to_date")),
            });
            let production = read.summary.energy_production.expect("production");
            assert_eq!((production.up_to_date, read.unread.len()), (expected, notes), "{given:?}");
            assert_eq!(production.annual, Some(KilowattHours(2550.3)), "the rest of production stays");
        }
    }

    #[test]
    fn objects_null_are_absent_and_other_shapes_noted() {
        let read = read_with(|d| {
            d["arrays"][0]["module"] = Value::Null;
            d["arrays"][0]["shading"] = json!("none");
            d["energy_production"] = Value::Null;
        });
        let array = &read.summary.arrays[0];
        assert_eq!((array.module.is_none(), array.shading.is_none()), (true, true));
        assert_eq!(array.size, Some(Watts(6500.0)), "the array's other fields stay");
        assert!(read.summary.energy_production.is_none());
        assert_eq!(read.unread, ["design.arrays[0].shading: a string, not an object"]);
    }

    #[test]
    fn lists_null_are_empty_and_items_that_are_not_objects_are_left_out() {
        let read = read_with(|d| {
            d["batteries"] = Value::Null;
            d["storage_inverters"] = json!({"id": "x"});
            d["bill_of_materials"].as_array_mut().expect("list").extend([Value::Null, json!("panel")]);
        });
        assert_eq!((read.summary.batteries.len(), read.summary.storage_inverters.len()), (0, 0));
        assert_eq!(read.summary.bill_of_materials.len(), 1, "the readable line stays");
        assert_eq!(
            read.unread,
            [
                "design.bill_of_materials[1]: null, not an object",
                "design.bill_of_materials[2]: a string, not an object",
                "design.storage_inverters: an object, not a list",
            ]
        );
    }

    #[test]
    fn lines_and_components_without_ids_are_kept() {
        let read = read_with(|d| {
            d["bill_of_materials"][0].as_object_mut().expect("line").remove("id");
            d["bill_of_materials"]
                .as_array_mut()
                .expect("list")
                .push(json!({"component_type": "racking", "name": "Rail kit", "quantity": "4"}));
            d["arrays"][0]["module"]["id"] = Value::Null;
            d["string_inverters"][0].as_object_mut().expect("inverter").remove("id");
            d["design_request_id"] = json!("");
        });
        let lines = &read.summary.bill_of_materials;
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].id.as_deref(), lines[0].name.as_deref()), (None, Some("Aurora Sample Solar Panel")));
        assert_eq!(lines[1].component_type, Some(ComponentType::Other("racking".into())));
        assert_eq!(lines[1].quantity, Some(4.0));
        assert_eq!(read.summary.arrays[0].module.as_ref().and_then(|m| m.id.as_deref()), None);
        assert_eq!(read.summary.string_inverters[0].name.as_deref(), Some("Aurora Sample String Inverter"));
        assert_eq!((read.summary.design_request_id, read.unread.len()), (None, 0), "an empty placeholder is none");
        let read = read_with(|d| d["design_request_id"] = json!("DR-1"));
        assert_eq!(read.unread, ["design.design_request_id: a string, not a UUID"]);
    }

    #[test]
    fn monthly_lists_of_another_length_keep_what_is_there_and_say_so() {
        let months = |n: usize| Value::Array((1..=n).map(|m| json!(m * 100)).collect());
        /// What Aurora sent, the months read, the notes.
        type Case = (Value, Vec<Option<f64>>, Vec<&'static str>);
        let cases: [Case; 4] = [
            (months(12), (1..=12).map(|m| Some(f64::from(m) * 100.0)).collect(), vec![]),
            (
                months(11),
                (1..=11).map(|m| Some(f64::from(m) * 100.0)).collect(),
                vec!["design.energy_production.monthly: 11 months, not twelve"],
            ),
            (
                months(13),
                (1..=12).map(|m| Some(f64::from(m) * 100.0)).collect(),
                vec!["design.energy_production.monthly: 13 months, not twelve"],
            ),
            (
                json!([1, null, "3", 4, 5, 6, 7, 8, 9, 10, 11, 12]),
                [1.0, f64::NAN, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]
                    .map(|m| (!m.is_nan()).then_some(m))
                    .to_vec(),
                vec!["design.energy_production.monthly[1]: null, not a number"],
            ),
        ];
        for (given, expected, notes) in cases {
            let read = read_with(|d| d["energy_production"]["monthly"] = given.clone());
            let monthly: Vec<Option<f64>> =
                read.summary.energy_production.expect("production").monthly.iter().map(|m| m.map(|k| k.0)).collect();
            assert_eq!(monthly, expected, "{given}");
            assert_eq!(read.unread, notes, "{given}");
        }
    }

    #[test]
    fn kinds_and_modes_we_have_not_seen_keep_their_names() {
        let read = read_with(|d| {
            d["bill_of_materials"][0]["component_type"] = json!("ev_chargers");
            d["arrays"][0]["module"]["orientation"] = json!("mixed");
            d["arrays"][0]["configuration"] = json!("hybrid inverter");
            d["storage_selected_operating_mode"] = json!("time_of_use");
            d["energy_production"]["annual_offset"] = json!(92);
            d.insert("brand_new_field".into(), json!({"nested": [1, 2]}));
        });
        let design = &read.summary;
        assert_eq!(design.bill_of_materials[0].component_type, Some(ComponentType::Other("ev_chargers".into())));
        assert_eq!(design.arrays[0].module.as_ref().and_then(|m| m.orientation.as_deref()), Some("mixed"));
        assert_eq!(design.arrays[0].configuration.as_deref(), Some("hybrid inverter"));
        assert_eq!(design.storage_selected_operating_mode.as_deref(), Some("time_of_use"));
        assert_eq!(design.energy_production.as_ref().and_then(|p| p.offset_percent()), Some(92.0));
        assert_eq!(read.unread, Vec::<String>::new());
    }

    #[test]
    fn dates_in_any_of_aurora_formats_and_none_is_fine() {
        let cases: [(Option<Value>, Option<i64>, usize); 5] = [
            (Some(json!("2024-06-21T21:12:44.591Z")), Some(1_719_004_364), 0),
            (Some(json!("2024-06-21 21:12:44 UTC")), Some(1_719_004_364), 0),
            (Some(json!("2024-06-21T21:12:44")), Some(1_719_004_364), 0),
            (None, None, 0),
            (Some(json!("last tuesday")), None, 1),
        ];
        for (given, expected, notes) in cases {
            let read = read_with(|d| match &given {
                Some(value) => drop(d.insert("created_at".into(), value.clone())),
                None => drop(d.remove("created_at")),
            });
            assert_eq!((read.summary.created_at.map(|t| t.unix_seconds()), read.unread.len()), (expected, notes));
        }
    }

    #[test]
    fn only_the_ids_that_tie_a_design_to_an_opportunity_are_required() {
        for key in ["design_id", "project_id"] {
            for bad in [Value::Null, json!("not-a-uuid"), json!(7)] {
                let mut answer = seed();
                answer["design"][key] = bad;
                assert_eq!(summary(&answer), Err(SummaryError::MissingId(key)));
            }
        }
        assert_eq!(summary(&json!({"designs": []})), Err(SummaryError::NoDesign));
        assert_eq!(summary(&json!([1])), Err(SummaryError::NoDesign));
        let bare = seed()["design"].clone();
        assert_eq!(summary(&bare).expect("a bare summary reads").unread.len(), 0);
    }

    #[test]
    fn notes_name_paths_and_types_never_values() {
        let read = read_with(|d| {
            d["external_provider_id"] = json!({"secret": "customer@example.com"});
            d["arrays"][0]["pitch"] = json!("steep-customer-roof");
        });
        assert_eq!(read.unread.len(), 2);
        for note in &read.unread {
            assert!(!note.contains("customer"), "{note}");
        }
    }
}
