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
    "design-sold",
    "design-drifted",
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

/// The sale as Aurora reports it after a signature: the agreement, the homeowner's loan and
/// its lender's status, the proposal, the "sold" milestone, the design kept as sold.
fn seed_sale(design: &DesignView) -> widget_api::SaleView {
    use aurora_api::{Agreement, AgreementStatus, Financing, sale::Financier};
    let loan = Financing {
        id: "f-1".into(),
        name: Some("Sunlight 25 yr 4.49%".into()),
        option: Some("loans".into()),
        selected: true,
        system_price: Some(28_475.0),
        term_months: Some(300),
        monthly_payment: Some(158.17),
        down_payment: Some(0.0),
        financier: Some(Financier {
            provider: Some("sunlight".into()),
            status: Some("pre_approved".into()),
            provider_status: Some("Stips Pending".into()),
            approved_amount: Some(28_475.0),
        }),
    };
    let cash = Financing {
        id: "f-2".into(),
        name: Some("Cash".into()),
        option: Some("cash".into()),
        selected: false,
        system_price: Some(28_475.0),
        term_months: None,
        monthly_payment: None,
        down_payment: None,
        financier: None,
    };
    widget_api::SaleView {
        proposal_url: Some("https://v2.aurorasolar.com/e-proposal/3fa85f64".into()),
        agreement: Some(Agreement {
            id: "a-1".into(),
            design_id: None,
            project_id: None,
            status: AgreementStatus::Signed,
            template_name: Some("Residential solar loan agreement".into()),
            signing_provider: Some("docusign".into()),
            created_at: None,
        }),
        financings: vec![loan, cash],
        milestones: vec![widget_api::Milestone { stage: "sold".into(), recorded_at: "2024-06-24T16:02:00Z".into() }],
        sold: Some(widget_api::SoldDesign::of(design, "d-1", "2024-06-24T16:02:00Z")),
        drift: Vec::new(),
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
        "design-sold" => {
            let mut design = seed_design()?;
            design.sale = seed_sale(&design);
            panel(ready(design))
        }
        "design-drifted" => {
            // Sold as designed; then the designer took some of the system off: 800 W, the
            // production with it, and the price fell.
            let sold = seed_design()?;
            let mut design = seed_design()?;
            design.sale = seed_sale(&sold);
            design.system_size_stc = design.system_size_stc.map(|w| aurora_api::Watts(w.0 - 800.0));
            if let Some(production) = design.production.as_mut() {
                production.annual = production.annual.map(|a| aurora_api::KilowattHours((a.0 * 0.88).round()));
                for month in production.monthly.iter_mut().flatten() {
                    *month = aurora_api::KilowattHours((month.0 * 0.88).round());
                }
            }
            if let Some(price) = design.price.as_mut() {
                price.system_cost = price.system_cost.map(|c| c - 2_280.0);
            }
            design.sale.drift = design.sale.sold.as_ref().map(|s| s.changes(&design)).unwrap_or_default();
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
