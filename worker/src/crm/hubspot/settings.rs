//! HubSpot's settings: our app (a project: `hubspot/` in this repository).

use crate::environment::{ConfigError, Env};
use secrecy::SecretString;

/// Names of the settings, as environment variables (native) and Worker vars/secrets.
pub mod keys {
    /// The app's client id in HubSpot (the project's Auth tab). Unset: no HubSpot.
    pub const HUBSPOT_CLIENT_ID: &str = "HUBSPOT_CLIENT_ID";
    /// Its client secret: OAuth, and the key of every `X-HubSpot-Signature-v3`. Secret.
    pub const HUBSPOT_CLIENT_SECRET: &str = "HUBSPOT_CLIENT_SECRET";
    /// The app's id in HubSpot: `hubspot.fetch` appends it, and only calls naming it are ours.
    pub const HUBSPOT_APP_ID: &str = "HUBSPOT_APP_ID";
    /// Where HubSpot's consent page is (default `https://app.hubspot.com`).
    pub const HUBSPOT_OAUTH_URL: &str = "HUBSPOT_OAUTH_URL";
    /// HubSpot's API (default `https://api.hubapi.com`).
    pub const HUBSPOT_API_URL: &str = "HUBSPOT_API_URL";
    /// Origins that may frame the widget's modal (default `https://*.hubspot.com`).
    pub const HUBSPOT_FRAME_ORIGINS: &str = "HUBSPOT_FRAME_ORIGINS";
}

/// Our app in HubSpot.
#[derive(Debug)]
pub struct HubSpotSettings {
    /// Where the consent page is, no trailing slash.
    pub oauth_url: String,
    /// The API's base, no trailing slash (OAuth v3 tokens too).
    pub api_url: String,
    /// This worker's public base URL, no trailing slash: the URL HubSpot signs.
    pub public_url: String,
    /// The client id.
    pub client_id: String,
    /// The client secret: OAuth, and the key of HubSpot's request signatures.
    pub client_secret: SecretString,
    /// The app's id.
    pub app_id: String,
    /// Who may frame the widget's modal.
    pub frame_origins: Vec<String>,
}

impl HubSpotSettings {
    /// The settings, when [`keys::HUBSPOT_CLIENT_ID`] is set.
    pub fn from_env(env: &Env<'_>) -> Result<Option<Self>, ConfigError> {
        let Some(client_id) = env.value(keys::HUBSPOT_CLIENT_ID) else { return Ok(None) };
        let client_secret = env.crm_secret(
            keys::HUBSPOT_CLIENT_SECRET,
            "copy the app's client secret from the project's Auth tab in HubSpot",
        )?;
        let app_id = env.required(keys::HUBSPOT_APP_ID)?;
        if !app_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigError::Invalid {
                name: keys::HUBSPOT_APP_ID,
                reason: format!("{app_id}: the app id is the number HubSpot shows on the app's page"),
            });
        }
        Ok(Some(HubSpotSettings {
            oauth_url: env.base_url(keys::HUBSPOT_OAUTH_URL, "https://app.hubspot.com")?,
            api_url: env.base_url(keys::HUBSPOT_API_URL, "https://api.hubapi.com")?,
            public_url: env.public_url()?,
            client_id,
            client_secret,
            app_id,
            frame_origins: env.frame_origins(keys::HUBSPOT_FRAME_ORIGINS, &["https://*.hubspot.com"])?,
        }))
    }

    /// The OAuth redirect URL (`app-hsmeta.json`'s `redirectUrls`).
    pub fn redirect_uri(&self) -> String {
        format!("{}/install/hubspot/callback", self.public_url)
    }

    /// Where HubSpot delivers webhooks (`webhooks-hsmeta.json`'s `targetUrl`): also the
    /// URL their signatures cover.
    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/crm/hubspot", self.public_url)
    }
}
