use super::{Fact, fact_list};
use crate::format;
use aurora_api::Watts;
use leptos::prelude::*;
use widget_api::ProductionView;

/// The headline numbers (system size, annual production, offset), then AC and PTC sizes.
#[component]
pub fn DesignFigures(
    /// DC size at standard test conditions.
    size_stc: Watts,
    /// AC size.
    size_ac: Watts,
    /// DC size at PTC conditions.
    size_ptc: Watts,
    /// Simulated production, if any.
    production: Option<ProductionView>,
) -> impl IntoView {
    let annual =
        production.as_ref().map_or_else(|| "Not simulated yet".to_owned(), |p| format::kilowatt_hours(p.annual));
    let offset = production.and_then(|p| p.offset_percent).map_or_else(|| "–".to_owned(), format::percent);
    let headline = vec![
        Fact::new("size-stc", "System size (DC, STC)", format::kilowatts(size_stc)),
        Fact::new("annual-production", "Annual production", annual),
        Fact::new("offset", "Energy offset", offset),
    ];
    let sizes = vec![
        Fact::new("size-ac", "Inverter size", format!("{} AC", format::kilowatts(size_ac))),
        Fact::new("size-ptc", "PTC rating", format!("{} DC", format::kilowatts(size_ptc))),
    ];
    (fact_list("figures", headline), fact_list("facts facts-inline", sizes))
}
