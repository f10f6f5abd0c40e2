//! One typed configuration for both hosts, read from whatever the host calls its
//! environment (process env and CLI flags natively; vars and secrets on Workers).

use secrecy::SecretString;

/// Names of the settings, as environment variables (native) and Worker vars/secrets.
pub mod keys {
    /// The worker's own secret: signs the short-lived widget tokens (HS256).
    pub const WORKER_SIGNING_SECRET: &str = "WORKER_SIGNING_SECRET";
    /// Comma-separated origins of CRMs allowed to frame the widget.
    pub const ALLOWED_CRM_ORIGINS: &str = "ALLOWED_CRM_ORIGINS";
    /// Aurora's API base URL: `https://api.aurorasolar.com` or `https://api-sandbox.aurorasolar.com`.
    pub const AURORA_BASE_URL: &str = "AURORA_BASE_URL";
    /// `true` to allow a `http://127.0.0.1:PORT` Aurora (the local sandbox). Dev only.
    pub const AURORA_ALLOW_LOOPBACK: &str = "AURORA_ALLOW_LOOPBACK";
    /// Our partner application's id (UUID), from Aurora.
    pub const AURORA_APPLICATION_ID: &str = "AURORA_APPLICATION_ID";
    /// Our partner application's key, from Aurora. Secret.
    pub const AURORA_APPLICATION_KEY: &str = "AURORA_APPLICATION_KEY";
    /// The header Aurora's webhook deliveries carry (default `X-Aurora-Webhook-Token`).
    pub const AURORA_WEBHOOK_HEADER: &str = "AURORA_WEBHOOK_HEADER";
    /// The value of that header. Secret.
    pub const AURORA_WEBHOOK_TOKEN: &str = "AURORA_WEBHOOK_TOKEN";
    /// Aurora's rate limit per key, requests a minute (default 90, as Aurora documents);
    /// the worker paces its calls under it. 0 turns pacing off.
    pub const AURORA_REQUESTS_PER_MINUTE: &str = "AURORA_REQUESTS_PER_MINUTE";
    /// How often, in seconds, CRMs without new-opportunity webhooks (Salesforce) are asked
    /// for new opportunities (default 30; the local system's tests lower it).
    pub const CRM_POLL_INTERVAL_SECONDS: &str = "CRM_POLL_INTERVAL_SECONDS";
    /// Where browsers and CRMs reach this worker (`https://aurora-crm.example.com`): the
    /// OAuth redirect URI and the CRM webhooks' target are built from it.
    pub const WORKER_PUBLIC_URL: &str = "WORKER_PUBLIC_URL";
    /// The demo CRM's base URL (its OAuth pages and API). Unset: no demo CRM.
    pub const DEMO_CRM_BASE_URL: &str = "DEMO_CRM_BASE_URL";
    /// The OAuth client id the demo CRM issued us.
    pub const DEMO_CRM_CLIENT_ID: &str = "DEMO_CRM_CLIENT_ID";
    /// The OAuth client secret the demo CRM issued us; it also signs its iframe contexts
    /// and webhooks. Secret.
    pub const DEMO_CRM_CLIENT_SECRET: &str = "DEMO_CRM_CLIENT_SECRET";
    /// Where Salesforce's OAuth pages are: `https://login.salesforce.com` (production and
    /// Developer Edition orgs) or `https://test.salesforce.com` (sandboxes). Unset: no
    /// Salesforce.
    pub const SALESFORCE_LOGIN_URL: &str = "SALESFORCE_LOGIN_URL";
    /// The External Client App's consumer key.
    pub const SALESFORCE_CONSUMER_KEY: &str = "SALESFORCE_CONSUMER_KEY";
    /// The External Client App's consumer secret: it signs Canvas requests. Secret.
    pub const SALESFORCE_CONSUMER_SECRET: &str = "SALESFORCE_CONSUMER_SECRET";
    /// Origins that may frame the widget in Salesforce, comma separated, `*.` wildcards
    /// allowed. Default: Salesforce's documented domains (see `SALESFORCE_DEFAULT_FRAME_ORIGINS`).
    pub const SALESFORCE_FRAME_ORIGINS: &str = "SALESFORCE_FRAME_ORIGINS";
    /// The package's namespace prefix (`aurora`), which the custom fields carry in the
    /// subscriber org (`aurora__Aurora_System_Size_kW__c`). Empty for an unmanaged package.
    pub const SALESFORCE_NAMESPACE: &str = "SALESFORCE_NAMESPACE";
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

/// Where Lightning Experience frames a canvas app from: the org's Lightning and My Domain
/// hosts (the intermediary frame), Visualforce and sandbox/partitioned forms.
pub const SALESFORCE_DEFAULT_FRAME_ORIGINS: &[&str] = &[
    "https://*.my.salesforce.com",
    "https://*.lightning.force.com",
    "https://*.force.com",
    "https://*.salesforce.com",
];

/// How often polled CRMs are asked for new opportunities when nothing else is set.
pub const DEFAULT_CRM_POLL_INTERVAL_SECONDS: i64 = 30;

/// The webhook auth header when none is configured.
pub const DEFAULT_WEBHOOK_HEADER: &str = "X-Aurora-Webhook-Token";

/// Validated settings. Secrets are [`SecretString`]s: `Debug` prints `[REDACTED]`.
#[derive(Debug)]
pub struct Config {
    /// Signs widget tokens. Each CRM account's own signing secret lives with its
    /// installation, not here.
    pub signing_secret: SecretString,
    /// Origins (`scheme://host[:port]`) of the CRMs allowed to embed the widget.
    pub allowed_crm_origins: Vec<String>,
    /// How we reach Aurora.
    pub aurora: AuroraConfig,
    /// Where browsers and CRMs reach this worker, when set (needed by CRMs that install
    /// through OAuth or send webhooks).
    pub public_url: Option<String>,
    /// How often a polled CRM's installations are asked for new opportunities, seconds.
    pub crm_poll_interval_seconds: i64,
    /// The demo CRM, when configured.
    pub demo_crm: Option<DemoCrmConfig>,
    /// Salesforce, when configured.
    pub salesforce: Option<SalesforceConfig>,
    /// Pipedrive, when configured.
    pub pipedrive: Option<PipedriveConfig>,
    /// HubSpot, when configured.
    pub hubspot: Option<HubSpotConfig>,
}

/// Our app in HubSpot (a project: `hubspot/` in this repository).
#[derive(Debug)]
pub struct HubSpotConfig {
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

impl HubSpotConfig {
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

/// Our app in Pipedrive's Developer Hub.
#[derive(Debug)]
pub struct PipedriveConfig {
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
}

impl PipedriveConfig {
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

/// Our External Client App in Salesforce.
#[derive(Debug)]
pub struct SalesforceConfig {
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

impl SalesforceConfig {
    /// The OAuth callback (the app's callback URL in Salesforce).
    pub fn redirect_uri(&self) -> String {
        format!("{}/install/salesforce/callback", self.public_url)
    }

