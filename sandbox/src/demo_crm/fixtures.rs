//! The demo CRM's starting data: three companies, each with an admin (who installs apps)
//! and a rep (who sells), and a few opportunities. Every fixture login's password is
//! [`PASSWORD`]: this CRM only ever runs on 127.0.0.1.

use super::{
    Settings,
    state::{Account, Crm, Opportunity, Role, Site, State, User},
};

impl Crm {
    /// A CRM holding the fixtures.
    pub fn new(settings: Settings) -> Self {
        let state = State {
            accounts: accounts(),
            users: users(),
            opportunities: opportunities(),
            faults: settings.faults.clone(),
            next_opportunity: 5001,
            ..State::default()
        };
        Crm::holding(settings, state)
    }
}

/// The password of every fixture user.
pub const PASSWORD: &str = "demo";

/// The companies using the CRM.
pub fn accounts() -> Vec<Account> {
    [("acct-sunrise", "Sunrise Solar"), ("acct-northwind", "Northwind Energy"), ("acct-coastal", "Coastal Power")]
        .into_iter()
        .map(|(id, name)| Account { id: id.into(), name: name.into() })
        .collect()
}

/// Their people.
pub fn users() -> Vec<User> {
    [
        ("user-admin-ada", "acct-sunrise", "Ada Park", "ada@sunrise.example", Role::Admin),
        ("user-rep-ana", "acct-sunrise", "Ana Lima", "ana@sunrise.example", Role::Rep),
        ("user-admin-nia", "acct-northwind", "Nia Brooks", "nia@northwind.example", Role::Admin),
        ("user-rep-ben", "acct-northwind", "Ben Okoro", "ben@northwind.example", Role::Rep),
        ("user-admin-cy", "acct-coastal", "Cy Moreau", "cy@coastal.example", Role::Admin),
    ]
    .into_iter()
    .map(|(id, account_id, name, email, role)| User {
        id: id.into(),
        account_id: account_id.into(),
        name: name.into(),
        email: email.into(),
        role,
    })
    .collect()
}

/// Their open deals.
pub fn opportunities() -> Vec<Opportunity> {
    let opportunity = |id: &str, account: &str, owner: &str, name: &str, customer: &str, site: Site| Opportunity {
        id: id.into(),
        account_id: account.into(),
        owner_user_id: owner.into(),
        name: name.into(),
        customer: customer.into(),
        site,
        fields: Default::default(),
        activities: Vec::new(),
        stage: "qualified".into(),
        amount: None,
        attachments: Vec::new(),
    };
    vec![
        opportunity(
            "opp-1001",
            "acct-sunrise",
            "user-rep-ana",
            "Rivera residence, 8 kW rooftop",
            "Maria Rivera",
            Site::Address("901 Mears Ct, Stanford, CA 94305".into()),
        ),
        opportunity(
            "opp-1002",
            "acct-sunrise",
            "user-rep-ana",
            "Brannan St office",
            "Brannan Holdings",
            Site::Address("434 Brannan St, San Francisco, CA, 94107".into()),
        ),
        opportunity(
            "opp-1003",
            "acct-sunrise",
            "user-rep-ana",
            "Okafor ranch, ground mount",
            "Chidi Okafor",
            Site::Coordinates { latitude: 37.7796, longitude: -122.3953 },
        ),
        opportunity(
            "opp-2001",
            "acct-northwind",
            "user-rep-ben",
            "Harbor view duplex",
            "Lena Sorensen",
            Site::Address("100 Bridgeway, Sausalito, CA 94965".into()),
        ),
        opportunity(
            "opp-3001",
            "acct-coastal",
            "user-admin-cy",
            "Pier 9 warehouse",
            "Pier 9 Storage",
            Site::Address("Pier 9, The Embarcadero, San Francisco, CA 94111".into()),
        ),
    ]
}
