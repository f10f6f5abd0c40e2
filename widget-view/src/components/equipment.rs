use super::{Fact, fact_list};
use crate::format;
use leptos::{either::Either, prelude::*};
use widget_api::{BatteryView, InverterView};

/// Inverters and storage: string inverters, storage inverters, batteries and the mode the
/// storage runs in.
#[component]
pub fn Equipment(
    /// String inverters.
    string_inverters: Vec<InverterView>,
    /// Storage (battery) inverters.
    storage_inverters: Vec<InverterView>,
    /// Batteries.
    batteries: Vec<BatteryView>,
    /// e.g. `backup`.
    storage_mode: Option<String>,
) -> impl IntoView {
    let inverters: Vec<Item> = string_inverters.into_iter().map(|i| Item::inverter("String inverter", i)).collect();
    let mut storage: Vec<Item> = storage_inverters.into_iter().map(|i| Item::inverter("Storage inverter", i)).collect();
    storage.extend(batteries.into_iter().map(|b| Item {
        kind: "Battery",
        name: b.name.unwrap_or_else(|| format::NOT_GIVEN.into()),
        detail: if b.has_integrated_inverter { " · integrated inverter".into() } else { String::new() },
    }));
    let storage = if storage.is_empty() {
        Either::Left(view! { <p class="hint" data-testid="storage">"No battery storage in this design."</p> })
    } else {
        let mode = storage_mode.map(|mode| vec![Fact::new("storage-mode", "Operating mode", format::label(&mode))]);
        Either::Right((item_list("storage", storage), mode.map(|facts| fact_list("facts", facts))))
    };
    view! {
        <h4 class="subsection">"Inverters"</h4>
        {if inverters.is_empty() {
            Either::Left(view! { <p class="hint" data-testid="string-inverters">"No string inverters."</p> })
        } else {
            Either::Right(item_list("string-inverters", inverters))
        }}
        <h4 class="subsection">"Storage"</h4>
        {storage}
    }
}

/// One piece of equipment: what it is, its name, a detail.
struct Item {
    kind: &'static str,
    name: String,
    detail: String,
}

impl Item {
    fn inverter(kind: &'static str, inverter: InverterView) -> Self {
        let detail = inverter.rated_power.map(|p| format!(" · {}", format::kilowatts(p))).unwrap_or_default();
        Item { kind, name: inverter.name.unwrap_or_else(|| format::NOT_GIVEN.into()), detail }
    }
}

fn item_list(testid: &'static str, items: Vec<Item>) -> impl IntoView {
    let items = items
        .into_iter()
        .map(|Item { kind, name, detail }| {
            view! {
                <li>
                    <span class="kind">{kind}</span>
                    <span class="name">{name}</span>
                    <span class="detail">{detail}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="equipment" data-testid=testid>{items}</ul> }
}
