use super::{Fact, fact_list};
use crate::format;
use aurora_api::Watts;
use leptos::prelude::*;
use widget_api::ProductionView;

/// The headline numbers (system size, annual production, offset), then AC and PTC sizes
/// (not in a summary: they are one click away, with the whole design).
#[component]
pub fn DesignFigures(
    /// DC size at standard test conditions.
    size_stc: Option<Watts>,
    /// AC size.
    size_ac: Option<Watts>,
    /// DC size at PTC conditions.
    size_ptc: Option<Watts>,
    /// Simulated production, if any.
    production: Option<ProductionView>,
) -> impl IntoView {
    let annual = match &production {
        None => "Not simulated yet".to_owned(),
        Some(p) => format::given(p.annual, format::kilowatt_hours),
    };
    let offset = format::given(production.and_then(|p| p.offset_percent), format::percent);
    let headline = vec![
        // DC at standard test conditions: what "system size" means in Aurora and the trade.
        Fact::new("size-stc", "System size", format::given(size_stc, format::kilowatts)),
        Fact::new("annual-production", "Annual production", annual),
        Fact::new("offset", "Offset", offset),
    ];
    let sizes = vec![
        Fact::new("size-ac", "Inverter size", format::given(size_ac, |w| format!("{} AC", format::kilowatts(w)))),
        Fact::new("size-ptc", "PTC rating", format::given(size_ptc, |w| format!("{} DC", format::kilowatts(w)))),
    ];
    let summary = crate::words::surface() == crate::words::Surface::Summary;
    (fact_list("figures", headline), (!summary).then(|| fact_list("facts facts-inline", sizes)))
}
