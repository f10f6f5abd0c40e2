//! OAuth as Pipedrive's marketplace runs it: `GET /oauth/authorize` (sign in, consent),
//! back to the callback with `code` (5 minutes, once) or `error=user_denied`; `POST
//! /oauth/token` with the client's HTTP Basic credentials (`authorization_code`, or
//! `refresh_token`, which rotates); `POST /oauth/revoke` uninstalls the app.

use super::{
    Pipedrive,
    company::{Code, Grant, random_token},
    now,
    web::signed_in,
};
use axum::{
    Form, Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

fn check(pd: &Pipedrive, params: &AuthorizeParams) -> Result<(), Response> {
    if params.client_id != pd.settings.client_id || params.redirect_uri != pd.callback_url() {
        return Err(
            (StatusCode::BAD_REQUEST, Html("<h1>Invalid client or redirect URI</h1>".to_owned())).into_response()
        );
    }
    Ok(())
}

/// `GET /oauth/authorize`.
pub async fn authorize(
    State(pd): State<Pipedrive>,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if let Err(page) = check(&pd, &params) {
        return page;
    }
    let Some(user) = signed_in(&pd, &headers) else {
        let back = format!(
            "/oauth/authorize?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("client_id", &params.client_id)
                .append_pair("redirect_uri", &params.redirect_uri)
                .append_pair("state", &params.state)
                .finish()
        );
        let to: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
        return Redirect::to(&format!("/auth/login?return_url={to}")).into_response();
    };
    let hidden = |name: &str, value: &str| {
        format!("<input type=hidden name={name} value=\"{}\">", html_escape::encode_double_quoted_attribute(value))
    };
    Html(format!(
        "<!doctype html><title>Install app</title><h1>Aurora Solar for CRMs wants access to your Pipedrive</h1>\
         <p>Deals: full access. Contacts: read. Admin: create fields and webhooks.</p><p>Signed in as {}.</p>\
         <form method=post action=/oauth/authorize>{}{}{}\
         <button name=decision value=deny>Cancel</button> <button name=decision value=allow data-testid=pd-allow>Allow and install</button></form>",
        html_escape::encode_text(&user.email),
        hidden("client_id", &params.client_id),
        hidden("redirect_uri", &params.redirect_uri),
        hidden("state", &params.state),
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(flatten)]
    params: AuthorizeParams,
}

/// `POST /oauth/authorize`.
pub async fn decide(State(pd): State<Pipedrive>, headers: HeaderMap, Form(decision): Form<Decision>) -> Response {
    let params = decision.params;
    if let Err(page) = check(&pd, &params) {
        return page;
    }
    let Some(user) = signed_in(&pd, &headers) else { return StatusCode::UNAUTHORIZED.into_response() };
    let back = |pairs: &[(&str, &str)]| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .append_pair("state", &params.state)
            .finish();
        Redirect::to(&format!("{}?{query}", params.redirect_uri)).into_response()
    };
    if decision.decision != "allow" {
        return back(&[("error", "user_denied")]);
    }
    let code = random_token(40);
    let mut data = pd.data();
    data.codes.insert(
        code.clone(),
        Code { user_id: user.id, redirect_uri: params.redirect_uri.clone(), expires: now() + 300 },
    );
    if user.is_admin
        && let Some(company) = data.companies.iter_mut().find(|c| c.id == user.company_id)
    {
        company.installed = true;
    }
    drop(data);
    back(&[("code", &code)])
}

/// The client's HTTP Basic credentials, checked.
fn client_authenticated(pd: &Pipedrive, headers: &HeaderMap) -> bool {
    use subtle::ConstantTimeEq;
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", pd.settings.client_id, pd.client_secret));
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "));
    given.is_some_and(|given| bool::from(given.trim().as_bytes().ct_eq(expected.as_bytes())))
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
}

/// `POST /oauth/token`.
pub async fn token(State(pd): State<Pipedrive>, headers: HeaderMap, Form(request): Form<TokenRequest>) -> Response {
    if !client_authenticated(&pd, &headers) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Invalid client credentials");
    }
    let mut data = pd.data();
    let user_id = match request.grant_type.as_str() {
        "authorization_code" => match data.codes.remove(&request.code) {
            Some(code) if code.expires >= now() && code.redirect_uri == request.redirect_uri => code.user_id,
            _ => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid grant: authorization code is invalid",
                );
            }
        },
        // Refresh tokens rotate: the old one stops working.
        "refresh_token" => match data.refresh_tokens.remove(&request.refresh_token) {
            Some(user) => user,
            None => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid grant: refresh token is invalid",
                );
            }
        },
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Unsupported grant type"),
    };
    let company_id = data.user(user_id).map(|u| u.company_id).unwrap_or_default();
    let access = format!("{user_id}:{company_id}:{}", random_token(40));
    let refresh = format!("{user_id}:{company_id}:{}", random_token(40));
    data.access_tokens
        .insert(access.clone(), Grant { user_id, company_id, expires: now() + pd.settings.token_seconds });
    data.refresh_tokens.insert(refresh.clone(), user_id);
    drop(data);
    Json(json!({
        "access_token": access, "token_type": "Bearer", "refresh_token": refresh,
        "scope": "base,deals:full,contacts:read,admin", "expires_in": pd.settings.token_seconds,
        "api_domain": pd.origin,
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct RevokeRequest {
    #[serde(default)]
    token: String,
}

/// `POST /oauth/revoke`: the refresh token's company no longer has the app.
pub async fn revoke(State(pd): State<Pipedrive>, headers: HeaderMap, Form(request): Form<RevokeRequest>) -> Response {
    if !client_authenticated(&pd, &headers) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Invalid client credentials");
    }
    let mut data = pd.data();
    let Some(user) = data.refresh_tokens.remove(&request.token) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "Token is invalid");
    };
    let company = data.user(user).map(|u| u.company_id).unwrap_or_default();
    data.access_tokens.retain(|_, g| g.company_id != company);
    data.refresh_tokens.retain(|token, _| !token.contains(&format!(":{company}:")));
    data.webhooks.retain(|w| w.company_id != company);
    if let Some(company) = data.companies.iter_mut().find(|c| c.id == company) {
        company.installed = false;
    }
    StatusCode::OK.into_response()
}
