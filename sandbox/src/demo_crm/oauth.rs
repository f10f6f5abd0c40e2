//! OAuth 2.0 authorization code grant (RFC 6749 §4.1) for installing apps: an admin
//! consents, the app exchanges the code server-side with its client secret, and gets an
//! access token (short-lived) and a refresh token for the account. PKCE (RFC 7636) as most
//! CRMs offer it: optional, S256 only; a code issued with a challenge is exchanged only
//! with its verifier.

use super::{
    pages,
    state::{AccessGrant, CodeGrant, Crm, Installation, Role, new_token, unix_now},
    web::SignedIn,
};
use crate::listing;
use axum::{
    Form, Json,
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// How long an authorization code may wait for its exchange.
const CODE_LIFETIME: Duration = Duration::from_secs(120);

#[derive(Debug, Deserialize)]
pub struct AuthorizeRequest {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
}

impl AuthorizeRequest {
    /// Problems that must NOT be sent back to `redirect_uri` (it may be an attacker's).
    fn unredirectable_problem(&self, crm: &Crm) -> Option<&'static str> {
        if self.client_id != crm.settings.client_id {
            Some("Unknown app (client_id).")
        } else if self.redirect_uri != crm.registered_redirect_uri() {
            Some("The redirect_uri is not the one registered for this app.")
        } else {
            None
        }
    }

    fn redirect_with(&self, params: &[(&str, &str)]) -> Response {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().chain(std::iter::once(&("state", self.state.as_str()))))
            .finish();
        Redirect::to(&format!("{}?{query}", self.redirect_uri)).into_response()
    }
}

