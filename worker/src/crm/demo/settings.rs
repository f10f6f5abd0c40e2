//! The demo CRM's settings: our app's registration with it.

use crate::environment::{ConfigError, Env};
use secrecy::SecretString;

/// Names of the settings, as environment variables (native) and Worker vars/secrets.
pub mod keys {
    /// The demo CRM's base URL (its OAuth pages and API). Unset: no demo CRM.
    pub const DEMO_CRM_BASE_URL: &str = "DEMO_CRM_BASE_URL";
    /// The OAuth client id the demo CRM issued us.
    pub const DEMO_CRM_CLIENT_ID: &str = "DEMO_CRM_CLIENT_ID";
    /// The OAuth client secret the demo CRM issued us; it also signs its iframe contexts
    /// and webhooks. Secret.
    pub const DEMO_CRM_CLIENT_SECRET: &str = "DEMO_CRM_CLIENT_SECRET";
}

/// Our app's registration with the demo CRM.
#[derive(Debug)]
pub struct DemoCrmSettings {
    /// The CRM's base URL, no trailing slash.
    pub base_url: String,
    /// This worker's public base URL, no trailing slash.
    pub public_url: String,
    /// Our OAuth client id.
    pub client_id: String,
    /// Our OAuth client secret (redacted in `Debug`).
    pub client_secret: SecretString,
}

impl DemoCrmSettings {
    /// The settings, when [`keys::DEMO_CRM_BASE_URL`] is set.
    pub fn from_env(env: &Env<'_>) -> Result<Option<Self>, ConfigError> {
        if env.value(keys::DEMO_CRM_BASE_URL).is_none() {
            return Ok(None);
        }
        Ok(Some(DemoCrmSettings {
            base_url: env.base_url(keys::DEMO_CRM_BASE_URL, "")?,
            // The OAuth redirect and the webhooks' target are built from it.
            public_url: env.public_url()?,
            client_id: env.required(keys::DEMO_CRM_CLIENT_ID)?,
            client_secret: env.crm_secret(keys::DEMO_CRM_CLIENT_SECRET, "copy it from the CRM's app registration")?,
        }))
    }

    /// Where the CRM sends the admin back after consent (registered with the CRM).
    pub fn redirect_uri(&self) -> String {
        format!("{}/install/demo/callback", self.public_url)
    }

    /// Where the CRM delivers its webhooks.
    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/crm/demo", self.public_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)], public_url: Option<&str>) -> Result<Option<DemoCrmSettings>, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = move |k: &str| map.get(k).cloned();
        DemoCrmSettings::from_env(&Env::new(&lookup, public_url, false))
    }

    #[test]
    fn the_demo_crm_is_optional_but_complete_when_set() {
        assert!(read(&[], None).expect("valid").is_none());
        let crm = [
            (keys::DEMO_CRM_BASE_URL, "http://127.0.0.1:8791/"),
            (keys::DEMO_CRM_CLIENT_ID, "aurora-solar-for-crms"),
            (keys::DEMO_CRM_CLIENT_SECRET, "f4k3-cl13nt-s3cr3t-Q9zX2Lm8Rt1Wb6Yc"),
        ];
        let public = Some("https://aurora-crm.example.com");
        let demo = read(&crm, public).expect("valid").expect("configured");
        assert_eq!(demo.redirect_uri(), "https://aurora-crm.example.com/install/demo/callback");
        assert_eq!(demo.base_url, "http://127.0.0.1:8791");
        let err = read(&crm, None).expect_err("no public URL");
        assert!(err.to_string().starts_with("WORKER_PUBLIC_URL"), "{err}");
        for (key, value) in
            [(keys::DEMO_CRM_CLIENT_SECRET, "short"), (keys::DEMO_CRM_BASE_URL, "http://crm.example.com")]
        {
            let mut broken = crm.to_vec();
            broken.retain(|(k, _)| *k != key);
            broken.push((key, value));
            let err = read(&broken, public).expect_err(key);
            assert!(err.to_string().starts_with(key), "{err}");
        }
    }
}
