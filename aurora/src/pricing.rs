//! A design's price: `GET /tenants/{t}/designs/{d}/pricing`, "Retrieve Design Pricing"
//! (https://docs.aurorasolar.com/reference/retrievedesignpricing).
//!
//! Documented [doc]: the total, storage included, is `system_cost`; the solar system's
//! cost components come "in order" as `system_cost_breakdown`, storage's as
//! `storage_system_cost_breakdown`; the components are `starting_cost`, `base_cost`,
//! `adders_without_discounts` (adders with positive values), `adders` (those with negative
//! values: discounts) and `incentives` (upfront grants that reduce the cost).
//!
//! Not documented, read leniently [guess]: the wrapper (`{"pricing": {...}}`, or the object
//! bare); a component's form (a list of `{name|type|component, value|amount|cost}` in
//! order, or an object keyed by component); money as a number or a numeric string; a
//! `price_per_watt` beside the total, and a `currency`. Unknown fields are ignored. A
//! tenant whose plan lacks pricing is answered 403 or 404: "not available", which the
//! caller tells apart from a failure (see [`crate::AuroraClient::get_design_pricing`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a design costs, as Aurora prices it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignPricing {
    /// The total, storage included, in the tenant's currency.
    pub system_cost: Option<f64>,
    /// Price per watt of the solar system (DC, STC), when Aurora gives it.
    #[serde(default)]
    pub price_per_watt: Option<f64>,
    /// ISO 4217, when Aurora names it.
    #[serde(default)]
    pub currency: Option<String>,
    /// The solar system's cost components, in Aurora's order.
    #[serde(default)]
    pub components: Vec<CostComponent>,
    /// Storage's.
    #[serde(default)]
    pub storage_components: Vec<CostComponent>,
}

/// One part of a price: Aurora's name for it and its amount (negative for discounts and
/// incentives, as Aurora gives them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostComponent {
    /// `starting_cost`, `base_cost`, `adders_without_discounts`, `adders`, `incentives`, or
    /// a name Aurora adds later.
    pub name: String,
    /// Its amount.
    pub amount: f64,
}

/// Why an answer reads as no price.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnreadablePricing(pub String);

/// A money amount: a number, or a string of one (`"15930.00"`, `"$15,930"`).
pub(crate) fn money(value: &Value) -> Option<f64> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let digits: String = s.chars().filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-')).collect();
            digits.parse().ok()
        }
        _ => None,
    }?;
    number.is_finite().then_some(number)
}

/// A breakdown in either form, in order.
fn components(value: Option<&Value>) -> Vec<CostComponent> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| {
                let name = ["name", "type", "component"].iter().find_map(|k| item.get(*k)?.as_str())?;
                let amount = ["value", "amount", "cost"].iter().find_map(|k| item.get(*k).and_then(money))?;
                Some(CostComponent { name: name.to_owned(), amount })
            })
            .collect(),
        Some(Value::Object(fields)) => fields
            .iter()
            .filter_map(|(name, amount)| Some(CostComponent { name: name.clone(), amount: money(amount)? }))
            .collect(),
        _ => Vec::new(),
    }
}

/// The price in an answer of the pricing endpoint.
pub fn read(answer: &Value) -> Result<DesignPricing, UnreadablePricing> {
    let pricing = answer.get("pricing").filter(|p| p.is_object()).unwrap_or(answer);
    if !pricing.is_object() {
        return Err(UnreadablePricing("the answer is no object".into()));
    }
    let read = DesignPricing {
        system_cost: pricing.get("system_cost").and_then(money),
        price_per_watt: pricing.get("price_per_watt").and_then(money),
        currency: pricing
            .get("currency")
            .and_then(Value::as_str)
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase),
        components: components(pricing.get("system_cost_breakdown")),
        storage_components: components(pricing.get("storage_system_cost_breakdown")),
    };
    if read.system_cost.is_none() && read.components.is_empty() {
        return Err(UnreadablePricing("neither `system_cost` nor `system_cost_breakdown` reads".into()));
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_parts_read_in_either_form() {
        let listed = json!({ "pricing": {
            "system_cost": 15930.5, "price_per_watt": "2.85", "currency": "usd",
            "system_cost_breakdown": [
                { "name": "starting_cost", "value": 500 },
                { "name": "base_cost", "value": "15,930.00" },
                { "name": "adders", "value": -500 },
                { "name": "incentives", "value": null },
            ],
            "storage_system_cost_breakdown": [],
            "something_new": { "ignored": true },
        }});
        let read = read(&listed).expect("reads");
        assert_eq!(read.system_cost, Some(15930.5));
        assert_eq!(read.price_per_watt, Some(2.85));
        assert_eq!(read.currency.as_deref(), Some("USD"));
        let names: Vec<&str> = read.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["starting_cost", "base_cost", "adders"], "a component without an amount is left out");
        assert_eq!(read.components[1].amount, 15930.0);
        // Bare, keyed by component.
        let keyed =
            json!({ "system_cost": 12000, "system_cost_breakdown": { "base_cost": 12500, "incentives": -500 } });
        let read = super::read(&keyed).expect("reads");
        assert_eq!(read.components.len(), 2);
        assert_eq!(read.price_per_watt, None);
    }

    #[test]
    fn an_answer_without_a_price_is_no_price() {
        assert!(read(&json!({ "pricing": {} })).is_err());
        assert!(read(&json!([1, 2])).is_err());
        assert!(read(&json!({ "system_cost": "n/a" })).is_err());
    }
}