    /// The canvas app URL (Salesforce POSTs the signed request there).
    pub fn canvas_url(&self) -> String {
        format!("{}/embed/salesforce", self.public_url)
    }
}

/// Our app's registration with the demo CRM.
#[derive(Debug)]
pub struct DemoCrmConfig {
    /// The CRM's base URL, no trailing slash.
    pub base_url: String,
    /// This worker's public base URL, no trailing slash.
    pub public_url: String,
    /// Our OAuth client id.
    pub client_id: String,
    /// Our OAuth client secret (redacted in `Debug`).
    pub client_secret: SecretString,
}

impl DemoCrmConfig {
    /// Where the CRM sends the admin back after consent (registered with the CRM).
    pub fn redirect_uri(&self) -> String {
        format!("{}/install/demo/callback", self.public_url)
    }

    /// Where the CRM delivers its webhooks.
    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/crm/demo", self.public_url)
    }
}

/// Aurora's side of the configuration.
#[derive(Debug)]
pub struct AuroraConfig {
    /// Checked base URL, no trailing slash.
    pub base_url: String,
    /// Our partner application.
    pub application_id: aurora_api::ApplicationId,
    /// Its key (redacted in `Debug`).
    pub application_key: aurora_api::ApplicationKey,
    /// Name of the webhook auth header (lower-case for comparison).
    pub webhook_header: String,
    /// Value Aurora sends in it (redacted in `Debug`).
    pub webhook_token: aurora_api::HeaderAuthValue,
    /// Aurora's rate limit per key, which every call is paced under.
    pub rate_limit: crate::aurora_pacing::RateLimit,
}

impl AuroraConfig {
    /// The Aurora client for these settings over a host's transport.
    pub fn client(&self, transport: std::sync::Arc<dyn aurora_api::HttpTransport>) -> aurora_api::AuroraClient {
        aurora_api::AuroraClient::new(
            transport,
            &self.base_url,
            self.application_id.clone(),
            self.application_key.clone(),
        )
    }
}

/// A setting is missing or malformed; the message names it and says what to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A required setting has no value.
    #[error("{0} is not set: set it in the environment (native) or as a Worker secret/var")]
    Missing(&'static str),
    /// A setting has a value we cannot use.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The setting's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Config {
    /// Builds the config from a lookup of setting name -> value, so that each host can
    /// pass its own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required =
            |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty()).ok_or(ConfigError::Missing(name));
        let allowed_crm_origins = parse_origins(&required(keys::ALLOWED_CRM_ORIGINS)?)?;
        let allow_loopback = match lookup(keys::AURORA_ALLOW_LOOPBACK).as_deref().map(str::trim) {
            None | Some("" | "false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: keys::AURORA_ALLOW_LOOPBACK,
                    reason: format!("`{other}`: use true or false"),
                });
            }
        };
        // Only a development setup talks to an Aurora on loopback (the sandbox): only there
        // may secrets be the obviously fake ones our examples and tests use.
        let secret =
            checked_secret(keys::WORKER_SIGNING_SECRET, &required(keys::WORKER_SIGNING_SECRET)?, 32, allow_loopback)?;
        let base_url = aurora_api::hosts::checked_base_url(&required(keys::AURORA_BASE_URL)?, allow_loopback)
            .map_err(|e| ConfigError::Invalid { name: keys::AURORA_BASE_URL, reason: e.to_string() })?;
        let application_id = aurora_api::ApplicationId::parse(&required(keys::AURORA_APPLICATION_ID)?)
            .map_err(|_| ConfigError::Invalid { name: keys::AURORA_APPLICATION_ID, reason: "not a UUID".into() })?;
        let application_key = aurora_api::ApplicationKey::new(required(keys::AURORA_APPLICATION_KEY)?.trim());
        let webhook_header = lookup(keys::AURORA_WEBHOOK_HEADER)
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| DEFAULT_WEBHOOK_HEADER.to_owned());
        if !webhook_header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ConfigError::Invalid {
                name: keys::AURORA_WEBHOOK_HEADER,
                reason: "use letters, digits and dashes".into(),
            });
        }
        let webhook_token =
            checked_secret(keys::AURORA_WEBHOOK_TOKEN, &required(keys::AURORA_WEBHOOK_TOKEN)?, 24, allow_loopback)?;
        let rate_limit = match lookup(keys::AURORA_REQUESTS_PER_MINUTE).as_deref().map(str::trim) {
            None | Some("") => crate::aurora_pacing::RateLimit::AURORA,
            Some(raw) => crate::aurora_pacing::RateLimit {
                requests: raw.parse().map_err(|_| ConfigError::Invalid {
                    name: keys::AURORA_REQUESTS_PER_MINUTE,
                    reason: format!(
                        "`{raw}`: a whole number of requests a minute (Aurora's is 90; 0 turns pacing off)"
                    ),
                })?,
                window_ms: 60_000,
            },
        };
        let crm_poll_interval_seconds = match lookup(keys::CRM_POLL_INTERVAL_SECONDS).as_deref().map(str::trim) {
            None | Some("") => DEFAULT_CRM_POLL_INTERVAL_SECONDS,
            Some(raw) => raw.parse().ok().filter(|s| (1..=86_400).contains(s)).ok_or_else(|| ConfigError::Invalid {
                name: keys::CRM_POLL_INTERVAL_SECONDS,
                reason: format!("`{raw}`: a whole number of seconds from 1 to 86400 (default 30)"),
            })?,
        };
        let public_url = match lookup(keys::WORKER_PUBLIC_URL).filter(|v| !v.trim().is_empty()) {
            Some(url) => Some(parse_base_url(keys::WORKER_PUBLIC_URL, &url)?),
            None => None,
        };
        let demo_crm = match lookup(keys::DEMO_CRM_BASE_URL).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(base_url) => {
                let client_secret = checked_secret(
                    keys::DEMO_CRM_CLIENT_SECRET,
                    &required(keys::DEMO_CRM_CLIENT_SECRET)?,
                    32,
                    allow_loopback,
                )?;
                Some(DemoCrmConfig {
                    base_url: parse_base_url(keys::DEMO_CRM_BASE_URL, &base_url)?,
                    // The OAuth redirect and the webhooks' target are built from it.
                    public_url: public_url.clone().ok_or(ConfigError::Missing(keys::WORKER_PUBLIC_URL))?,
                    client_id: required(keys::DEMO_CRM_CLIENT_ID)?.trim().to_owned(),
                    client_secret: client_secret.trim().to_owned().into(),
                })
            }
        };
        let salesforce = match lookup(keys::SALESFORCE_LOGIN_URL).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(login_url) => {
                let consumer_secret = required(keys::SALESFORCE_CONSUMER_SECRET)?;
                if consumer_secret.trim().len() < 16 {
                    return Err(ConfigError::Invalid {
                        name: keys::SALESFORCE_CONSUMER_SECRET,
                        reason: "copy the External Client App's consumer secret (Setup > External Client App Manager)"
                            .into(),
                    });
                }
                let frame_origins = match lookup(keys::SALESFORCE_FRAME_ORIGINS).filter(|v| !v.trim().is_empty()) {
                    Some(raw) => parse_frame_origins(keys::SALESFORCE_FRAME_ORIGINS, &raw)?,
                    None => SALESFORCE_DEFAULT_FRAME_ORIGINS.iter().map(|o| (*o).to_owned()).collect(),
                };
                let namespace = lookup(keys::SALESFORCE_NAMESPACE).unwrap_or_default().trim().to_owned();
                if !namespace.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    return Err(ConfigError::Invalid {
                        name: keys::SALESFORCE_NAMESPACE,
                        reason: format!("{namespace}: a namespace prefix is letters, digits and `_`"),
                    });
                }
                Some(SalesforceConfig {
                    login_url: parse_base_url(keys::SALESFORCE_LOGIN_URL, &login_url)?,
                    public_url: public_url.clone().ok_or(ConfigError::Missing(keys::WORKER_PUBLIC_URL))?,
                    consumer_key: required(keys::SALESFORCE_CONSUMER_KEY)?.trim().to_owned(),
                    consumer_secret: consumer_secret.trim().to_owned().into(),
                    frame_origins,
                    field_prefix: if namespace.is_empty() { namespace } else { format!("{namespace}__") },
                })
            }
        };
        let pipedrive = match lookup(keys::PIPEDRIVE_CLIENT_ID).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(client_id) => {
                let client_secret = required(keys::PIPEDRIVE_CLIENT_SECRET)?.trim().to_owned();
                if client_secret.len() < 16 {
                    return Err(ConfigError::Invalid {
                        name: keys::PIPEDRIVE_CLIENT_SECRET,
                        reason: "copy the app's client secret from Pipedrive's Developer Hub (OAuth & access scopes)"
                            .into(),
                    });
                }
                let jwt_secret =
                    lookup(keys::PIPEDRIVE_JWT_SECRET).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
                let oauth_url = lookup(keys::PIPEDRIVE_OAUTH_URL).filter(|v| !v.trim().is_empty());
                let frame_origins = match lookup(keys::PIPEDRIVE_FRAME_ORIGINS).filter(|v| !v.trim().is_empty()) {
                    Some(raw) => parse_frame_origins(keys::PIPEDRIVE_FRAME_ORIGINS, &raw)?,
                    None => vec!["https://*.pipedrive.com".to_owned()],
                };
                Some(PipedriveConfig {
                    oauth_url: parse_base_url(
                        keys::PIPEDRIVE_OAUTH_URL,
                        oauth_url.as_deref().unwrap_or("https://oauth.pipedrive.com"),
                    )?,
                    public_url: public_url.clone().ok_or(ConfigError::Missing(keys::WORKER_PUBLIC_URL))?,
                    client_id: client_id.trim().to_owned(),
                    jwt_secret: jwt_secret.unwrap_or_else(|| client_secret.clone()).into(),
                    client_secret: client_secret.into(),
                    frame_origins,
                })
            }
        };
        let hubspot = match lookup(keys::HUBSPOT_CLIENT_ID).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(client_id) => {
                let client_secret = required(keys::HUBSPOT_CLIENT_SECRET)?.trim().to_owned();
                if client_secret.len() < 16 {
                    return Err(ConfigError::Invalid {
                        name: keys::HUBSPOT_CLIENT_SECRET,
                        reason: "copy the app's client secret from the project's Auth tab in HubSpot".into(),
                    });
                }
                let app_id = required(keys::HUBSPOT_APP_ID)?.trim().to_owned();
                if app_id.is_empty() || !app_id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ConfigError::Invalid {
                        name: keys::HUBSPOT_APP_ID,
                        reason: format!("{app_id}: the app id is the number HubSpot shows on the app's page"),
                    });
                }
                let url = |name: &'static str, default: &str| {
                    let value = lookup(name).filter(|v| !v.trim().is_empty());
                    parse_base_url(name, value.as_deref().unwrap_or(default))
                };
                let frame_origins = match lookup(keys::HUBSPOT_FRAME_ORIGINS).filter(|v| !v.trim().is_empty()) {
                    Some(raw) => parse_frame_origins(keys::HUBSPOT_FRAME_ORIGINS, &raw)?,
                    None => vec!["https://*.hubspot.com".to_owned()],
                };
                Some(HubSpotConfig {
                    oauth_url: url(keys::HUBSPOT_OAUTH_URL, "https://app.hubspot.com")?,
                    api_url: url(keys::HUBSPOT_API_URL, "https://api.hubapi.com")?,
                    public_url: public_url.clone().ok_or(ConfigError::Missing(keys::WORKER_PUBLIC_URL))?,
                    client_id: client_id.trim().to_owned(),
                    client_secret: client_secret.into(),
                    app_id,
                    frame_origins,
                })
            }
        };
        Ok(Config {
            signing_secret: secret.into(),
            public_url,
            crm_poll_interval_seconds,
            demo_crm,
            salesforce,
            pipedrive,
            hubspot,
            allowed_crm_origins,
            aurora: AuroraConfig {
                base_url,
                application_id,
                application_key,
                webhook_header,
                webhook_token: aurora_api::HeaderAuthValue::new(webhook_token.trim()),
                rate_limit,
            },
        })
    }
}

