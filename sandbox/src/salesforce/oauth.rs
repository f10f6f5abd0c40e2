//! The OAuth 2.0 web server flow as Salesforce runs it for an External Client App that
//! requires PKCE: `GET /services/oauth2/authorize` (sign in, then "Allow Access?"),
//! `POST /services/oauth2/token` (`authorization_code` with `code_verifier`, or
//! `refresh_token`: a new access token, the refresh token kept), `POST
//! /services/oauth2/revoke`, and `GET /services/oauth2/userinfo`.

use super::{Salesforce, lightning::signed_in, now, org::random_token, rest};
use axum::{
    Form, Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// How long an authorization code works.
const CODE_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Deserialize)]
pub struct AuthorizeParams {
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

fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let page = format!(
        "<!doctype html><title>{t}</title><h1>{t}</h1><p>{d}</p>",
        t = html_escape::encode_text(title),
        d = html_escape::encode_text(detail)
    );
    (status, Html(page)).into_response()
}

/// Checks what an authorize request carries; an error page (never a redirect to an
/// unregistered URI) when it is not our app's.
fn check(sf: &Salesforce, params: &AuthorizeParams) -> Result<(), Response> {
    if params.client_id != sf.settings.consumer_key {
        return Err(error_page(StatusCode::BAD_REQUEST, "error=invalid_client_id", "client identifier invalid"));
    }
    if params.redirect_uri != sf.callback_url() {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "error=redirect_uri_mismatch",
            "redirect_uri must match configuration",
        ));
    }
    if params.response_type != "code" {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "error=unsupported_response_type",
            "response type not supported",
        ));
    }
    if params.code_challenge_method != "S256" || params.code_challenge.len() < 43 {
        return Err(error_page(StatusCode::BAD_REQUEST, "error=invalid_request", "missing required code challenge"));
    }
    Ok(())
}

/// `GET /services/oauth2/authorize`: sign in first, then the consent page.
pub async fn authorize(
    State(sf): State<Salesforce>,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if let Err(page) = check(&sf, &params) {
        return page;
    }
    let Some(user) = signed_in(&sf, &headers) else {
        let here = format!("/services/oauth2/authorize?{}", serde_urlencoded_params(&params));
        let to: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        return Redirect::to(&format!("/login?startURL={to}")).into_response();
    };
    let hidden = [
        ("response_type", &params.response_type),
        ("client_id", &params.client_id),
        ("redirect_uri", &params.redirect_uri),
        ("state", &params.state),
        ("scope", &params.scope),
        ("code_challenge", &params.code_challenge),
        ("code_challenge_method", &params.code_challenge_method),
    ]
    .iter()
    .map(|(name, value)| {
        format!("<input type=hidden name={name} value=\"{}\">", html_escape::encode_double_quoted_attribute(value))
    })
    .collect::<String>();
    Html(format!(
        "<!doctype html><title>Allow Access?</title><h1>Allow Access?</h1>\
         <p>Aurora Solar for CRMs is asking to: access and manage your data (api); perform requests at any time (refresh_token).</p>\
         <p>Signed in as {user}.</p><form method=post action=/services/oauth2/authorize>{hidden}\
         <button name=decision value=deny>Deny</button> <button name=decision value=allow data-testid=sf-allow>Allow</button></form>",
        user = html_escape::encode_text(&user.username)
    ))
    .into_response()
}

fn serde_urlencoded_params(params: &AuthorizeParams) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", &params.response_type)
        .append_pair("client_id", &params.client_id)
        .append_pair("redirect_uri", &params.redirect_uri)
        .append_pair("state", &params.state)
        .append_pair("scope", &params.scope)
        .append_pair("code_challenge", &params.code_challenge)
        .append_pair("code_challenge_method", &params.code_challenge_method)
        .finish()
}

#[derive(Debug, Deserialize)]
pub struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(flatten)]
    params: AuthorizeParams,
}

