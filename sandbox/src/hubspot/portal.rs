//! The local HubSpot's data: two portals with their users, companies and contacts (with
//! HubSpot's default address properties), deals associated with them, the deal
//! properties each portal has, our app's grants and webhook deliveries. In memory: it
//! starts afresh each run.

use crate::kit::{desk::Sessions, oauth::Grants};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The password of every fixture user.
pub const PASSWORD: &str = "demo";

#[derive(Debug, Clone)]
pub struct Portal {
    pub id: u64,
    pub name: String,
    pub domain: String,
    /// Our app is installed.
    pub installed: bool,
    /// Deal properties beyond HubSpot's defaults, by name.
    pub deal_properties: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct HsUser {
    pub id: u64,
    pub portal_id: u64,
    pub email: String,
    pub super_admin: bool,
}

/// A company or a contact: its properties.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: u64,
    pub portal_id: u64,
    pub properties: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Deal {
    pub id: u64,
    pub portal_id: u64,
    pub properties: BTreeMap<String, String>,
    /// Its primary company.
    pub company_id: Option<u64>,
    /// Companies associated besides the primary one.
    pub other_company_ids: Vec<u64>,
    pub contact_id: Option<u64>,
}

/// Who installed our app, where: whom its grants are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installer {
    pub user_id: u64,
    pub portal_id: u64,
}

/// An access token's grant.
#[derive(Debug, Clone)]
pub struct Grant {
    pub user_id: u64,
    pub portal_id: u64,
    pub expires: i64,
}

/// A webhook request: its events, and each attempt's status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub portal_id: u64,
    pub event_ids: Vec<u64>,
    pub attempts: Vec<u16>,
}

#[derive(Debug, Default)]
pub struct Data {
    pub portals: Vec<Portal>,
    pub users: Vec<HsUser>,
    pub companies: Vec<Record>,
    pub contacts: Vec<Record>,
    pub deals: Vec<Deal>,
    pub web_sessions: Sessions<u64>,
    /// Our app's codes and refresh tokens.
    pub grants: Grants<Installer>,
    pub access_tokens: HashMap<String, Grant>,
    pub deliveries: Vec<Delivery>,
    /// When each portal's app made its recent API calls (the 10-second rolling limit).
    pub calls: HashMap<u64, VecDeque<std::time::Instant>>,
    pub next_event_id: u64,
    /// The app's Webhooks Journal.
    pub journal: super::journal::Journal,
    /// Notes logged on deals' timelines.
    pub notes: Vec<Note>,
    /// Files in portals' file managers.
    pub files: Vec<HsFile>,
}

/// A file in a portal's file manager.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HsFile {
    pub id: u64,
    pub portal_id: u64,
    pub name: String,
    pub folder_path: String,
    pub access: String,
    pub size: usize,
}

/// A note on a deal's timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Note {
    pub id: u64,
    pub portal_id: u64,
    pub deal_id: u64,
    /// `hs_note_body`: HTML.
    pub body: String,
    /// `hs_timestamp`, as given.
    pub timestamp: String,
    /// `hs_attachment_ids`: files of the portal.
    pub attachments: Vec<u64>,
}

