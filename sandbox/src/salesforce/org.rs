//! The local Salesforce's data: two orgs with their users, Accounts (with billing
//! addresses) and Opportunities, our app's OAuth grants and tokens, and each org's API
//! usage. In memory: it starts afresh each run.

use crate::kit::{
    desk::Sessions,
    oauth::{Grants, random_token},
};
use std::collections::{BTreeMap, HashMap};

/// The password of every fixture user.
pub const PASSWORD: &str = "demo";

/// An org (a Salesforce customer).
#[derive(Debug, Clone)]
pub struct Org {
    pub id: String,
    pub name: String,
    /// The org's "My Domain" name: its Lightning page and instance share it.
    pub my_domain: String,
    /// Person Accounts enabled: Accounts have `PersonMailing*` fields (elsewhere, naming
    /// them in SOQL is `INVALID_FIELD`).
    pub person_accounts: bool,
}

/// A user of an org.
#[derive(Debug, Clone)]
pub struct SfUser {
    pub id: String,
    pub org_id: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    /// "Modify All Data": a System Administrator.
    pub modify_all_data: bool,
    /// Pre-authorized for our app by the admin (the app's policy is "Admin approved users
    /// are pre-authorized" and the user has the Aurora Solar User permission set): the
    /// canvas POSTs them a signed request; others get a GET with `_sfdc_canvas_auth`.
    pub canvas_pre_authorized: bool,
}

impl SfUser {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// An Account with its addresses (compound fields by name: `BillingStreet`, ...).
#[derive(Debug, Clone)]
pub struct SfAccount {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub address: BTreeMap<String, serde_json::Value>,
}

/// An Opportunity.
#[derive(Debug, Clone)]
pub struct SfOpportunity {
    pub id: String,
    pub org_id: String,
    pub account_id: Option<String>,
    pub name: String,
    /// Who owns it: with the org-wide default *Private* for Opportunities, its owner and
    /// whoever may view all data see it, nobody else.
    pub owner_id: String,
    /// Users it is shared with besides its owner (manual shares, `OpportunityShare`).
    pub shared_with: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    /// Custom fields apps write (the package's fields: see [`CUSTOM_FIELDS`]).
    pub custom: BTreeMap<String, serde_json::Value>,
    /// `StageName`: one of [`OPPORTUNITY_STAGES`].
    pub stage_name: String,
}

/// A new org's Opportunity stages (`OpportunityStage`): API name, place, closed, won. The
/// `ApiName` and `MasterLabel` of a new org's stages are the same words.
pub const OPPORTUNITY_STAGES: &[(&str, i64, bool)] = &[
    ("Prospecting", 1, false),
    ("Qualification", 2, false),
    ("Needs Analysis", 3, false),
    ("Value Proposition", 4, false),
    ("Id. Decision Makers", 5, false),
    ("Perception Analysis", 6, false),
    ("Proposal/Price Quote", 7, false),
    ("Negotiation/Review", 8, false),
    ("Closed Won", 9, true),
    ("Closed Lost", 10, true),
];

/// The custom Opportunity fields our package defines: API name, label, and whether a
/// number (else text). The worker's `crm::salesforce::fields` names the same.
pub const CUSTOM_FIELDS: &[(&str, &str, bool)] = &[
    ("Aurora_System_Size_kW__c", "Aurora System Size (kW)", true),
    ("Aurora_Annual_Production_kWh__c", "Aurora Annual Production (kWh)", true),
    ("Aurora_Offset_Percent__c", "Aurora Offset (%)", true),
    ("Aurora_Project_URL__c", "Aurora Project", false),
    ("Aurora_Design_Status__c", "Aurora Design Status", false),
    ("Aurora_System_Price__c", "Aurora System Price", true),
];

/// The parts of an Account's compound address fields.
pub const ADDRESS_PARTS: &[&str] = &["Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude"];

/// The compound addresses of an Account: every org has `Billing` and `Shipping`; orgs with
/// Person Accounts also `PersonMailing`.
pub fn address_prefixes(person_accounts: bool) -> &'static [&'static str] {
    if person_accounts { &["Billing", "Shipping", "PersonMailing"] } else { &["Billing", "Shipping"] }
}

/// An access token: whose, and until when.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub org_id: String,
    /// When it times out: Salesforce counts a session's timeout on the clock, not in whole
    /// seconds (a token issued at 10.9 s with a 1 s timeout still works at 11.5 s).
    pub expires_ms: i64,
    /// The refresh token it came from (revoking that ends it), if any.
    pub refresh_token: Option<String>,
}

