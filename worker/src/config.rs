//! One typed configuration for both hosts, read from whatever the host calls its
//! environment (process env and CLI flags natively; vars and secrets on Workers).

use secrecy::SecretString;

/// Names of the settings, as environment variables (native) and Worker vars/secrets.
pub mod keys {
    /// The worker's own secret: signs the short-lived widget tokens (HS256).
    pub const WORKER_SIGNING_SECRET: &str = "WORKER_SIGNING_SECRET";
    /// Comma-separated origins of CRMs allowed to frame the widget.
    pub const ALLOWED_CRM_ORIGINS: &str = "ALLOWED_CRM_ORIGINS";
}

/// Validated settings. Secrets are [`SecretString`]s: `Debug` prints `[REDACTED]`.
#[derive(Debug)]
pub struct Config {
    /// Signs widget tokens. Each CRM account's own signing secret lives with its
    /// installation, not here.
    pub signing_secret: SecretString,
    /// Origins (`scheme://host[:port]`) of the CRMs allowed to embed the widget.
    pub allowed_crm_origins: Vec<String>,
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
        let required = |name: &'static str| {
            lookup(name).filter(|v| !v.trim().is_empty()).ok_or(ConfigError::Missing(name))
        };
        let secret = required(keys::WORKER_SIGNING_SECRET)?;
        if secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: keys::WORKER_SIGNING_SECRET,
                reason: "use at least 32 characters of random data".into(),
            });
        }
        let allowed_crm_origins = parse_origins(&required(keys::ALLOWED_CRM_ORIGINS)?)?;
        Ok(Config { signing_secret: secret.into(), allowed_crm_origins })
    }
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
            if rest.is_empty() || rest.contains(['/', '*', ' ', '?', '#']) {
                return Err(invalid(format!("{origin}: give scheme://host[:port] only, no paths or wildcards")));
            }
            Ok(origin.to_owned())
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|origins| {
            if origins.is_empty() { Err(invalid("no origin given".into())) } else { Ok(origins) }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    const SECRET: &str = "dev-only-worker-signing-secret-0123456789abcdef";

    #[test]
    fn a_missing_setting_is_named() {
        let err = Config::from_lookup(lookup(&[(keys::ALLOWED_CRM_ORIGINS, "https://crm.example")]))
            .expect_err("secret missing");
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
        let config = Config::from_lookup(lookup(&[
            (keys::WORKER_SIGNING_SECRET, SECRET),
            (keys::ALLOWED_CRM_ORIGINS, "https://crm.example"),
        ]))
        .expect("valid config");
        assert!(!format!("{config:?}").contains(SECRET));
    }
}