/// A secret that can be one: long enough, not an example's placeholder, not a pattern,
/// and, outside development (`development`), not one of the obviously fake values our
/// examples and tests use (`dev-...`, `sandbox-...`). Whoever knows the signing secret can
/// forge widget tokens and admin sessions for any account.
fn checked_secret(name: &'static str, value: &str, min_chars: usize, development: bool) -> Result<String, ConfigError> {
    let value = value.trim();
    let invalid = |reason: &str| Err(ConfigError::Invalid { name, reason: reason.into() });
    let distinct = value.chars().collect::<std::collections::BTreeSet<char>>().len();
    if value.chars().count() < min_chars {
        invalid(&format!("use at least {min_chars} characters of random data (e.g. `openssl rand -hex 32`)"))
    } else if value.contains("replace-with") {
        invalid("this is the example's placeholder: generate a value (e.g. `openssl rand -hex 32`)")
    } else if distinct < 12 {
        invalid("this looks like a pattern, not random data: generate a value (e.g. `openssl rand -hex 32`)")
    } else if !development && ["dev-", "dev_", "sandbox-", "test-"].iter().any(|p| value.starts_with(p)) {
        invalid("a development value: generate a real one for a deployment that talks to Aurora itself")
    } else {
        Ok(value.to_owned())
    }
}

