//! The sandbox's CRM stand-ins, as xtask knows them: one list. A new stand-in is one entry
//! here (beside its folder in `sandbox/src` and its flags in the sandbox's CLI); the local
//! system, `cargo xtask dev`, the e2e and conformance suites and the benchmarks find it
//! through [`STAND_INS`].

use crate::local_system::{DEV_TENANT, HUBSPOT_TENANT, PIPEDRIVE_TENANT, SALESFORCE_TENANT};

/// A CRM stand-in of the sandbox.
pub struct StandIn {
    /// Its key: the sandbox's `--<key>-listen` flag, and the suites' `E2E_<KEY>_URL`,
    /// `E2E_<KEY>_TENANT`, `CONFORMANCE_<KEY>_URL` and `CONFORMANCE_<KEY>_CLIENT_SECRET`.
    pub key: &'static str,
    /// Its port under `cargo xtask dev` (and in `worker/.dev.vars`).
    pub dev_port: u16,
    /// The variable naming the client id the stand-in issued our app (the sandbox and the
    /// worker read the same one), and the id, the stand-in's default.
    pub client_id: (&'static str, &'static str),
    /// The variable holding the client secret it issued our app: generated for each test
    /// run, and once per machine for `cargo xtask dev`.
    pub client_secret: &'static str,
    /// The Aurora tenant its admin links in the e2e journey and in the dev steps.
    pub tenant: &'static str,
    /// The worker's settings saying where the stand-in is, given its URL.
    pub worker_env: fn(url: &str) -> Vec<(&'static str, String)>,
    /// The sandbox's further settings for it.
    pub sandbox_env: fn() -> Vec<(&'static str, String)>,
    /// What `cargo xtask dev` tells a newcomer to do in it, given its URL and Aurora's.
    pub dev_steps: fn(url: &str, aurora: &str) -> Vec<String>,
}

/// Every CRM stand-in, in the order `cargo xtask dev` walks through them.
pub const STAND_INS: [StandIn; 4] = [DEMO_CRM, SALESFORCE, PIPEDRIVE, HUBSPOT];

/// Every fixture user's password in the stand-ins, as their sign-in pages say.
const PASSWORD: &str = "demo";

pub const DEMO_CRM: StandIn = StandIn {
    key: "crm",
    dev_port: 8791,
    client_id: ("DEMO_CRM_CLIENT_ID", "aurora-solar-for-crms"),
    client_secret: "DEMO_CRM_CLIENT_SECRET",
    tenant: DEV_TENANT,
    worker_env: |url| vec![("ALLOWED_CRM_ORIGINS", url.to_owned()), ("DEMO_CRM_BASE_URL", url.to_owned())],
    sandbox_env: Vec::new,
    dev_steps: |url, aurora| {
        vec![
            format!("As the CRM admin, install the app:  {url}/marketplace"),
            format!("     sign in as ada@sunrise.example / {PASSWORD}, click Install, then Allow and install;"),
            format!(
                "     then link the Aurora tenant: open {aurora}/apps, click Open for tenant {DEV_TENANT}, and enter the code it shows on the settings page"
            ),
            format!("     (Northwind's admin links the other tenant, {})", crate::local_system::SECOND_TENANT),
            format!("   As a rep, open an opportunity:      {url}/"),
            format!("     sign in as ana@sunrise.example / {PASSWORD}, open one, click Create Aurora Project"),
            "     (another company's rep: ben@northwind.example; its admin: nia@northwind.example)".to_owned(),
        ]
    },
};

pub const SALESFORCE: StandIn = StandIn {
    key: "salesforce",
    dev_port: 8792,
    client_id: ("SALESFORCE_CONSUMER_KEY", "aurora-solar-canvas-local-consumer-key"),
    client_secret: "SALESFORCE_CONSUMER_SECRET",
    tenant: SALESFORCE_TENANT,
    worker_env: |url| vec![("SALESFORCE_LOGIN_URL", url.to_owned())],
    // AppExchange checks our package as Salesforce would deploy it.
    sandbox_env: || vec![("SALESFORCE_PACKAGE_DIR", crate::tools::root().join("salesforce").display().to_string())],
    dev_steps: |url, aurora| {
        // Lightning pages are on `localhost`; My Domain (login, API) on 127.0.0.1.
        let lightning = url.replace("127.0.0.1", "localhost");
        vec![
            format!("In Salesforce (local), install:     {lightning}/appexchange"),
            format!(
                "     Get It Now, log in as alex@sunrise-solar.example / {PASSWORD}, Allow; link tenant {SALESFORCE_TENANT} as above ({aurora}/apps, Open)"
            ),
            format!(
                "     then Sign out and log in as riley@sunrise-solar.example / {PASSWORD} at {lightning}/lightning/o/Opportunity/list"
            ),
        ]
    },
};

pub const PIPEDRIVE: StandIn = StandIn {
    key: "pipedrive",
    dev_port: 8793,
    client_id: ("PIPEDRIVE_CLIENT_ID", "aurora-solar-pipedrive-local-client"),
    client_secret: "PIPEDRIVE_CLIENT_SECRET",
    tenant: PIPEDRIVE_TENANT,
    worker_env: |url| {
        vec![
            ("PIPEDRIVE_OAUTH_URL", url.to_owned()),
            ("PIPEDRIVE_FRAME_ORIGINS", url.to_owned()),
            // The local Pipedrive's custom modal (its `--pipedrive-design-modal-id` default).
            ("PIPEDRIVE_DESIGN_MODAL", "9c1d4e2a-6b7f-4a38-8e15-a0b3c5d7e9f1".to_owned()),
        ]
    },
    sandbox_env: Vec::new,
    dev_steps: |url, _| {
        vec![
            format!("In Pipedrive (local), install:      {url}/marketplace"),
            format!(
                "     log in as hana@helio.example / {PASSWORD}, Install now, Allow and install; link tenant {PIPEDRIVE_TENANT} as above"
            ),
            format!(
                "     then Sign out, log in as rui@helio.example / {PASSWORD}, Install now and Allow and install (each rep installs for themself), and open {url}/deal/1"
            ),
        ]
    },
};

/// Our app's id in the local HubSpot (its default).
const HUBSPOT_APP_ID: &str = "4242001";

pub const HUBSPOT: StandIn = StandIn {
    key: "hubspot",
    dev_port: 8794,
    client_id: ("HUBSPOT_CLIENT_ID", "aurora-solar-hubspot-local-client"),
    client_secret: "HUBSPOT_CLIENT_SECRET",
    tenant: HUBSPOT_TENANT,
    worker_env: |url| {
        vec![
            ("HUBSPOT_APP_ID", HUBSPOT_APP_ID.to_owned()),
            ("HUBSPOT_OAUTH_URL", url.to_owned()),
            ("HUBSPOT_API_URL", url.to_owned()),
            ("HUBSPOT_FRAME_ORIGINS", url.to_owned()),
        ]
    },
    sandbox_env: || {
        vec![
            ("HUBSPOT_APP_ID", HUBSPOT_APP_ID.to_owned()),
            ("HUBSPOT_CARD_JS", crate::hubspot_card::bundle_path().display().to_string()),
        ]
    },
    dev_steps: |url, _| {
        vec![
            format!("In HubSpot (local), install:        {url}/marketplace"),
            format!(
                "     log in as sam@summit.example / {PASSWORD} (a Super Admin), Install app, Connect app; link tenant {HUBSPOT_TENANT} as above"
            ),
            format!(
                "     then Sign out and log in as sky@summit.example / {PASSWORD}, open {url}/deal/5001, and click Create Aurora Project on the card"
            ),
        ]
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys name flags and variables; ports and variables must not collide.
    #[test]
    fn keys_ports_and_variables_are_each_used_once() {
        let mut seen = std::collections::HashSet::new();
        for s in &STAND_INS {
            assert!(s.key.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", s.key);
            for thing in
                [s.key.to_owned(), s.dev_port.to_string(), s.client_id.0.to_owned(), s.client_secret.to_owned()]
            {
                assert!(seen.insert(thing.clone()), "{thing} is used twice");
            }
        }
    }
}
