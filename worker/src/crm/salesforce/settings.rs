//! Salesforce's settings: our External Client App.

use crate::environment::{ConfigError, Env};
use secrecy::SecretString;

/// Names of the settings, as environment variables (native) and Worker vars/secrets.
pub mod keys {
    /// Where Salesforce's OAuth pages are: `https://login.salesforce.com` (production and
    /// Developer Edition orgs) or `https://test.salesforce.com` (sandboxes). Unset: no
    /// Salesforce.
    pub const SALESFORCE_LOGIN_URL: &str = "SALESFORCE_LOGIN_URL";
    /// The External Client App's consumer key.
    pub const SALESFORCE_CONSUMER_KEY: &str = "SALESFORCE_CONSUMER_KEY";
    /// The External Client App's consumer secret: it signs Canvas requests. Secret.
    pub const SALESFORCE_CONSUMER_SECRET: &str = "SALESFORCE_CONSUMER_SECRET";
    /// Origins that may frame the widget in Salesforce, comma separated, `*.` wildcards
    /// allowed. Default: Salesforce's documented domains (see [`super::DEFAULT_FRAME_ORIGINS`]).
    pub const SALESFORCE_FRAME_ORIGINS: &str = "SALESFORCE_FRAME_ORIGINS";
    /// The package's namespace prefix (`aurora`), which the custom fields carry in the
    /// subscriber org (`aurora__Aurora_System_Size_kW__c`). Empty for an unmanaged package.
    pub const SALESFORCE_NAMESPACE: &str = "SALESFORCE_NAMESPACE";
}

/// Where Lightning Experience frames a canvas app from: the org's Lightning and My Domain
/// hosts (the intermediary frame), Visualforce and sandbox/partitioned forms.
pub const DEFAULT_FRAME_ORIGINS: &[&str] = &[
    "https://*.my.salesforce.com",
    "https://*.lightning.force.com",
    "https://*.force.com",
    "https://*.salesforce.com",
];

/// Our External Client App in Salesforce.
#[derive(Debug)]
pub struct SalesforceSettings {
    /// The OAuth host, no trailing slash.
    pub login_url: String,
    /// This worker's public base URL, no trailing slash.
    pub public_url: String,
    /// The consumer key (OAuth client id).
    pub consumer_key: String,
    /// The consumer secret: OAuth, and the key of Canvas signed requests.
    pub consumer_secret: SecretString,
    /// Origins allowed to frame the widget, besides those each verified signed request names.
    pub frame_origins: Vec<String>,
    /// The custom fields' namespace prefix (with its `__`), or empty.
    pub field_prefix: String,
}

/// The prefix the package's namespace gives its custom fields in a subscriber org
/// (`aurora__`), or none; the namespace is `sfdx-project.json`'s.
pub fn field_prefix(namespace: &str) -> Result<String, String> {
    if !namespace.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!("{namespace}: a namespace prefix is letters, digits and `_`"));
    }
    Ok(if namespace.is_empty() { String::new() } else { format!("{namespace}__") })
}

impl SalesforceSettings {
    /// The settings, when [`keys::SALESFORCE_LOGIN_URL`] is set.
    pub fn from_env(env: &Env<'_>) -> Result<Option<Self>, ConfigError> {
        if env.value(keys::SALESFORCE_LOGIN_URL).is_none() {
            return Ok(None);
        }
        let namespace = env.value(keys::SALESFORCE_NAMESPACE).unwrap_or_default();
        let field_prefix = field_prefix(&namespace)
            .map_err(|reason| ConfigError::Invalid { name: keys::SALESFORCE_NAMESPACE, reason })?;
        Ok(Some(SalesforceSettings {
            login_url: env.base_url(keys::SALESFORCE_LOGIN_URL, "")?,
            public_url: env.public_url()?,
            consumer_key: env.required(keys::SALESFORCE_CONSUMER_KEY)?,
            consumer_secret: env.crm_secret(
                keys::SALESFORCE_CONSUMER_SECRET,
                "copy the External Client App's consumer secret (Setup > External Client App Manager)",
            )?,
            frame_origins: env.frame_origins(keys::SALESFORCE_FRAME_ORIGINS, DEFAULT_FRAME_ORIGINS)?,
            field_prefix,
        }))
    }

    /// The OAuth callback (the app's callback URL in Salesforce).
    pub fn redirect_uri(&self) -> String {
        format!("{}/install/salesforce/callback", self.public_url)
    }

    /// The canvas app URL (Salesforce POSTs the signed request there).
    pub fn canvas_url(&self) -> String {
        format!("{}/embed/salesforce", self.public_url)
    }
}
