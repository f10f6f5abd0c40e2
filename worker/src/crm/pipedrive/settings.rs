//! Pipedrive's settings: our app in Pipedrive's Developer Hub.

use crate::environment::{ConfigError, Env};
use secrecy::SecretString;

/// Names of the settings, as environment variables (native) and Worker vars/secrets.
pub mod keys {
    /// The app's client id in Pipedrive's Developer Hub. Unset: no Pipedrive.
    pub const PIPEDRIVE_CLIENT_ID: &str = "PIPEDRIVE_CLIENT_ID";
    /// Its client secret (OAuth with HTTP Basic, and Pipedrive's uninstall call). Secret.
    pub const PIPEDRIVE_CLIENT_SECRET: &str = "PIPEDRIVE_CLIENT_SECRET";
    /// The custom panel's JWT secret, when one is set in Developer Hub (else the client
    /// secret signs the panel's token). Secret.
    pub const PIPEDRIVE_JWT_SECRET: &str = "PIPEDRIVE_JWT_SECRET";
    /// Pipedrive's OAuth host (default `https://oauth.pipedrive.com`).
    pub const PIPEDRIVE_OAUTH_URL: &str = "PIPEDRIVE_OAUTH_URL";
    /// Origins that may frame the panel (default `https://*.pipedrive.com`).
    pub const PIPEDRIVE_FRAME_ORIGINS: &str = "PIPEDRIVE_FRAME_ORIGINS";
    /// The custom modal that shows the whole design, by its id or name in Developer Hub
    /// (App extensions: a custom modal whose iframe URL is the panel's, with no entry
    /// point). Set, the panel shows the design's summary and opens the rest there; unset,
    /// the panel holds the whole design in sections that start closed.
    pub const PIPEDRIVE_DESIGN_MODAL: &str = "PIPEDRIVE_DESIGN_MODAL";
}

/// Our app in Pipedrive's Developer Hub.
#[derive(Debug)]
pub struct PipedriveSettings {
    /// The OAuth host, no trailing slash.
    pub oauth_url: String,
    /// This worker's public base URL, no trailing slash.
    pub public_url: String,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: SecretString,
    /// What signs the panel's token: the panel's JWT secret, else the client secret.
    pub jwt_secret: SecretString,
    /// Who may frame the panel.
    pub frame_origins: Vec<String>,
    /// The custom modal showing the whole design (its id or name), if the app has one.
    pub design_modal: Option<String>,
}

impl PipedriveSettings {
    /// The settings, when [`keys::PIPEDRIVE_CLIENT_ID`] is set.
    pub fn from_env(env: &Env<'_>) -> Result<Option<Self>, ConfigError> {
        let Some(client_id) = env.value(keys::PIPEDRIVE_CLIENT_ID) else { return Ok(None) };
        let from_hub = "copy it from Pipedrive's Developer Hub (OAuth & access scopes)";
        let client_secret = env.crm_secret(keys::PIPEDRIVE_CLIENT_SECRET, from_hub)?;
        let jwt_secret = env.optional_crm_secret(
            keys::PIPEDRIVE_JWT_SECRET,
            "copy it from the custom panel's settings in Developer Hub",
        )?;
        Ok(Some(PipedriveSettings {
            oauth_url: env.base_url(keys::PIPEDRIVE_OAUTH_URL, "https://oauth.pipedrive.com")?,
            public_url: env.public_url()?,
            client_id,
            jwt_secret: jwt_secret.unwrap_or_else(|| client_secret.clone()),
            client_secret,
            frame_origins: env.frame_origins(keys::PIPEDRIVE_FRAME_ORIGINS, &["https://*.pipedrive.com"])?,
            design_modal: env
                .value(keys::PIPEDRIVE_DESIGN_MODAL)
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty()),
        }))
    }

    /// The callback URL (Developer Hub: Basic info): OAuth's redirect, and where Pipedrive
    /// sends its uninstall `DELETE`.
    pub fn redirect_uri(&self) -> String {
        format!("{}/install/pipedrive/callback", self.public_url)
    }

    /// Where new deals are delivered (webhooks v2).
    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/crm/pipedrive", self.public_url)
    }
}