/// Everything the local Salesforce holds.
#[derive(Debug, Default)]
pub struct Data {
    pub orgs: Vec<Org>,
    pub users: Vec<SfUser>,
    pub accounts: Vec<SfAccount>,
    pub opportunities: Vec<SfOpportunity>,
    /// Browser sign-ins (cookie value -> user id).
    pub web_sessions: Sessions<String>,
    /// Our app's codes and refresh tokens (by user id).
    pub grants: Grants<String>,
    /// Access tokens, our app's and the users' own (a canvas signed request carries one).
    pub sessions: HashMap<String, Session>,
    /// Orgs where an admin approved our app (the canvas shows on their record pages).
    pub installed_orgs: Vec<String>,
    /// API calls per org today.
    pub api_calls: HashMap<String, u64>,
    /// Canvas frames handed to the intermediary page: ticket -> (user, opportunity).
    pub canvas_frames: HashMap<String, (String, String)>,
    /// Canvases loaded, for the parent's answer to `refreshSignedRequest`: key ->
    /// (user, opportunity, the `recordId` passed, the signed request it was loaded with).
    pub canvases: HashMap<String, (String, String, String, String)>,
    /// Next record number.
    pub next_record: u32,
    /// Tasks logged on records (the Activity timeline).
    pub tasks: Vec<SfTask>,
    /// Files uploaded and shared with records (ContentVersion).
    pub files: Vec<SfFile>,
}

/// A file shared with a record (a ContentVersion and its `FirstPublishLocationId`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SfFile {
    pub id: String,
    pub org_id: String,
    pub record_id: String,
    pub title: String,
    pub path_on_client: String,
    pub size: usize,
}

/// A Task: an activity on a record (`WhatId`), shown on its Activity timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SfTask {
    pub id: String,
    pub org_id: String,
    pub what_id: String,
    pub owner_id: String,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub activity_date: Option<String>,
}

/// An 18-character record id with the key prefix `prefix` (`006` Opportunity, ...).
pub fn record_id(prefix: &str, org_number: u8, n: u32) -> String {
    format!("{prefix}8a0000{org_number}{n:05}AAA")
}

impl Data {
    /// Two orgs, each with an admin and a rep, Accounts and Opportunities.
    pub fn fixtures(now: i64) -> Data {
        let mut data = Data { next_record: 100, ..Data::default() };
        let orgs = [(1u8, "Sunrise Solar", "sunrise-solar"), (2, "Bright Roofs Energy", "bright-roofs")];
        for (n, name, domain) in orgs {
            let org_id = format!("00D8a0000{n}00001AAA");
            // Sunrise sells to households as Person Accounts; Bright Roofs has none.
            data.orgs.push(Org {
                id: org_id.clone(),
                name: name.into(),
                my_domain: domain.into(),
                person_accounts: n == 1,
            });
            // Casey is a rep the admin has not given the permission set yet.
            let people =
                [("Alex", "Admin", true, true), ("Riley", "Rep", false, true), ("Casey", "Newhire", false, false)];
            for (k, (first, last, admin, pre_authorized)) in people.into_iter().enumerate() {
                data.users.push(SfUser {
                    id: record_id("005", n, k as u32 + 1),
                    org_id: org_id.clone(),
                    username: format!("{}@{domain}.example", first.to_lowercase()),
                    first_name: first.into(),
                    last_name: last.into(),
                    modify_all_data: admin,
                    canvas_pre_authorized: pre_authorized,
                });
            }
        }
        // (org, household, street, city, state, postal code, latitude, longitude)
        type Home = (u8, &'static str, &'static str, &'static str, &'static str, &'static str, f64, f64);
        let homes: [Home; 4] = [
            (1, "Rivera Household", "901 Mears Ct", "Stanford", "CA", "94305", 37.4219, -122.1651),
            (1, "Okafor Household", "1600 Amphitheatre Pkwy", "Mountain View", "CA", "94043", 37.4220, -122.0841),
            (2, "Nguyen Household", "3 Tuscan Way", "Austin", "TX", "78701", 30.2672, -97.7431),
            (2, "Schmidt Household", "77 Massachusetts Ave", "Cambridge", "MA", "02139", 42.3601, -71.0942),
        ];
        for (i, (n, name, street, city, state, zip, lat, lng)) in homes.into_iter().enumerate() {
            let org_id = format!("00D8a0000{n}00001AAA");
            let account_id = record_id("001", n, i as u32 + 1);
            // Sunrise's second household is a Person Account: its address is its mailing
            // address, its billing address empty (business Accounts: billing and shipping).
            let person = i == 1;
            let parts: [serde_json::Value; 7] =
                [street.into(), city.into(), state.into(), zip.into(), "United States".into(), lat.into(), lng.into()];
            let mut address = BTreeMap::new();
            for prefix in address_prefixes(n == 1) {
                let filled = if person { *prefix == "PersonMailing" } else { *prefix != "PersonMailing" };
                for (part, value) in ADDRESS_PARTS.iter().zip(&parts) {
                    let value = if filled { value.clone() } else { serde_json::Value::Null };
                    address.insert(format!("{prefix}{part}"), value);
                }
            }
            data.accounts.push(SfAccount {
                id: account_id.clone(),
                org_id: org_id.clone(),
                name: name.into(),
                address,
            });
            data.opportunities.push(SfOpportunity {
                id: record_id("006", n, i as u32 + 1),
                org_id,
                account_id: Some(account_id),
                name: format!("{} - Rooftop Solar", name.trim_end_matches(" Household")),
                // The reps own the households' Opportunities; Riley shared Rivera's with Casey.
                owner_id: record_id("005", n, 2),
                shared_with: if i == 0 { vec![record_id("005", n, 3)] } else { Vec::new() },
                created: now - 86_400,
                custom: BTreeMap::new(),
                stage_name: "Prospecting".into(),
            });
        }
        // One the admin keeps to themself: no rep may see it.
        data.opportunities.push(SfOpportunity {
            id: record_id("006", 1, 9),
            org_id: "00D8a0000100001AAA".into(),
            account_id: Some(record_id("001", 1, 1)),
            name: "Rivera - Battery (private)".into(),
            owner_id: record_id("005", 1, 1),
            shared_with: Vec::new(),
            created: now - 3_600,
            custom: BTreeMap::new(),
            stage_name: "Prospecting".into(),
        });
        data
    }

    pub fn org(&self, id: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.id == id)
    }

