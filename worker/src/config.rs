//! One typed configuration for both hosts, read from whatever the host calls its
//! environment (process env and CLI flags natively; vars and secrets on Workers).

use crate::crm::CrmSettings;
pub use crate::environment::ConfigError;
use crate::environment::{Env, SIGNING_SECRET, WEBHOOK_TOKEN, checked_secret, parse_base_url};
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
    pub const WORKER_PUBLIC_URL: &str = crate::environment::WORKER_PUBLIC_URL;
    /// Where admins and reps write for help (`support@example.com`), on the public
    /// support page (`/support`) the marketplaces' listings link to.
    pub const SUPPORT_EMAIL: &str = "SUPPORT_EMAIL";
}

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
    /// Where people write for help, when set.
    pub support_email: Option<String>,
    /// The settings of each CRM configured here, read by the CRM's own module.
    pub crms: CrmSettings,
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
        let base_url = aurora_api::hosts::checked_base_url(&required(keys::AURORA_BASE_URL)?, allow_loopback)
            .map_err(|e| ConfigError::Invalid { name: keys::AURORA_BASE_URL, reason: e.to_string() })?;
        // Only a development setup talks to an Aurora on loopback (the sandbox): only there
        // may secrets be the obviously fake ones our examples and tests use. The URL
        // decides, not the flag: with the flag left on and a real Aurora, they are refused.
        let allow_loopback = allow_loopback && !aurora_api::hosts::is_aurora(&base_url);
        let secret = checked_secret(
            keys::WORKER_SIGNING_SECRET,
            &required(keys::WORKER_SIGNING_SECRET)?,
            SIGNING_SECRET,
            allow_loopback,
        )?;
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
        let webhook_token = checked_secret(
            keys::AURORA_WEBHOOK_TOKEN,
            &required(keys::AURORA_WEBHOOK_TOKEN)?,
            WEBHOOK_TOKEN,
            allow_loopback,
        )?;
        let rate_limit = match lookup(keys::AURORA_REQUESTS_PER_MINUTE).as_deref().map(str::trim) {
            None | Some("") => crate::aurora_pacing::RateLimit::AURORA,
            Some(raw) => {
                crate::aurora_pacing::RateLimit::per_minute(raw.parse().map_err(|_| ConfigError::Invalid {
                    name: keys::AURORA_REQUESTS_PER_MINUTE,
                    reason: format!(
                        "`{raw}`: a whole number of requests a minute (Aurora's is 90; 0 turns pacing off)"
                    ),
                })?)
            }
        };
        let crm_poll_interval_seconds = match lookup(keys::CRM_POLL_INTERVAL_SECONDS).as_deref().map(str::trim) {
            None | Some("") => DEFAULT_CRM_POLL_INTERVAL_SECONDS,
            Some(raw) => raw.parse().ok().filter(|s| (1..=86_400).contains(s)).ok_or_else(|| ConfigError::Invalid {
                name: keys::CRM_POLL_INTERVAL_SECONDS,
                reason: format!("`{raw}`: a whole number of seconds from 1 to 86400 (default 30)"),
            })?,
        };
        let support_email = match lookup(keys::SUPPORT_EMAIL).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            Some(email) if is_email(&email) => Some(email),
            Some(email) => {
                return Err(ConfigError::Invalid {
                    name: keys::SUPPORT_EMAIL,
                    reason: format!("`{email}`: an email address, such as support@example.com"),
                });
            }
            None => None,
        };
        let public_url = match lookup(keys::WORKER_PUBLIC_URL).filter(|v| !v.trim().is_empty()) {
            Some(url) => Some(parse_base_url(keys::WORKER_PUBLIC_URL, &url)?),
            None => None,
        };
        // Each CRM reads its own settings, with the rules every setting shares.
        let crms = CrmSettings::read(&Env::new(&lookup, public_url.as_deref(), allow_loopback))?;
        Ok(Config {
            signing_secret: secret.into(),
            public_url,
            crm_poll_interval_seconds,
            support_email,
            crms,
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

/// Whether `text` reads as one email address: something, `@`, a dotted domain; nothing a
/// page or a `mailto:` would need escaped beyond what the page escapes anyway.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    let plain = |part: &str| part.chars().all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
    !local.is_empty() && plain(local) && plain(domain) && domain.contains('.') && !domain.starts_with('.')
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
        // The flag left on with a real Aurora is no development setup.
        for aurora in ["https://api.aurorasolar.com", "https://api-sandbox.aurorasolar.com"] {
            let err = Config::from_lookup(lookup(&settings(&[
                (keys::WORKER_SIGNING_SECRET, development),
                (keys::AURORA_BASE_URL, aurora),
                (keys::AURORA_ALLOW_LOOPBACK, "true"),
            ])))
            .expect_err(aurora);
            assert!(err.to_string().contains("development value"), "{aurora}: {err}");
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