/// `GET /oauth/authorize`: the consent screen (admins only).
pub async fn consent_page(
    State(crm): State<Crm>,
    signed_in: SignedIn,
    Query(request): Query<AuthorizeRequest>,
) -> Response {
    let viewer = signed_in.viewer();
    if let Some(problem) = request.unredirectable_problem(&crm) {
        return (StatusCode::BAD_REQUEST, Html(pages::message(Some(&viewer), "Cannot install", problem)))
            .into_response();
    }
    if request.response_type != "code" {
        return request.redirect_with(&[("error", "unsupported_response_type")]);
    }
    if request.state.is_empty() {
        return request.redirect_with(&[("error", "invalid_request"), ("error_description", "state is required")]);
    }
    if !request.code_challenge.is_empty() && request.code_challenge_method != "S256" {
        return request.redirect_with(&[
            ("error", "invalid_request"),
            ("error_description", "code_challenge_method must be S256"),
        ]);
    }
    if signed_in.user.role != Role::Admin {
        let message = format!("Only an admin of {} can install apps. Ask your admin.", signed_in.account.name);
        return (StatusCode::FORBIDDEN, Html(pages::message(Some(&viewer), "Admins only", &message))).into_response();
    }
    let hidden = [
        ("client_id", request.client_id.as_str()),
        ("redirect_uri", request.redirect_uri.as_str()),
        ("state", request.state.as_str()),
        ("scope", request.scope.as_str()),
        ("code_challenge", request.code_challenge.as_str()),
        ("code_challenge_method", request.code_challenge_method.as_str()),
    ];
    Html(pages::consent(&viewer, &hidden)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct Decision {
    #[serde(flatten)]
    request: AuthorizeRequest,
    csrf: String,
    decision: String,
}

/// `POST /oauth/authorize`: the admin allowed (a code) or cancelled (`access_denied`).
pub async fn decide(State(crm): State<Crm>, signed_in: SignedIn, Form(form): Form<Decision>) -> Response {
    let viewer = signed_in.viewer();
    if let Some(problem) = form.request.unredirectable_problem(&crm) {
        return (StatusCode::BAD_REQUEST, Html(pages::message(Some(&viewer), "Cannot install", problem)))
            .into_response();
    }
    if form.csrf != signed_in.session.csrf || signed_in.user.role != Role::Admin {
        return (
            StatusCode::FORBIDDEN,
            Html(pages::message(Some(&viewer), "Not allowed", "Reload the page and try again.")),
        )
            .into_response();
    }
    if form.decision != "allow" {
        return form.request.redirect_with(&[("error", "access_denied")]);
    }
    let code = new_token("code_");
    let scope =
        if form.request.scope.is_empty() { listing::listing().scope_string() } else { form.request.scope.clone() };
    crm.state().codes.insert(
        code.clone(),
        CodeGrant {
            account_id: signed_in.account.id.clone(),
            user_id: signed_in.user.id.clone(),
            redirect_uri: form.request.redirect_uri.clone(),
            code_challenge: Some(form.request.code_challenge.clone()).filter(|c| !c.is_empty()),
            scope,
            expires: Instant::now() + CODE_LIFETIME,
        },
    );
    form.request.redirect_with(&[("code", &code)])
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    refresh_token: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    code_verifier: String,
}

/// Whether `verifier` answers the S256 `challenge` (RFC 7636 §4.6).
fn verifier_matches(challenge: &str, verifier: &str) -> bool {
    use base64::Engine;
    use sha2::Digest;
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    use subtle::ConstantTimeEq;
    (43..=128).contains(&verifier.len()) && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (status, Json(json!({ "error": code, "error_description": description }))).into_response()
}

/// Constant-time comparison of the client secret.
fn client_authenticated(crm: &Crm, client_id: &str, client_secret: &str) -> bool {
    use subtle::ConstantTimeEq;
    client_id == crm.settings.client_id
        && bool::from(client_secret.as_bytes().ct_eq(crm.settings.client_secret.as_bytes()))
}

/// `POST /oauth/token`: a code (once) or a refresh token for an access token.
pub async fn token(State(crm): State<Crm>, Form(request): Form<TokenRequest>) -> Response {
    if !client_authenticated(&crm, &request.client_id, &request.client_secret) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret");
    }
    let mut state = crm.state();
    let (account_id, user_id, refresh_token, scope) = match request.grant_type.as_str() {
        "authorization_code" => {
            // Single use: the code is gone whatever happens next.
            let Some(grant) = state.codes.remove(&request.code) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or used code");
            };
            if grant.expires < Instant::now() || grant.redirect_uri != request.redirect_uri {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "expired code or redirect_uri mismatch");
            }
            if let Some(challenge) = &grant.code_challenge
                && !verifier_matches(challenge, &request.code_verifier)
            {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "code_verifier does not match");
            }
            let refresh = new_token("rt_");
            state.refresh_tokens.insert(refresh.clone(), (grant.account_id.clone(), grant.user_id.clone()));
            state.installations.insert(
                grant.account_id.clone(),
                Installation {
                    installed_by: grant.user_id.clone(),
                    installed_at: unix_now(),
                    scope: grant.scope.clone(),
                },
            );
            tracing::info!("demo CRM: app installed in {} by {}", grant.account_id, grant.user_id);
            (grant.account_id, grant.user_id, refresh, grant.scope)
        }
        "refresh_token" => {
            let Some((account, user)) = state.refresh_tokens.get(&request.refresh_token).cloned() else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or revoked refresh token");
            };
            let scope = state.installations.get(&account).map(|i| i.scope.clone()).unwrap_or_default();
            (account, user, request.refresh_token.clone(), scope)
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "use authorization_code or refresh_token",
            );
        }
    };
    let access = new_token("at_");
    let lifetime = crm.access_token_lifetime();
    state.access_tokens.insert(
        access.clone(),
        AccessGrant { account_id: account_id.clone(), user_id: user_id.clone(), expires: Instant::now() + lifetime },
    );
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh_token,
        "scope": scope,
        "account_id": account_id,
        "user_id": user_id,
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct RevokeRequest {
    #[serde(default)]
    token: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

/// `POST /oauth/revoke` (RFC 7009): revoking any token of an installation uninstalls the
/// app from that account. Unknown tokens are fine (200), as the RFC asks.
pub async fn revoke(State(crm): State<Crm>, Form(request): Form<RevokeRequest>) -> Response {
    if !client_authenticated(&crm, &request.client_id, &request.client_secret) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret");
    }
    let mut state = crm.state();
    let account = state
        .refresh_tokens
        .get(&request.token)
        .map(|(account, _)| account.clone())
        .or_else(|| state.access_tokens.get(&request.token).map(|g| g.account_id.clone()));
    if let Some(account) = account {
        state.uninstall(&account);
        tracing::info!("demo CRM: app uninstalled from {account}");
    }
    StatusCode::OK.into_response()
}

#[cfg(test)]
mod tests {
    /// RFC 7636, Appendix B: the specification's own example.
    #[test]
    fn pkce_s256_as_rfc_7636_appendix_b_computes_it() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(super::verifier_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", verifier));
        assert!(!super::verifier_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", verifier));
        assert!(!super::verifier_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "short"));
    }
}
