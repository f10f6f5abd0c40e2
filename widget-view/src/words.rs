//! The CRM's own words for what the widget speaks of: its record (an opportunity in
//! Salesforce and the demo CRM, a deal in HubSpot and Pipedrive), its admin and where its
//! apps are installed from; and how much room the CRM gives it ([`Surface`]). Set around
//! each render on the worker, as the locale is (`format`).

use std::cell::Cell;

/// Whose words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Crm {
    /// The demo CRM, and a CRM the page does not name.
    #[default]
    Demo,
    /// Salesforce.
    Salesforce,
    /// HubSpot.
    HubSpot,
    /// Pipedrive.
    Pipedrive,
}

impl Crm {
    /// From the worker's CRM names (`salesforce`, ...); the demo CRM's words otherwise.
    pub fn from_name(name: &str) -> Crm {
        match name {
            "salesforce" => Crm::Salesforce,
            "hubspot" => Crm::HubSpot,
            "pipedrive" => Crm::Pipedrive,
            _ => Crm::Demo,
        }
    }
}

thread_local! {
    static CURRENT: Cell<Crm> = const { Cell::new(Crm::Demo) };
}

/// Runs `render` speaking `crm`'s words, then goes back to those before.
pub fn with_crm<T>(crm: Crm, render: impl FnOnce() -> T) -> T {
    let before = CURRENT.replace(crm);
    let out = render();
    CURRENT.set(before);
    out
}

/// One CRM's nouns.
struct Nouns {
    crm: &'static str,
    record: &'static str,
    a_record: &'static str,
    records: &'static str,
    account: &'static str,
    admin: &'static str,
    marketplace: &'static str,
}

/// Each CRM's nouns (its users' words, its marketplace's own name).
fn nouns() -> &'static Nouns {
    const OPPORTUNITY: (&str, &str, &str) = ("opportunity", "an opportunity", "opportunities");
    const DEAL: (&str, &str, &str) = ("deal", "a deal", "deals");
    const fn of(
        crm: &'static str,
        (record, a_record, records): (&'static str, &'static str, &'static str),
        account: &'static str,
        admin: &'static str,
        marketplace: &'static str,
    ) -> Nouns {
        Nouns { crm, record, a_record, records, account, admin, marketplace }
    }
    const DEMO: Nouns = of("your CRM", OPPORTUNITY, "CRM account", "CRM admin", "the demo CRM's marketplace");
    const SALESFORCE: Nouns = of("Salesforce", OPPORTUNITY, "Salesforce org", "Salesforce admin", "AppExchange");
    const HUBSPOT: Nouns = of("HubSpot", DEAL, "HubSpot account", "HubSpot Super Admin", "the HubSpot App Marketplace");
    const PIPEDRIVE: Nouns = of("Pipedrive", DEAL, "Pipedrive company", "Pipedrive admin", "the Pipedrive Marketplace");
    match CURRENT.get() {
        Crm::Demo => &DEMO,
        Crm::Salesforce => &SALESFORCE,
        Crm::HubSpot => &HUBSPOT,
        Crm::Pipedrive => &PIPEDRIVE,
    }
}

/// The CRM by name ("Salesforce"), or "your CRM" for one the page does not name.
pub fn crm() -> &'static str {
    nouns().crm
}

/// The record a project is made for: "opportunity" or "deal".
pub fn record() -> &'static str {
    nouns().record
}

/// One record, with its article: "an opportunity" or "a deal".
pub fn a_record() -> &'static str {
    nouns().a_record
}

/// The same, more than one: "opportunities" or "deals".
pub fn records() -> &'static str {
    nouns().records
}

/// The CRM's account the app is installed in, after "your".
pub fn account() -> &'static str {
    nouns().account
}

/// Who installs and sets up apps in the CRM, after "your".
pub fn admin() -> &'static str {
    nouns().admin
}

pub use widget_api::Surface;

thread_local! {
    static SURFACE: Cell<Surface> = const { Cell::new(Surface::Panel) };
}

/// Runs `render` for `surface`, then goes back to the one before.
pub fn with_surface<T>(surface: Surface, render: impl FnOnce() -> T) -> T {
    let before = SURFACE.replace(surface);
    let out = render();
    SURFACE.set(before);
    out
}

/// The surface being rendered for.
pub fn surface() -> Surface {
    SURFACE.get()
}

/// Where the app is installed from (installing it again leads an admin to its settings).
pub fn marketplace() -> &'static str {
    nouns().marketplace
}
