//! Every screen of the widget from fixtures (feature `gallery`, never in the worker): the
//! gallery's static pages (widget-view's `gallery_renders` test writes them) are what the
//! e2e suite photographs and checks for accessibility, light and dark.

use crate::screen::{Action, Panel, Problem, Screen};
use widget_api::{DesignView, Location, Opportunity, OpportunityState};

const SEED: &str = include_str!("../../aurora/tests/fixtures/design-summary.seed.json");
const AURORA_URL: &str = "https://v2.aurorasolar.com/projects/3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// The screens, by name.
pub const SCREENS: &[&str] = &[
    "no-project",
    "creating",
    "awaiting-design",
    "design-ready",
    "design-summary",
    "design-whole",
    "design-without-production",
    "simulation-failed",
    "not-linked",
    "app-disabled",
    "design-app-disabled",
    "create-failed",
    "unavailable",
];

fn seed_design() -> Option<DesignView> {
    let seed: aurora_api::DesignSummaryResponse = serde_json::from_str(SEED).ok()?;
    let design = DesignView::from_summary(&seed.design, seed.design.created_at.as_ref()?);
    Some(DesignView { price: Some(seed_price()), ..design })
}

/// A price as Retrieve Design Pricing gives one: a base price per watt, an adder, a
/// discount, an incentive, and a battery.
pub fn seed_price() -> aurora_api::DesignPricing {
    let part = |name: &str, amount: f64| aurora_api::pricing::CostComponent { name: name.to_owned(), amount };
    aurora_api::DesignPricing {
        system_cost: Some(28_475.0),
        price_per_watt: Some(2.85),
        currency: None,
        components: vec![
            part("starting_cost", 0.0),
            part("base_cost", 18_525.0),
            part("adders_without_discounts", 450.0),
            part("adders", -300.0),
            part("incentives", -1_000.0),
        ],
        storage_components: vec![part("base_cost", 10_800.0)],
    }
}

fn panel(state: OpportunityState) -> Screen {
    let opportunity = Opportunity {
        id: "opp-1".into(),
        name: "Rivera residence".into(),
        location: Location::Address { property_address: "901 Mears Ct, Stanford, CA 94305".into() },
    };
    Screen::Opportunity(Panel::of(opportunity, state))
}

/// The fixture screen called `name`.
pub fn screen(name: &str) -> Option<Screen> {
    let ready = |design: DesignView| OpportunityState::DesignReady {
        project_id: "p-1".into(),
        aurora_url: AURORA_URL.into(),
        design: Box::new(design),
    };
    Some(match name {
        "no-project" => panel(OpportunityState::NoProject),
        "creating" => panel(OpportunityState::Creating),
        "awaiting-design" => {
            panel(OpportunityState::AwaitingDesign { project_id: "p-1".into(), aurora_url: AURORA_URL.into() })
        }
        "design-ready" | "design-summary" | "design-whole" => panel(ready(seed_design()?)),
        "design-without-production" => {
            let mut design = seed_design()?;
            design.production = None;
            design.batteries.clear();
            design.storage_inverters.clear();
            design.storage_mode = None;
            panel(ready(design))
        }
        "simulation-failed" => panel(OpportunityState::SimulationFailed {
            project_id: "p-1".into(),
            aurora_url: AURORA_URL.into(),
            design_id: "d-1".into(),
        }),
        "not-linked" => panel(OpportunityState::NotLinked),
        "app-disabled" => panel(OpportunityState::AppDisabled),
        "design-app-disabled" => match panel(ready(seed_design()?)) {
            Screen::Opportunity(shown) => Screen::Opportunity(Panel { app_disabled: true, ..shown }),
            other => other,
        },
        "create-failed" => panel(OpportunityState::CreateFailed {
            code: "aurora_unavailable".into(),
            message: "Aurora Solar did not answer in time. Nothing was created twice: try again.".into(),
            retryable: true,
        }),
        "unavailable" => Screen::Unavailable(Problem {
            message: "Could not reach the Aurora Solar service (offline). Check your connection and try again.".into(),
            retry: Some(Action::OpenSession),
        }),
        _ => return None,
    })
}

/// The room the fixture screen called `name` is rendered for: a panel's summary (Pipedrive's
/// sidebar with its modal), a CRM's large surface, or a record page's panel.
pub fn surface(name: &str) -> crate::words::Surface {
    match name {
        "design-summary" => crate::words::Surface::Summary,
        "design-whole" => crate::words::Surface::Full,
        _ => crate::words::Surface::Panel,
    }
}
