//! The CRM's own words for what the widget speaks of: its record (an opportunity in
//! Salesforce and the demo CRM, a deal in HubSpot and Pipedrive), its admin and where its
//! apps are installed from. Set for the page's life in the browser (from the page's
//! `data-crm`), and around each render on the worker, as the locale is (`format`).

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
    /// From the page's `data-crm` (the worker's CRM names); the demo CRM's words otherwise.
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

/// Speaks `crm`'s words from now on (the widget, once it knows its page's CRM).
pub fn use_crm(crm: Crm) {
    CURRENT.set(crm);
}

/// Runs `render` speaking `crm`'s words, then goes back to those before.
pub fn with_crm<T>(crm: Crm, render: impl FnOnce() -> T) -> T {
    let before = CURRENT.replace(crm);
    let out = render();
    CURRENT.set(before);
    out
}

/// The record a project is made for: "opportunity" or "deal".
pub fn record() -> &'static str {
    match CURRENT.get() {
        Crm::Demo | Crm::Salesforce => "opportunity",
        Crm::HubSpot | Crm::Pipedrive => "deal",
    }
}

/// One record, with its article: "an opportunity" or "a deal".
pub fn a_record() -> &'static str {
    match CURRENT.get() {
        Crm::Demo | Crm::Salesforce => "an opportunity",
        Crm::HubSpot | Crm::Pipedrive => "a deal",
    }
}

/// The same, more than one: "opportunities" or "deals".
pub fn records() -> &'static str {
    match CURRENT.get() {
        Crm::Demo | Crm::Salesforce => "opportunities",
        Crm::HubSpot | Crm::Pipedrive => "deals",
    }
}

/// The CRM's account the app is installed in, after "your".
pub fn account() -> &'static str {
    match CURRENT.get() {
        Crm::Demo => "CRM account",
        Crm::Salesforce => "Salesforce org",
        Crm::HubSpot => "HubSpot account",
        Crm::Pipedrive => "Pipedrive company",
    }
}

/// Who installs and sets up apps in the CRM, after "your".
pub fn admin() -> &'static str {
    match CURRENT.get() {
        Crm::Demo => "CRM admin",
        Crm::Salesforce => "Salesforce admin",
        Crm::HubSpot => "HubSpot Super Admin",
        Crm::Pipedrive => "Pipedrive admin",
    }
}

/// Where the app is installed from (installing it again leads an admin to its settings).
pub fn marketplace() -> &'static str {
    match CURRENT.get() {
        Crm::Demo => "the demo CRM's marketplace",
        Crm::Salesforce => "AppExchange",
        Crm::HubSpot => "the HubSpot App Marketplace",
        Crm::Pipedrive => "the Pipedrive Marketplace",
    }
}
