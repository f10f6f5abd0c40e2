//! The worker's side of the screens: every state renders to HTML a rep can read, with what
//! the CRM or Aurora wrote escaped, in the rep's locale.

use widget_api::{DesignView, Location, Opportunity, OpportunityState, testing::every_state};
use widget_view::{
    format::Locale,
    render_html,
    screen::{Panel, Screen},
};

const SEED: &str = include_str!("../../aurora/tests/fixtures/design-summary.seed.json");

fn states() -> Vec<OpportunityState> {
    let seed: aurora_api::DesignSummaryResponse = serde_json::from_str(SEED).expect("the seed parses");
    let design = DesignView::from_summary(&seed.design, seed.design.created_at.as_ref().expect("the seed is dated"));
    every_state("https://v2.aurorasolar.com/projects/p-1", design)
}

/// The panel of an opportunity at `site`, in `state`.
fn panel(site: &str, state: OpportunityState) -> Screen {
    let opportunity = Opportunity {
        id: "opp-1".into(),
        name: "Rivera residence".into(),
        location: Location::Address { property_address: site.into() },
    };
    Screen::Opportunity(Panel::of(opportunity, state))
}

#[test]
fn every_state_renders_its_screen_under_the_opportunity() {
    for state in states() {
        let name = format!("{state:?}");
        let html = render_html(panel("901 Mears Ct, Stanford, CA 94305", state), Locale::EN_US);
        assert!(html.contains("901 Mears Ct"), "{name}: {html}");
        // The CRM's page names the record: the widget does not repeat it.
        assert!(!html.contains("Rivera residence"), "{name}: {html}");
        assert!(!html.contains("<script"), "{name}: {html}");
    }
}

#[test]
fn what_the_crm_wrote_is_text_not_markup() {
    let html = render_html(panel("<script>alert(1)</script> & \"x\"", OpportunityState::NoProject), Locale::EN_US);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[test]
fn a_design_reads_in_the_reps_locale() {
    let design = states().into_iter().find(|s| matches!(s, OpportunityState::DesignReady { .. })).expect("a design");
    let us = render_html(panel("R", design.clone()), Locale::from_tag("en-US"));
    let de = render_html(panel("R", design), Locale::from_tag("de-DE"));
    assert!(us.contains("2,550 kWh") && us.contains("Jun 21, 2024") && us.contains("6.5 kW"), "{us}");
    assert!(de.contains("2.550 kWh") && de.contains("21.06.2024") && de.contains("6,5 kW"), "{de}");
}

/// A rep reads their own CRM's words: its admin, its marketplace, its record.
#[test]
fn screens_speak_the_crms_nouns() {
    use widget_view::words::{Crm, with_crm};
    let not_linked = |crm| with_crm(crm, || render_html(panel("R", OpportunityState::NotLinked), Locale::EN_US));
    let hubspot = not_linked(Crm::HubSpot);
    assert!(hubspot.contains("HubSpot Super Admin") && hubspot.contains("the HubSpot App Marketplace"), "{hubspot}");
    assert!(!hubspot.contains("CRM"), "{hubspot}");
    let salesforce = not_linked(Crm::Salesforce);
    assert!(salesforce.contains("Salesforce org") && salesforce.contains("AppExchange"), "{salesforce}");
    let disabled = with_crm(Crm::Pipedrive, || render_html(panel("R", OpportunityState::AppDisabled), Locale::EN_US));
    assert!(disabled.contains("from this deal"), "{disabled}");
    // The words are the render's only: the next render without a CRM speaks the demo's.
    assert!(render_html(panel("R", OpportunityState::NotLinked), Locale::EN_US).contains("CRM admin"));
}

/// A priced design shows its total and price per watt beside its figures, and how the
/// price is made (Aurora's parts in its order, storage's after, zeros left out); an
/// unpriced one shows no price at all, and no error.
#[test]
fn a_price_reads_as_money_in_the_reps_locale_and_its_absence_is_quiet() {
    let priced = |price| {
        let state = states().into_iter().find(|s| matches!(s, OpportunityState::DesignReady { .. })).expect("a design");
        match state {
            OpportunityState::DesignReady { project_id, aurora_url, design } => OpportunityState::DesignReady {
                project_id,
                aurora_url,
                design: Box::new(DesignView { price, ..*design }),
            },
            other => other,
        }
    };
    let html = render_html(panel("R", priced(Some(widget_view::gallery::seed_price()))), Locale::EN_US);
    assert!(html.contains("$28,475 ($2.85/W)"), "{html}");
    for part in [
        "Base price",
        "$18,525",
        "Adders",
        "$450",
        "Discounts",
        "-$300",
        "Incentives",
        "-$1,000",
        "Storage: base price",
        "$10,800",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    assert!(!html.contains("Starting price"), "a part of zero is left out: {html}");
    let de = render_html(panel("R", priced(Some(widget_view::gallery::seed_price()))), Locale::from_tag("de-DE"));
    assert!(de.contains("$28.475 ($2,85/W)"), "{de}");
    let unpriced = render_html(panel("R", priced(None)), Locale::EN_US);
    assert!(!unpriced.contains("data-testid=\"price\"") && !unpriced.contains("section-price"), "{unpriced}");
}
