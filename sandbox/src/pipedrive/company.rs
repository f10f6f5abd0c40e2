//! The local Pipedrive's data: two companies with their users, organizations (with
//! addresses), persons (with postal addresses), deals, deal fields (keys are 40-character
//! hashes, different per company), our app's OAuth grants, webhook subscriptions and
//! deliveries. In memory: it starts afresh each run.

use crate::kit::{desk::Sessions, oauth::Grants};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// The password of every fixture user.
pub const PASSWORD: &str = "demo";

#[derive(Debug, Clone)]
pub struct Company {
    pub id: u64,
    pub name: String,
    pub domain: String,
    /// Our app is installed (an admin allowed it).
    pub installed: bool,
    /// The users who installed it: "Custom UI extensions are visible only to users who have
    /// installed the app" (https://pipedrive.readme.io/docs/custom-ui-extensions).
    pub installed_for: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct PdUser {
    pub id: u64,
    pub company_id: u64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    /// The user's Pipedrive theme: dark or not (light, every user's default).
    pub dark_theme: bool,
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: u64,
    pub company_id: u64,
    pub name: String,
    pub address: Value,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: u64,
    pub company_id: u64,
    pub name: String,
    pub postal_address: Value,
}

#[derive(Debug, Clone)]
pub struct Deal {
    pub id: u64,
    pub company_id: u64,
    pub title: String,
    pub org_id: Option<u64>,
    pub person_id: Option<u64>,
    /// Its owner.
    pub owner_id: u64,
    /// Who sees it (`visible_to`): `1` its owner and followers, `3` the entire company, the
    /// two values every plan has (https://developers.pipedrive.com/docs/api/v1/Deals).
    pub visible_to: u8,
    /// Custom field values by key.
    pub custom_fields: BTreeMap<String, Value>,
    /// Its stage (one of [`STAGES`]).
    pub stage_id: u64,
    /// `open`, `won` or `lost`: Pipedrive closes a deal by its status, not its stage.
    pub status: String,
    /// Its value (amount), in the company's currency.
    pub value: Option<f64>,
}

/// Every company's default pipeline (`1`, "Pipeline") and its stages: id, name, order.
pub const STAGES: &[(u64, &str, i64)] =
    &[(1, "Lead In", 1), (2, "Contact Made", 2), (3, "Proposal Made", 3), (4, "Negotiations Started", 4)];

#[derive(Debug, Clone)]
pub struct DealField {
    pub company_id: u64,
    pub key: String,
    pub name: String,
    pub field_type: String,
}

/// Who installed our app, in which company: whom its grants are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installer {
    pub user_id: u64,
    pub company_id: u64,
}

/// An access token.
#[derive(Debug, Clone)]
pub struct Grant {
    pub user_id: u64,
    pub company_id: u64,
    pub expires: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Webhook {
    pub id: u64,
    pub company_id: u64,
    pub subscription_url: String,
    pub event_action: String,
    pub event_object: String,
    pub version: String,
    /// Listed back, as Pipedrive's `GET /v1/webhooks` does (its `http_auth_user` and
    /// `http_auth_password`: https://developers.pipedrive.com/docs/api/v1/Webhooks#getWebhooks).
    pub http_auth_user: String,
    pub http_auth_password: String,
}

/// A webhook delivery: what was sent, and each attempt's status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub event_id: String,
    pub company_id: u64,
    pub subscription_url: String,
    pub attempts: Vec<u16>,
}

#[derive(Debug, Default)]
pub struct Data {
    pub companies: Vec<Company>,
    pub users: Vec<PdUser>,
    pub organizations: Vec<Organization>,
    pub persons: Vec<Person>,
    pub deals: Vec<Deal>,
    pub deal_fields: Vec<DealField>,
    pub web_sessions: Sessions<u64>,
    /// Our app's codes and refresh tokens.
    pub grants: Grants<Installer>,
    pub access_tokens: HashMap<String, Grant>,
    pub webhooks: Vec<Webhook>,
    pub deliveries: Vec<Delivery>,
    /// Panels framed on deal pages, and the custom modals they opened: runtime id ->
    /// (user, deal).
    pub panels: HashMap<String, (u64, u64)>,
    pub next_id: u64,
    /// Notes on deals.
    pub notes: Vec<Note>,
    /// Files attached to deals.
    pub files: Vec<PdFile>,
}

/// A file attached to a deal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PdFile {
    pub id: u64,
    pub company_id: u64,
    pub deal_id: u64,
    pub name: String,
    pub file_size: usize,
}

/// A note on a deal (its content is HTML, sanitized by Pipedrive).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Note {
    pub id: u64,
    pub company_id: u64,
    pub deal_id: u64,
    pub content: String,
}