/// `POST /services/oauth2/authorize`: Allow or Deny.
pub async fn decide(State(sf): State<Salesforce>, headers: HeaderMap, Form(decision): Form<Decision>) -> Response {
    let params = decision.params;
    if let Err(page) = check(&sf, &params) {
        return page;
    }
    let Some(user) = signed_in(&sf, &headers) else {
        return error_page(StatusCode::UNAUTHORIZED, "Session expired", "Sign in again.");
    };
    let back = |pairs: &[(&str, &str)]| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .append_pair("state", &params.state)
            .finish();
        Redirect::to(&format!("{}?{query}", params.redirect_uri)).into_response()
    };
    if decision.decision != "allow" {
        return back(&[("error", "access_denied"), ("error_description", "end-user denied authorization")]);
    }
    let code = format!("aPrx{}", random_token(40));
    let mut data = sf.data();
    data.codes.insert(
        code.clone(),
        super::org::Code {
            user_id: user.id.clone(),
            redirect_uri: params.redirect_uri.clone(),
            code_challenge: params.code_challenge.clone(),
            expires: now() + CODE_SECONDS,
        },
    );
    // An admin's approval makes the app available in the org (its canvas shows).
    if user.modify_all_data && !data.installed_orgs.contains(&user.org_id) {
        data.installed_orgs.push(user.org_id.clone());
    }
    drop(data);
    back(&[("code", &code)])
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    refresh_token: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

/// `POST /services/oauth2/token`.
pub async fn token(State(sf): State<Salesforce>, Form(request): Form<TokenRequest>) -> Response {
    use subtle::ConstantTimeEq;
    if request.client_id != sf.settings.consumer_key {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client_id", "client identifier invalid");
    }
    if !bool::from(request.client_secret.as_bytes().ct_eq(sf.consumer_secret.as_bytes())) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "invalid client credentials");
    }
    let now = now();
    let ttl = sf.settings.session_seconds;
    let mut data = sf.data();
    let (user_id, refresh_token, issue_refresh) = match request.grant_type.as_str() {
        "authorization_code" => {
            // A code works once, whatever the outcome.
            let Some(code) = data.codes.remove(&request.code) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "invalid authorization code");
            };
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(request.code_verifier.as_bytes()));
            if code.expires < now || code.redirect_uri != request.redirect_uri || challenge != code.code_challenge {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "authentication failure");
            }
            let refresh = format!("5Aep{}", random_token(80));
            data.refresh_tokens.insert(refresh.clone(), code.user_id.clone());
            (code.user_id, refresh, true)
        }
        "refresh_token" => match data.refresh_tokens.get(&request.refresh_token) {
            Some(user) => (user.clone(), request.refresh_token.clone(), false),
            None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "expired access/refresh token"),
        },
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant type not supported"),
    };
    let access_token = data.new_session(&user_id, Some(refresh_token.clone()), ttl);
    let org_id = data.user(&user_id).map(|u| u.org_id.clone()).unwrap_or_default();
    drop(data);
    let mut answer = json!({
        "access_token": access_token,
        "signature": random_token(43),
        "scope": "refresh_token api",
        "instance_url": sf.my_domain_origin,
        "id": format!("{}/id/{org_id}/{user_id}", sf.my_domain_origin),
        "token_type": "Bearer",
        "issued_at": (now * 1000).to_string(),
    });
    if issue_refresh {
        answer["refresh_token"] = json!(refresh_token);
    }
    Json(answer).into_response()
}

#[derive(Debug, Deserialize)]
pub struct RevokeRequest {
    #[serde(default)]
    token: String,
}

/// `POST /services/oauth2/revoke`: a refresh token ends its access tokens too.
pub async fn revoke(State(sf): State<Salesforce>, Form(request): Form<RevokeRequest>) -> Response {
    let mut data = sf.data();
    if data.refresh_tokens.remove(&request.token).is_some() {
        data.sessions.retain(|_, s| s.refresh_token.as_deref() != Some(request.token.as_str()));
    } else if data.sessions.remove(&request.token).is_none() {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_token_type", "this token type is not supported");
    }
    StatusCode::OK.into_response()
}

/// `GET /services/oauth2/userinfo`.
pub async fn userinfo(State(sf): State<Salesforce>, headers: HeaderMap) -> Response {
    let session = match rest::authorized(&sf, &headers) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let data = sf.data();
    let Some(user) = data.user(&session.user_id) else {
        return oauth_error(StatusCode::FORBIDDEN, "Bad_OAuth_Token", "user gone");
    };
    Json(json!({
        "sub": format!("{}/id/{}/{}", sf.my_domain_origin, user.org_id, user.id),
        "user_id": user.id,
        "organization_id": user.org_id,
        "preferred_username": user.username,
        "name": user.full_name(),
        "given_name": user.first_name,
        "family_name": user.last_name,
        "user_type": "STANDARD",
        "active": true,
    }))
    .into_response()
}
