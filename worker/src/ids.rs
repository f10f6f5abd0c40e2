//! The identities every layer shares, from storage up: which CRM, and which opportunity.
//! A leaf module: it depends on nothing else in the worker.

use serde::{Deserialize, Serialize};

/// A CRM we integrate with, by the name it has in paths, storage and the widget's session
/// request. Adding one: its variant here, and its integration in `crm` (`Crm::integration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crm {
    /// Our own demo CRM (`sandbox/`): OAuth install, HS256 contexts, HMAC-signed webhooks.
    Demo,
    /// Salesforce: a Canvas app on the Opportunity record page, OAuth install, polled.
    Salesforce,
    /// Pipedrive: a custom panel on the deal, a JWT in its URL, OAuth install, webhooks v2.
    Pipedrive,
    /// HubSpot: an app card on the deal opening the widget in a modal, `hubspot.fetch`
    /// signed v3, OAuth v3 install, webhooks signed v3.
    #[serde(rename = "hubspot")]
    HubSpot,
}

/// A CRM name that is none of ours (cut to 40 characters: it is echoed back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown CRM `{0}`")]
pub struct UnknownCrm(pub String);

impl Crm {
    /// Every CRM, for routes and listings.
    pub const ALL: [Crm; 4] = [Crm::Demo, Crm::Salesforce, Crm::Pipedrive, Crm::HubSpot];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Crm::Demo => "demo",
            Crm::Salesforce => "salesforce",
            Crm::Pipedrive => "pipedrive",
            Crm::HubSpot => "hubspot",
        }
    }

    /// Its name as its users know it.
    pub fn display_name(self) -> &'static str {
        match self {
            Crm::Demo => "demo CRM",
            Crm::Salesforce => "Salesforce",
            Crm::Pipedrive => "Pipedrive",
            Crm::HubSpot => "HubSpot",
        }
    }

    /// The CRM named `name`.
    pub fn parse(name: &str) -> Result<Crm, UnknownCrm> {
        Crm::ALL.into_iter().find(|crm| crm.as_str() == name).ok_or_else(|| UnknownCrm(name.chars().take(40).collect()))
    }
}

/// Which opportunity: the unit a project, a design and its figures belong to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
pub struct OpportunityKey {
    /// The CRM.
    pub crm: Crm,
    /// The CRM account (company): the unit of isolation.
    pub account_id: String,
    /// The CRM's opportunity id.
    pub opportunity_id: String,
}

impl OpportunityKey {
    /// The key as a job key (the key columns of a queue keyed by opportunity).
    pub fn job_key(&self) -> Vec<String> {
        vec![self.crm.as_str().to_owned(), self.account_id.clone(), self.opportunity_id.clone()]
    }

    /// The key a [`OpportunityKey::job_key`] was made from, or why `key` is none.
    pub fn from_job_key(key: &[String]) -> Result<Self, String> {
        let [crm, account_id, opportunity_id] = key else { return Err(format!("not an opportunity's key: {key:?}")) };
        let crm = Crm::parse(crm).map_err(|e| e.to_string())?;
        Ok(OpportunityKey { crm, account_id: account_id.clone(), opportunity_id: opportunity_id.clone() })
    }

    /// What we send as Aurora's `external_provider_id`: `crm:account:opportunity`, one per
    /// opportunity across CRMs and accounts. Each part escapes `%` and `:` (as `%25`, `%3A`)
    /// so that no two keys share one (`a:b` + `c` and `a` + `b:c` would); ids without either
    /// read as they are, as they did before the escaping.
    pub fn external_provider_id(&self) -> String {
        let part = |id: &str| id.replace('%', "%25").replace(':', "%3A");
        format!("{}:{}:{}", self.crm.as_str(), part(&self.account_id), part(&self.opportunity_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_crm_is_found_by_its_own_name() {
        for crm in Crm::ALL {
            assert_eq!(Crm::parse(crm.as_str()), Ok(crm));
            assert_eq!(serde_json::to_value(crm).expect("json"), crm.as_str());
        }
        assert_eq!(Crm::parse("hubspot-ish"), Err(UnknownCrm("hubspot-ish".into())));
    }

    #[test]
    fn external_provider_ids_are_one_per_opportunity() {
        let key = |account: &str, opportunity: &str| {
            OpportunityKey { crm: Crm::Demo, account_id: account.into(), opportunity_id: opportunity.into() }
                .external_provider_id()
        };
        assert_eq!(key("acct-sunrise", "opp-1001"), "demo:acct-sunrise:opp-1001", "plain ids read as before");
        let pairs = [("a:b", "c"), ("a", "b:c"), ("a%3Ab", "c"), ("a", "b%3Ac"), ("a%", "3Ab:c")];
        let ids: std::collections::HashSet<String> = pairs.iter().map(|(a, o)| key(a, o)).collect();
        assert_eq!(ids.len(), pairs.len(), "{ids:?}");
    }

    #[test]
    fn an_opportunitys_job_key_reads_back_and_other_keys_are_refused() {
        let key = OpportunityKey { crm: Crm::Demo, account_id: "acct".into(), opportunity_id: "opp:1".into() };
        assert_eq!(OpportunityKey::from_job_key(&key.job_key()), Ok(key));
        assert!(OpportunityKey::from_job_key(&["demo".into(), "acct".into()]).is_err());
        assert!(OpportunityKey::from_job_key(&["nope".into(), "a".into(), "o".into()]).is_err());
    }
}