/// An address as Pipedrive v2 answers it.
pub fn address(street_number: &str, route: &str, locality: &str, state: &str, postal_code: &str) -> Value {
    json!({
        "value": format!("{street_number} {route}, {locality}, {state} {postal_code}, USA"),
        "street_number": street_number, "route": route, "sublocality": null, "locality": locality,
        "admin_area_level_1": state, "admin_area_level_2": null, "country": "United States",
        "postal_code": postal_code, "formatted_address": format!("{street_number} {route}, {locality}, {state} {postal_code}, USA"),
    })
}

impl Data {
    /// The company no longer has our app: its tokens and webhooks go.
    pub fn uninstall(&mut self, company: u64) {
        self.access_tokens.retain(|_, g| g.company_id != company);
        self.grants.forget(|installer| installer.company_id == company);
        self.webhooks.retain(|w| w.company_id != company);
        if let Some(c) = self.companies.iter_mut().find(|c| c.id == company) {
            c.installed = false;
            c.installed_for.clear();
        }
    }

    /// Helio Homes (1001) and Coastline Power (1002), each with an admin and a rep.
    pub fn fixtures() -> Data {
        let mut data = Data { next_id: 100, ..Data::default() };
        for (company, name, domain, admin, rep) in [
            (
                1001,
                "Helio Homes",
                "helio-homes",
                ("Hana Admin", "hana@helio.example"),
                ("Rui Rep", "rui@helio.example"),
            ),
            (
                1002,
                "Coastline Power",
                "coastline",
                ("Cole Admin", "cole@coastline.example"),
                ("Cara Rep", "cara@coastline.example"),
            ),
        ] {
            data.companies.push(Company {
                id: company,
                name: name.into(),
                domain: domain.into(),
                installed: false,
                installed_for: Vec::new(),
            });
            let base = (company - 1000) * 10;
            data.users.push(PdUser {
                id: base + 1,
                company_id: company,
                name: admin.0.into(),
                email: admin.1.into(),
                is_admin: true,
                dark_theme: false,
            });
            data.users.push(PdUser {
                id: base + 2,
                company_id: company,
                name: rep.0.into(),
                email: rep.1.into(),
                is_admin: false,
                dark_theme: false,
            });
            // Every company has an address-type custom field on deals.
            data.deal_fields.push(DealField {
                company_id: company,
                key: field_key(),
                name: "Site address".into(),
                field_type: "address".into(),
            });
        }
        let homes = [
            (1001, "Rivera household", address("901", "Mears Ct", "Stanford", "CA", "94305"), Value::Null),
            (
                1001,
                "Okafor household",
                Value::Null,
                address("1600", "Amphitheatre Pkwy", "Mountain View", "CA", "94043"),
            ),
            (1002, "Nguyen household", address("3", "Tuscan Way", "Austin", "TX", "78701"), Value::Null),
        ];
        for (i, (company, name, org_address, postal)) in homes.into_iter().enumerate() {
            let n = i as u64 + 1;
            data.organizations.push(Organization {
                id: 100 + n,
                company_id: company,
                name: name.into(),
                address: org_address,
            });
            data.persons.push(Person {
                id: 200 + n,
                company_id: company,
                name: format!("{} contact", name),
                postal_address: postal,
            });
            let rep = data.users.iter().find(|u| u.company_id == company && !u.is_admin).map_or(0, |u| u.id);
            data.deals.push(Deal {
                id: n,
                company_id: company,
                title: format!("{} - Rooftop Solar", name.trim_end_matches(" household")),
                org_id: Some(100 + n),
                person_id: Some(200 + n),
                owner_id: rep,
                visible_to: 3,
                custom_fields: BTreeMap::new(),
                stage_id: 1,
                status: "open".into(),
                value: None,
            });
        }
        // One deal Helio's admin keeps to themself: its rep may not see it.
        let admin = data.users.iter().find(|u| u.company_id == 1001 && u.is_admin).map_or(0, |u| u.id);
        data.deals.push(Deal {
            id: 9,
            company_id: 1001,
            title: "Rivera - Battery (private)".into(),
            org_id: Some(101),
            person_id: Some(201),
            owner_id: admin,
            visible_to: 1,
            custom_fields: BTreeMap::new(),
            stage_id: 1,
            status: "open".into(),
            value: None,
        });
        data
    }

    /// The users who may see `deal`: everyone in its company when it is visible to the
    /// entire company, else its owner; the company's admins always.
    pub fn permitted_users(&self, deal: &Deal) -> Vec<u64> {
        self.users
            .iter()
            .filter(|u| u.company_id == deal.company_id)
            .filter(|u| deal.visible_to == 3 || u.id == deal.owner_id || u.is_admin)
            .map(|u| u.id)
            .collect()
    }

    pub fn user(&self, id: u64) -> Option<&PdUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn company(&self, id: u64) -> Option<&Company> {
        self.companies.iter().find(|c| c.id == id)
    }

    pub fn next_record_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// A 40-character hex key, as Pipedrive gives custom fields.
pub fn field_key() -> String {
    let mut rng = rand::rng();
    (0..40).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect()
}