/// A base URL we redirect browsers to or call: https, or http on loopback; no query.
fn parse_base_url(name: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = raw.trim().trim_end_matches('/');
    let invalid = |reason: &str| ConfigError::Invalid { name, reason: format!("{url}: {reason}") };
    let rest = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(rest)) if matches!(rest.split([':', '/']).next(), Some("127.0.0.1" | "localhost")) => rest,
        (None, Some(_)) => return Err(invalid("plain http is only allowed for loopback")),
        (None, None) => return Err(invalid("give an https:// URL")),
    };
    if rest.is_empty() || rest.contains(['?', '#', ' ', '"', '\'', '<', '>']) {
        return Err(invalid("give scheme://host[:port][/path] only"));
    }
    Ok(url.to_owned())
}

/// Parses frame-ancestors sources: `https://host[:port]`, or `https://*.domain` (a CSP
/// wildcard: any subdomain), comma separated, or plain http on loopback (local stand-ins).
/// Nothing that could leave a CSP source.
fn parse_frame_origins(name: &'static str, raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let invalid = |reason: &str| ConfigError::Invalid { name, reason: format!("{origin}: {reason}") };
            let loopback = origin
                .strip_prefix("http://")
                .filter(|host| matches!(host.split(':').next(), Some("127.0.0.1" | "localhost")));
            let host = origin
                .strip_prefix("https://")
                .or(loopback)
                .ok_or_else(|| invalid("give https://host or https://*.domain"))?;
            let bare = host.strip_prefix("*.").unwrap_or(host);
            let clean = !bare.is_empty()
                && (bare.contains('.') || loopback.is_some())
                && bare.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
            if clean {
                Ok(origin.to_ascii_lowercase())
            } else {
                Err(invalid("give https://host or https://*.domain, no path"))
            }
        })
        .collect()
}