    pub fn user(&self, id: &str) -> Option<&SfUser> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Whether `user` may read `opportunity`: Opportunities are *Private* org-wide, so their
    /// owner, whom it is shared with, and users with "Modify All Data" (which includes "View
    /// All Data") may.
    pub fn may_read(&self, user: &SfUser, opportunity: &SfOpportunity) -> bool {
        opportunity.org_id == user.org_id
            && (user.modify_all_data || opportunity.owner_id == user.id || opportunity.shared_with.contains(&user.id))
    }

    /// The id of the Opportunity `id` names, when `session`'s user may read it (what a
    /// record written beside it, a Task or a file, may point at).
    pub fn readable_opportunity(&self, session: &Session, id: &str) -> Option<String> {
        let user = self.user(&session.user_id)?;
        self.opportunity(&session.org_id, id).filter(|o| self.may_read(user, o)).map(|o| o.id.clone())
    }

    /// A new record's id in `org_id`, with the key prefix `prefix`.
    pub fn new_record_id(&mut self, org_id: &str, prefix: &str) -> String {
        let org_number = self.orgs.iter().position(|o| o.id == org_id).unwrap_or(0) as u8 + 1;
        self.next_record += 1;
        record_id(prefix, org_number, self.next_record)
    }

    pub fn opportunity(&self, org_id: &str, id: &str) -> Option<&SfOpportunity> {
        // 15-character ids name the same record as their 18-character form.
        self.opportunities
            .iter()
            .find(|o| o.org_id == org_id && (o.id == id || (id.len() == 15 && o.id.starts_with(id))))
    }

    /// A new access token for `user_id` (from `refresh_token`, if any), good `ttl` seconds.
    pub fn new_session(
        &mut self,
        user_id: &str,
        refresh_token: Option<String>,
        ttl_seconds: i64,
        now_ms: i64,
    ) -> String {
        let org_id = self.user(user_id).map(|u| u.org_id.clone()).unwrap_or_default();
        // Salesforce access tokens start with the org id and `!`.
        let token = format!("{}!AR{}", &org_id[..15.min(org_id.len())], random_token(60));
        self.sessions.insert(
            token.clone(),
            Session { user_id: user_id.into(), org_id, expires_ms: now_ms + ttl_seconds * 1000, refresh_token },
        );
        token
    }
}
