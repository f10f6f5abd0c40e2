use super::{Fact, fact_list};
use crate::format;
use aurora_api::{DesignPricing, pricing::CostComponent};
use leptos::prelude::*;

/// The design's price in one line, beside its figures: the total (storage included) and,
/// when Aurora gives it, the price per watt.
pub fn price_line(price: &DesignPricing) -> impl IntoView + use<> {
    let currency = price.currency.as_deref();
    let total = format::given(price.system_cost, |total| format::money(total, currency));
    let value = match price.price_per_watt {
        Some(per_watt) => format!("{total} ({})", format::per_watt(per_watt, currency)),
        None => total,
    };
    fact_list("facts facts-inline", vec![Fact::new("price", "Price", value)])
}

/// Aurora's word for a part of a price, as a rep says it
/// (https://docs.aurorasolar.com/reference/retrievedesignpricing names them).
fn part_name(name: &str) -> String {
    match name {
        "starting_cost" => "Starting price".to_owned(),
        "base_cost" => "Base price".to_owned(),
        "adders_without_discounts" => "Adders".to_owned(),
        "adders" => "Discounts".to_owned(),
        "incentives" => "Incentives".to_owned(),
        other => format::label(other),
    }
}

/// How the price is made, in Aurora's order: the solar system's parts, then storage's,
/// then the total. Parts of zero are left out.
#[component]
pub fn PriceBreakdown(
    /// The price.
    price: DesignPricing,
) -> impl IntoView {
    let currency = price.currency.clone();
    let row = move |label: String, amount: f64, testid: &'static str| {
        let shown = format::money(amount, currency.as_deref());
        view! { <tr data-testid=testid><th scope="row">{label}</th><td class="number">{shown}</td></tr> }
    };
    let parts = |components: &[CostComponent], storage: bool| {
        components
            .iter()
            .filter(|part| part.amount != 0.0)
            .map(|part| {
                let label = if storage {
                    format!("Storage: {}", part_name(&part.name).to_lowercase())
                } else {
                    part_name(&part.name)
                };
                row(label, part.amount, "price-part")
            })
            .collect_view()
    };
    let solar = parts(&price.components, false);
    let storage = parts(&price.storage_components, true);
    let total = price.system_cost.map(|total| row("Total".to_owned(), total, "price-total"));
    view! {
        <table class="price-breakdown" data-testid="price-breakdown">
            <thead><tr><th scope="col">"Part"</th><th scope="col" class="number">"Amount"</th></tr></thead>
            <tbody>{solar}{storage}{total}</tbody>
        </table>
    }
}
