//! Where Aurora's API lives. The base URL is configuration, but only Aurora's own hosts
//! (or a loopback sandbox, when a dev flag allows it) are accepted, so a mistyped or
//! malicious setting cannot send our application key elsewhere.

/// Aurora's production API.
pub const PRODUCTION: &str = "https://api.aurorasolar.com";
/// Aurora's sandbox API, where partner apps are developed.
pub const SANDBOX: &str = "https://api-sandbox.aurorasolar.com";

/// The origin of Aurora's web app for an API base URL [int]: `v2.aurorasolar.com` for
/// production, `v2-sandbox.aurorasolar.com` for the sandbox, the base URL itself for a
/// loopback sandbox. Where Aurora embeds partner apps, and links to projects.
pub fn web_app_origin(base_url: &str) -> &str {
    match base_url {
        PRODUCTION => "https://v2.aurorasolar.com",
        SANDBOX => "https://v2-sandbox.aurorasolar.com",
        local => local,
    }
}

/// The project's page in Aurora's web app (see [`web_app_origin`]).
pub fn project_app_url(base_url: &str, project_id: &str) -> String {
    format!("{}/projects/{project_id}/overview/dashboard", web_app_origin(base_url))
}

/// Why an Aurora base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    /// Not one of Aurora's hosts and not an allowed loopback sandbox.
    #[error(
        "`{0}` is not an Aurora API host: use {PRODUCTION} or {SANDBOX} \
         (a http://127.0.0.1:PORT sandbox needs the dev flag)"
    )]
    NotAurora(String),
}

/// Whether `base_url` (as [`checked_base_url`] returns it) is one of Aurora's own hosts,
/// not a loopback sandbox.
pub fn is_aurora(base_url: &str) -> bool {
    base_url == PRODUCTION || base_url == SANDBOX
}

/// Checks an Aurora base URL and returns it without a trailing slash.
pub fn checked_base_url(url: &str, allow_loopback: bool) -> Result<String, BaseUrlError> {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed == PRODUCTION || trimmed == SANDBOX {
        return Ok(trimmed.to_owned());
    }
    let loopback_port = trimmed.strip_prefix("http://127.0.0.1:").or_else(|| trimmed.strip_prefix("http://localhost:"));
    if allow_loopback && loopback_port.is_some_and(|port| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
    {
        return Ok(trimmed.to_owned());
    }
    Err(BaseUrlError::NotAurora(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_links_go_to_the_matching_app() {
        assert_eq!(project_app_url(PRODUCTION, "p1"), "https://v2.aurorasolar.com/projects/p1/overview/dashboard");
        assert_eq!(project_app_url(SANDBOX, "p1"), "https://v2-sandbox.aurorasolar.com/projects/p1/overview/dashboard");
    }

    #[test]
    fn only_aurora_hosts_or_a_flagged_loopback() {
        for (url, loopback, ok) in [
            ("https://api.aurorasolar.com", false, true),
            ("https://api-sandbox.aurorasolar.com/", false, true),
            ("https://api.aurorasolar.com.evil.example", false, false),
            ("http://api.aurorasolar.com", false, false),
            ("http://127.0.0.1:8790", false, false),
            ("http://127.0.0.1:8790", true, true),
            ("http://127.0.0.1:8790@evil.example", true, false),
            ("http://10.0.0.1:8790", true, false),
        ] {
            assert_eq!(checked_base_url(url, loopback).is_ok(), ok, "{url} loopback={loopback}");
        }
    }
}
