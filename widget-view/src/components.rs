//! The widget's components, one per file. [`crate::draw`] says which make a screen.

mod array_list;
mod awaiting_design;
mod bill_of_materials;
mod create_project_button;
mod creating;
mod design_figures;
mod design_price;
mod design_ready;
mod design_sale;
mod equipment;
mod needs_admin;
mod no_project;
mod open_in_aurora;
mod opportunity_header;
mod problem_notice;
mod production_chart;
mod simulation_failed;

pub use array_list::ArrayList;
pub use awaiting_design::AwaitingDesign;
pub use bill_of_materials::BillOfMaterials;
pub use create_project_button::CreateProjectButton;
pub use creating::Creating;
pub use design_figures::DesignFigures;
pub use design_price::{PriceBreakdown, price_line};
pub use design_ready::DesignReady;
pub use design_sale::{SaleDetails, agreement_words, change_words, drift_notice, lender_words, sale_line};
pub use equipment::Equipment;
pub use needs_admin::{AdminTask, AppTurnedOff, NeedsAdmin};
pub use no_project::NoProject;
pub use open_in_aurora::OpenInAurora;
pub use opportunity_header::OpportunityHeader;
pub use problem_notice::ProblemNotice;
pub use production_chart::ProductionChart;
pub use simulation_failed::SimulationFailed;

use leptos::prelude::*;

/// One term and its value, for a `<dl>`; `testid` names it for tests.
pub struct Fact {
    testid: &'static str,
    term: &'static str,
    value: String,
}

impl Fact {
    /// `term`: `value`.
    pub fn new(testid: &'static str, term: &'static str, value: String) -> Self {
        Fact { testid, term, value }
    }
}

/// Facts as a `<dl>`: `<div><dt>Pitch</dt><dd>20.3°</dd></div>...`. One list of one type
/// rather than a view per fact keeps the wasm small.
fn fact_list(class: &'static str, facts: Vec<Fact>) -> impl IntoView {
    let items = facts
        .into_iter()
        .map(|Fact { testid, term, value }| {
            // A unit of energy or power reads smaller than its number, bound to it by a
            // no-break space, so that a figure keeps to one line in a sidebar's narrow
            // tiles ("7,381 kWh").
            let (number, unit) = match value.rsplit_once(' ') {
                Some((number, unit)) if matches!(unit, "kW" | "kWh") => {
                    (number.to_owned(), Some(format!("\u{a0}{unit}")))
                }
                _ => (value, None),
            };
            view! {
                <div class="fact" data-testid=testid>
                    <dt>{term}</dt>
                    <dd>{number}{unit.map(|unit| view! { <span class="unit">{unit}</span> })}</dd>
                </div>
            }
        })
        .collect_view();
    view! { <dl class=class>{items}</dl> }
}