/// Parses `https://crm.example.com, http://127.0.0.1:8791` into origins. Paths, wildcards
/// and plain-http non-loopback hosts are refused: each would widen who may frame us.
fn parse_origins(raw: &str) -> Result<Vec<String>, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid { name: keys::ALLOWED_CRM_ORIGINS, reason };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            let rest = if let Some(rest) = origin.strip_prefix("https://") {
                rest
            } else if let Some(rest) = origin.strip_prefix("http://") {
                let host = rest.split(':').next().unwrap_or_default();
                if host != "127.0.0.1" && host != "localhost" {
                    return Err(invalid(format!("{origin}: plain http is only allowed for loopback")));
                }
                rest
            } else {
                return Err(invalid(format!("{origin}: an origin starts with https://")));
            };
            // Nothing that could end an HTML attribute either: the embed page lists them.
            if rest.is_empty() || rest.contains(['/', '*', ' ', '?', '#', '"', '\'', '<', '>', '&']) {
                return Err(invalid(format!("{origin}: give scheme://host[:port] only, no paths or wildcards")));
            }
            Ok(origin.to_owned())
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|origins| if origins.is_empty() { Err(invalid("no origin given".into())) } else { Ok(origins) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    // Obviously fake, but shaped like generated values (a deployment refuses `dev-...`).
    const SECRET: &str = "f4k3Z9qLm2Xv8Rt1Wb6Yc3Hs5Jd0Gn7Pa";
    const WEBHOOK_TOKEN: &str = "f4k3-w3bh00k-T0kq9Zx2Lm8R";

    /// A complete, valid configuration with `overrides` applied ("" removes a key).
    fn settings(overrides: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut all = vec![
            (keys::WORKER_SIGNING_SECRET, SECRET),
            (keys::ALLOWED_CRM_ORIGINS, "https://crm.example"),
            (keys::AURORA_BASE_URL, "https://api-sandbox.aurorasolar.com"),
            (keys::AURORA_APPLICATION_ID, "5a2d8e1c-0000-4000-8000-00000000a991"),
            (keys::AURORA_APPLICATION_KEY, "sk_dev_application_key_value"),
            (keys::AURORA_WEBHOOK_TOKEN, WEBHOOK_TOKEN),
        ];
        for (key, value) in overrides {
            all.retain(|(k, _)| k != key);
            if !value.is_empty() {
                all.push((key, value));
            }
        }
        all
    }

    #[test]
    fn aurora_settings_are_checked_and_named() {
        assert!(Config::from_lookup(lookup(&settings(&[]))).is_ok());
        for (overrides, name) in [
            (vec![(keys::AURORA_BASE_URL, "https://evil.example")], keys::AURORA_BASE_URL),
            (vec![(keys::AURORA_BASE_URL, "http://127.0.0.1:8790")], keys::AURORA_BASE_URL),
            (vec![(keys::AURORA_APPLICATION_ID, "app\u{1}id")], keys::AURORA_APPLICATION_ID),
            (vec![(keys::AURORA_APPLICATION_KEY, "")], keys::AURORA_APPLICATION_KEY),
            (vec![(keys::AURORA_WEBHOOK_TOKEN, "short")], keys::AURORA_WEBHOOK_TOKEN),
            (vec![(keys::AURORA_WEBHOOK_HEADER, "X Bad Header")], keys::AURORA_WEBHOOK_HEADER),
            (vec![(keys::AURORA_ALLOW_LOOPBACK, "yes")], keys::AURORA_ALLOW_LOOPBACK),
        ] {
            let err = Config::from_lookup(lookup(&settings(&overrides))).expect_err(name);
            assert!(err.to_string().starts_with(name), "{err}");
        }
        let loopback =
            settings(&[(keys::AURORA_BASE_URL, "http://127.0.0.1:8790"), (keys::AURORA_ALLOW_LOOPBACK, "true")]);
        let config = Config::from_lookup(lookup(&loopback)).expect("loopback allowed by the dev flag");
        assert_eq!(config.aurora.base_url, "http://127.0.0.1:8790");
        assert_eq!(config.aurora.webhook_header, DEFAULT_WEBHOOK_HEADER);
    }

    #[test]
    fn secrets_must_look_generated_and_development_values_stay_in_development() {
        let placeholder = "dev-only-replace-with-32-or-more-random-characters";
        let development = "dev-only-worker-signing-secret-0123456789abcdef";
        let refused = [
            (keys::WORKER_SIGNING_SECRET, placeholder, "placeholder"),
            (keys::WORKER_SIGNING_SECRET, "abababababababababababababababababab", "pattern"),
            (keys::WORKER_SIGNING_SECRET, "too-short", "at least 32"),
            (keys::WORKER_SIGNING_SECRET, development, "development value"),
            (keys::AURORA_WEBHOOK_TOKEN, "dev-only-replace-with-24-or-more-random-characters", "placeholder"),
        ];
        for (name, value, why) in refused {
            let err = Config::from_lookup(lookup(&settings(&[(name, value)]))).expect_err(value);
            assert!(err.to_string().starts_with(name) && err.to_string().contains(why), "{value}: {err}");
        }
        // A development setup (Aurora on loopback: the sandbox) may use development values,
        // never the placeholder.
        let dev = |secret: &'static str| {
            Config::from_lookup(lookup(&settings(&[
                (keys::WORKER_SIGNING_SECRET, secret),
                (keys::AURORA_BASE_URL, "http://127.0.0.1:8790"),
                (keys::AURORA_ALLOW_LOOPBACK, "true"),
            ])))
        };
        assert!(dev(development).is_ok());
        assert!(dev(placeholder).is_err());
    }

    #[test]
    fn the_demo_crm_is_optional_but_complete_when_set() {
        assert!(Config::from_lookup(lookup(&settings(&[]))).expect("valid").demo_crm.is_none());
        let crm = [
            (keys::DEMO_CRM_BASE_URL, "http://127.0.0.1:8791/"),
            (keys::DEMO_CRM_CLIENT_ID, "aurora-solar-for-crms"),
            (keys::DEMO_CRM_CLIENT_SECRET, "f4k3-cl13nt-s3cr3t-Q9zX2Lm8Rt1Wb6Yc"),
            (keys::WORKER_PUBLIC_URL, "https://aurora-crm.example.com"),
        ];
        let config = Config::from_lookup(lookup(&settings(&crm))).expect("valid");
        let demo = config.demo_crm.expect("configured");
        assert_eq!(demo.redirect_uri(), "https://aurora-crm.example.com/install/demo/callback");
        assert_eq!(demo.base_url, "http://127.0.0.1:8791");
        for (key, value) in [
            (keys::WORKER_PUBLIC_URL, ""),
            (keys::DEMO_CRM_CLIENT_SECRET, "short"),
            (keys::DEMO_CRM_BASE_URL, "http://crm.example.com"),
            (keys::WORKER_PUBLIC_URL, "https://x.example/?a=1"),
        ] {
            let mut broken = crm.to_vec();
            broken.retain(|(k, _)| *k != key);
            broken.push((key, value));
            let err = Config::from_lookup(lookup(&settings(&broken))).expect_err(key);
            assert!(err.to_string().starts_with(key), "{err}");
        }
    }

    #[test]
    fn a_missing_setting_is_named() {
        let err =
            Config::from_lookup(lookup(&settings(&[(keys::WORKER_SIGNING_SECRET, "")]))).expect_err("secret missing");
        assert_eq!(err, ConfigError::Missing(keys::WORKER_SIGNING_SECRET));
        assert!(err.to_string().contains("WORKER_SIGNING_SECRET is not set"));
    }

    #[test]
    fn origins_are_checked() {
        for (raw, ok) in [
            ("https://crm.example.com", true),
            ("https://crm.example.com/, http://127.0.0.1:8791", true),
            ("http://crm.example.com", false),
            ("https://*.example.com", false),
            ("https://crm.example.com/path", false),
            ("crm.example.com", false),
            ("https://crm.example.com\"><script>", false),
            (" , ", false),
        ] {
            let result = parse_origins(raw);
            assert_eq!(result.is_ok(), ok, "{raw}: {result:?}");
        }
        assert_eq!(
            parse_origins("https://a.example/, http://localhost:3000").expect("valid"),
            vec!["https://a.example", "http://localhost:3000"]
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = Config::from_lookup(lookup(&settings(&[]))).expect("valid config");
        let printed = format!("{config:?}");
        for secret in [SECRET, "sk_dev_application_key_value", WEBHOOK_TOKEN] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }
}
