//! Reading settings from whatever a host calls its environment (process env and CLI flags
//! natively; vars and secrets on Workers), with the rules every setting shares: a secret
//! must look generated, a URL we call or send browsers to is https (http on loopback
//! only), a frame origin cannot leave its CSP source. `config.rs` reads the worker's own
//! settings with it, and each CRM its own (`crm/<name>/settings.rs`).

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

/// The setting that names where browsers and CRMs reach this worker.
pub const WORKER_PUBLIC_URL: &str = "WORKER_PUBLIC_URL";

/// The environment, and what a CRM's settings are read against.
pub struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Where browsers and CRMs reach this worker, when set.
    public_url: Option<&'a str>,
    /// A development setup (Aurora on loopback: the sandbox), where the obviously fake
    /// secrets of our examples and tests are allowed.
    development: bool,
}

impl<'a> Env<'a> {
    /// The environment behind `lookup`.
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>, public_url: Option<&'a str>, development: bool) -> Self {
        Env { lookup, public_url, development }
    }

    /// A setting's value, trimmed; `None` when unset or blank.
    pub fn value(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// A setting that must be set.
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.value(name).ok_or(ConfigError::Missing(name))
    }

    /// The worker's public base URL, which CRMs that install through OAuth or send
    /// webhooks need (their redirect and webhook URLs are built from it).
    pub fn public_url(&self) -> Result<String, ConfigError> {
        self.public_url.map(str::to_owned).ok_or(ConfigError::Missing(WORKER_PUBLIC_URL))
    }

    /// A secret a CRM issued us (a client or consumer secret), held to the one rule for
    /// CRM secrets: [`checked_secret`] to the shape [`CRM_SECRET`].
    /// `where_from` tells the admin where to copy it.
    pub fn crm_secret(&self, name: &'static str, where_from: &str) -> Result<secrecy::SecretString, ConfigError> {
        let value = self.required(name)?;
        checked_secret(name, &value, CRM_SECRET, self.development).map(Into::into).map_err(|error| match error {
            ConfigError::Invalid { name, reason } => {
                ConfigError::Invalid { name, reason: format!("{reason}; {where_from}") }
            }
            other => other,
        })
    }

    /// An optional CRM secret (set: held to the same rule).
    pub fn optional_crm_secret(
        &self,
        name: &'static str,
        where_from: &str,
    ) -> Result<Option<secrecy::SecretString>, ConfigError> {
        match self.value(name) {
            None => Ok(None),
            Some(_) => self.crm_secret(name, where_from).map(Some),
        }
    }

    /// A base URL (see [`parse_base_url`]), `default` when unset.
    pub fn base_url(&self, name: &'static str, default: &str) -> Result<String, ConfigError> {
        parse_base_url(name, self.value(name).as_deref().unwrap_or(default))
    }

    /// Frame-ancestors sources (see [`parse_frame_origins`]), `default` when unset.
    pub fn frame_origins(&self, name: &'static str, default: &[&str]) -> Result<Vec<String>, ConfigError> {
        match self.value(name) {
            Some(raw) => parse_frame_origins(name, &raw),
            None => Ok(default.iter().map(|origin| (*origin).to_owned()).collect()),
        }
    }
}

/// What a secret must have to be taken for random data: so many characters, so many of
/// them distinct.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// The fewest characters.
    pub min_chars: usize,
    /// The fewest distinct characters: fewer is a pattern (`abab...`, `aaaa...`).
    pub min_distinct: usize,
}

/// The worker's own signing secret: `openssl rand -hex 32` has 64 characters, 16 distinct.
pub const SIGNING_SECRET: Shape = Shape { min_chars: 32, min_distinct: 12 };

/// The value Aurora's webhooks carry in their auth header (we choose it).
pub const WEBHOOK_TOKEN: Shape = Shape { min_chars: 24, min_distinct: 12 };

/// A secret a CRM issued us. The vendors document no shape for them (Salesforce's
/// consumer secrets have been 19 decimal digits in older Connected Apps and longer strings
/// since; HubSpot's client secrets are UUIDs; Pipedrive's are hex; a Pipedrive panel's JWT
/// secret is whatever the developer typed), so the rule only refuses what cannot be one:
/// under 16 characters (a truncated copy), or a run of a few characters repeated. A
/// 19-digit secret has fewer than 8 distinct digits one time in ten: 4 is the floor.
pub const CRM_SECRET: Shape = Shape { min_chars: 16, min_distinct: 4 };

/// A secret that can be one: long enough, not an example's placeholder, not a pattern,
/// and, outside development (`development`), not one of the obviously fake values our
/// examples and tests use (`dev-...`, `sandbox-...`). Whoever knows a signing secret can
/// forge what it signs.
pub fn checked_secret(name: &'static str, value: &str, shape: Shape, development: bool) -> Result<String, ConfigError> {
    let Shape { min_chars, min_distinct } = shape;
    let value = value.trim();
    let invalid = |reason: &str| Err(ConfigError::Invalid { name, reason: reason.into() });
    let distinct = value.chars().collect::<std::collections::BTreeSet<char>>().len();
    if value.chars().count() < min_chars {
        invalid(&format!("use at least {min_chars} characters of random data (e.g. `openssl rand -hex 32`)"))
    } else if value.contains("replace-with") {
        invalid("this is the example's placeholder: generate a value (e.g. `openssl rand -hex 32`)")
    } else if distinct < min_distinct {
        invalid("this looks like a pattern, not random data: generate a value (e.g. `openssl rand -hex 32`)")
    } else if !development && ["dev-", "dev_", "sandbox-", "test-"].iter().any(|p| value.starts_with(p)) {
        invalid("a development value: generate a real one for a deployment that talks to Aurora itself")
    } else {
        Ok(value.to_owned())
    }
}

/// A base URL we redirect browsers to or call: https, or http on loopback; no query.
pub fn parse_base_url(name: &'static str, raw: &str) -> Result<String, ConfigError> {
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
pub fn parse_frame_origins(name: &'static str, raw: &str) -> Result<Vec<String>, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_crm_secret_is_held_to_one_rule() {
        let lookup = |name: &str| {
            match name {
                "GOOD" => Some("9f8e7d6c-5b4a-4321-8fed-cba987654321"),
                // An older Connected App's consumer secret: 19 digits, only 6 distinct here.
                "DIGITS" => Some("1122334455661122334"),
                "SHORT" => Some("abc123"),
                "PATTERN" => Some("abababababababababab"),
                "DEV" => Some("dev-0123456789abcdefghij"),
                "PLACEHOLDER" => Some("replace-with-the-client-secret"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let deployment = Env::new(&lookup, None, false);
        assert!(deployment.crm_secret("GOOD", "from the app's page").is_ok());
        assert!(deployment.crm_secret("DIGITS", "from the app's page").is_ok());
        for (name, why) in [
            ("SHORT", "at least 16"),
            ("PATTERN", "pattern"),
            ("DEV", "development value"),
            ("PLACEHOLDER", "placeholder"),
        ] {
            let error = deployment.crm_secret(name, "from the app's page").expect_err(name).to_string();
            assert!(
                error.starts_with(name) && error.contains(why) && error.ends_with("from the app's page"),
                "{error}"
            );
        }
        assert!(matches!(deployment.crm_secret("UNSET", "x"), Err(ConfigError::Missing("UNSET"))));
        assert!(deployment.optional_crm_secret("UNSET", "x").expect("unset is fine").is_none());
        // Development values are for development setups.
        assert!(Env::new(&lookup, None, true).crm_secret("DEV", "x").is_ok());
    }
}
