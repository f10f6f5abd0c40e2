//! The demo CRM's data: one account, one rep, a few opportunities.

/// A demo CRM opportunity.
#[derive(Debug)]
pub struct Opportunity {
    pub id: &'static str,
    pub account_id: &'static str,
    pub owner_user_id: &'static str,
    pub name: &'static str,
    pub customer: &'static str,
    pub site: Site,
}

/// Where the customer wants panels.
#[derive(Debug)]
pub enum Site {
    Address(&'static str),
    Coordinates { latitude: f64, longitude: f64 },
}

pub const OPPORTUNITIES: &[Opportunity] = &[
    Opportunity {
        id: "opp-1001",
        account_id: "acct-sunrise",
        owner_user_id: "user-rep-ana",
        name: "Rivera residence, 8 kW rooftop",
        customer: "Maria Rivera",
        site: Site::Address("901 Mears Ct, Stanford, CA 94305"),
    },
    Opportunity {
        id: "opp-1002",
        account_id: "acct-sunrise",
        owner_user_id: "user-rep-ana",
        name: "Brannan St office",
        customer: "Brannan Holdings",
        site: Site::Address("434 Brannan St, San Francisco, CA, 94107"),
    },
    Opportunity {
        id: "opp-1003",
        account_id: "acct-sunrise",
        owner_user_id: "user-rep-ana",
        name: "Okafor ranch, ground mount",
        customer: "Chidi Okafor",
        site: Site::Coordinates { latitude: 37.7796, longitude: -122.3953 },
    },
];