fn properties(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn address(street: &str, city: &str, state: &str, zip: &str) -> Vec<(&'static str, String)> {
    vec![
        ("address", street.to_owned()),
        ("city", city.to_owned()),
        ("state", state.to_owned()),
        ("zip", zip.to_owned()),
        ("country", "United States".to_owned()),
    ]
}

impl Data {
    /// Summit Solar (7001) and Bayview Energy (7002), each with a Super Admin and a rep.
    pub fn fixtures() -> Data {
        let mut data = Data { next_event_id: 9_000_000, ..Data::default() };
        for (portal, name, domain, admin, rep) in [
            (7001, "Summit Solar", "summit-solar.hubspot.local", "sam@summit.example", "sky@summit.example"),
            (7002, "Bayview Energy", "bayview.hubspot.local", "bea@bayview.example", "ben@bayview.example"),
        ] {
            data.portals.push(Portal {
                id: portal,
                name: name.into(),
                domain: domain.into(),
                installed: false,
                deal_properties: BTreeMap::new(),
            });
            let base = (portal - 7000) * 100;
            data.users.push(HsUser { id: base + 1, portal_id: portal, email: admin.into(), super_admin: true });
            data.users.push(HsUser { id: base + 2, portal_id: portal, email: rep.into(), super_admin: false });
        }
        let homes = [
            (7001, "Rivera", address("901 Mears Ct", "Stanford", "CA", "94305"), Vec::new()),
            (7001, "Okafor", Vec::new(), address("1600 Amphitheatre Pkwy", "Mountain View", "CA", "94043")),
            (7002, "Nguyen", address("3 Tuscan Way", "Austin", "TX", "78701"), Vec::new()),
        ];
        for (i, (portal, family, company_address, contact_address)) in homes.into_iter().enumerate() {
            let n = i as u64 + 1;
            let mut company = properties(&[("name", &format!("{family} household"))]);
            company.extend(company_address.into_iter().map(|(k, v)| (k.to_owned(), v)));
            data.companies.push(Record { id: 300 + n, portal_id: portal, properties: company });
            let mut contact = properties(&[("firstname", family), ("lastname", "Household")]);
            contact.extend(contact_address.into_iter().map(|(k, v)| (k.to_owned(), v)));
            data.contacts.push(Record { id: 400 + n, portal_id: portal, properties: contact });
            data.deals.push(Deal {
                id: 5000 + n,
                portal_id: portal,
                properties: properties(&[
                    ("dealname", &format!("{family} - Rooftop Solar")),
                    ("dealstage", "appointmentscheduled"),
                ]),
                company_id: Some(300 + n),
                other_company_ids: Vec::new(),
                contact_id: Some(400 + n),
            });
        }
        // Rivera's deal has a second company with an address of its own, created earlier (so
        // listed first): the primary one is the customer's.
        let mut coop = properties(&[("name", "Stanford Energy Co-op")]);
        coop.extend(address("450 Serra Mall", "Stanford", "CA", "94305").into_iter().map(|(k, v)| (k.to_owned(), v)));
        data.companies.push(Record { id: 300, portal_id: 7001, properties: coop });
        if let Some(rivera) = data.deals.iter_mut().find(|d| d.id == 5001) {
            rivera.other_company_ids.push(300);
        }
        data
    }

    pub fn user(&self, id: u64) -> Option<&HsUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn portal(&self, id: u64) -> Option<&Portal> {
        self.portals.iter().find(|p| p.id == id)
    }

    pub fn portal_mut(&mut self, id: u64) -> Option<&mut Portal> {
        self.portals.iter_mut().find(|p| p.id == id)
    }

    /// The portal's app loses its grants (uninstalled, or a refresh token revoked).
    pub fn uninstall(&mut self, portal: u64) {
        self.access_tokens.retain(|_, g| g.portal_id != portal);
        self.grants.forget(|installer| installer.portal_id == portal);
        if let Some(p) = self.portal_mut(portal) {
            p.installed = false;
        }
    }

    pub fn next_event(&mut self) -> u64 {
        self.next_event_id += 1;
        self.next_event_id
    }
}

/// A deal's JSON as the v3 API answers it: the asked properties (HubSpot's defaults
/// always), associations when asked.
pub fn deal_json(deal: &Deal, asked: &[&str], associations: &[&str]) -> Value {
    let mut props = serde_json::Map::new();
    for name in ["dealname", "hs_object_id", "createdate", "hs_lastmodifieddate"].iter().chain(asked) {
        let value = match *name {
            "hs_object_id" => Some(deal.id.to_string()),
            "createdate" | "hs_lastmodifieddate" => Some("2026-11-30T12:00:00.000Z".to_owned()),
            other => deal.properties.get(other).cloned(),
        };
        props.insert((*name).to_owned(), value.map_or(Value::Null, Value::String));
    }
    let mut answer = serde_json::json!({
        "id": deal.id.to_string(), "properties": props, "createdAt": "2026-11-30T12:00:00.000Z",
        "updatedAt": "2026-11-30T12:00:00.000Z", "archived": false,
    });
    let mut linked = serde_json::Map::new();
    for (kind, id, label) in
        [("companies", deal.company_id, "deal_to_company"), ("contacts", deal.contact_id, "deal_to_contact")]
    {
        if let (true, Some(id)) = (associations.contains(&kind), id) {
            // As v3 lists them: every company once as `deal_to_company_unlabeled`, in the
            // order they were created; the primary one a second time, as `deal_to_company`
            // (https://community.hubspot.com/t5/APIs-Integrations/Object-data-fetch-sorting-out-associations/td-p/658333).
            // Contacts have no primary.
            let results: Vec<Value> = if kind == "companies" {
                let mut all: Vec<u64> = deal.other_company_ids.iter().copied().chain([id]).collect();
                all.sort_unstable();
                all.iter()
                    .map(|c| serde_json::json!({ "id": c.to_string(), "type": format!("{label}_unlabeled") }))
                    .chain([serde_json::json!({ "id": id.to_string(), "type": label })])
                    .collect()
            } else {
                vec![serde_json::json!({ "id": id.to_string(), "type": label })]
            };
            linked.insert(kind.to_owned(), serde_json::json!({ "results": results }));
        }
    }
    if !linked.is_empty() {
        answer["associations"] = Value::Object(linked);
    }
    answer
}
