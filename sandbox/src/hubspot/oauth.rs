//! OAuth as HubSpot runs it (v3): `GET /oauth/authorize` (sign in, consent; only a Super
//! Admin installs; the install URL's scopes must be the app's, as the project declares
//! them), back to the redirect URL with `code` (10 minutes, once); `POST /oauth/v3/token`,
//! `/introspect` and `/revoke`, every parameter in the form body (client credentials
//! too, never the query), errors as `{status, message, correlationId}`.

use super::{
    HubSpot, now,
    portal::{Code, Grant, random_token},
    web::signed_in,
};
use axum::{
    Form, Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The project's app definition: the scopes a portal grants are the ones it declares.
const APP_HSMETA: &str = include_str!("../../../hubspot/src/app/app-hsmeta.json");

fn declared_scopes(kind: &str) -> Vec<String> {
    let meta: Value = serde_json::from_str(APP_HSMETA).unwrap_or_default();
    meta["config"]["auth"][kind]
        .as_array()
        .map(|scopes| scopes.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn sorted(scopes: &str) -> Vec<String> {
    let mut list: Vec<String> = scopes.split([' ', ',', '+']).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    list.sort();
    list
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    optional_scope: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    code_challenge: String,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "status": code, "message": message, "correlationId": uuid::Uuid::new_v4().to_string() });
    (status, Json(body)).into_response()
}

fn page(status: StatusCode, message: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><title>HubSpot (local)</title><h1 data-testid=hs-oauth-error>{}</h1>",
            html_escape::encode_text(message)
        )),
    )
        .into_response()
}

fn check(hs: &HubSpot, params: &AuthorizeParams) -> Result<(), Response> {
    if params.client_id != hs.settings.client_id || params.redirect_uri != hs.redirect_url() {
        return Err(page(StatusCode::BAD_REQUEST, "Authorization failed: unknown client or redirect URL"));
    }
    let mut required = declared_scopes("requiredScopes");
    required.sort();
    let mut optional = declared_scopes("optionalScopes");
    optional.sort();
    if sorted(&params.scope) != required || !sorted(&params.optional_scope).iter().all(|s| optional.contains(s)) {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Authorization failed because there is a mismatch between the scopes in the install URL and the app's configured scopes",
        ));
    }
    Ok(())
}

fn query_of(params: &AuthorizeParams) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &params.client_id)
        .append_pair("redirect_uri", &params.redirect_uri)
        .append_pair("scope", &params.scope)
        .append_pair("optional_scope", &params.optional_scope)
        .append_pair("state", &params.state)
        .append_pair("code_challenge", &params.code_challenge)
        .finish()
}

/// `GET /oauth/authorize`.
pub async fn authorize(
    State(hs): State<HubSpot>,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if let Err(refused) = check(&hs, &params) {
        return refused;
    }
    let Some(user) = signed_in(&hs, &headers) else {
        let back: String =
            form_urlencoded::byte_serialize(format!("/oauth/authorize?{}", query_of(&params)).as_bytes()).collect();
        return Redirect::to(&format!("/login?loginRedirectUrl={back}")).into_response();
    };
    if !user.super_admin {
        return page(
            StatusCode::FORBIDDEN,
            "You must be a Super Admin to install this app. Ask a Super Admin of your account.",
        );
    }
    let hidden: String = form_urlencoded::parse(query_of(&params).as_bytes())
        .map(|(k, v)| {
            format!("<input type=hidden name=\"{}\" value=\"{}\">", k, html_escape::encode_double_quoted_attribute(&v))
        })
        .collect();
    Html(format!(
        "<!doctype html><title>Connect app</title><h1>Aurora Solar for CRMs wants to connect to your HubSpot account</h1>\
         <p>Signed in as {}.</p><p>Scopes: <code>{}</code></p>\
         <form method=post action=/oauth/authorize>{hidden}<button name=decision value=deny>Cancel</button> \
         <button name=decision value=allow data-testid=hs-connect>Connect app</button></form>",
        html_escape::encode_text(&user.email),
        html_escape::encode_text(&params.scope),
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
pub async fn decide(State(hs): State<HubSpot>, headers: HeaderMap, Form(decision): Form<Decision>) -> Response {
    let params = decision.params;
    if let Err(refused) = check(&hs, &params) {
        return refused;
    }
    let Some(user) = signed_in(&hs, &headers).filter(|u| u.super_admin) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let back = |pairs: &[(&str, &str)]| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .append_pair("state", &params.state)
            .finish();
        Redirect::to(&format!("{}?{query}", params.redirect_uri)).into_response()
    };
    if decision.decision != "allow" {
        return back(&[("error", "access_denied")]);
    }
    let code = random_token(36);
    let mut data = hs.data();
    data.codes.insert(
        code.clone(),
        Code {
            user_id: user.id,
            redirect_uri: params.redirect_uri.clone(),
            challenge: Some(params.code_challenge.clone()).filter(|c| !c.is_empty()),
            expires: now() + 600,
        },
    );
    if let Some(portal) = data.portal_mut(user.portal_id) {
        portal.installed = true;
    }
    drop(data);
    back(&[("code", &code)])
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    refresh_token: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    token: String,
}

/// The client's credentials, from the form body (v3 takes nothing from the query).
fn client_ok(hs: &HubSpot, form: &TokenForm) -> bool {
    use subtle::ConstantTimeEq;
    form.client_id == hs.settings.client_id
        && bool::from(form.client_secret.as_bytes().ct_eq(hs.client_secret.as_bytes()))
}

/// `POST /oauth/v3/token`.
pub async fn token(State(hs): State<HubSpot>, Form(form): Form<TokenForm>) -> Response {
    if !client_ok(&hs, &form) {
        return error(StatusCode::BAD_REQUEST, "BAD_CLIENT_ID", "missing or invalid client credentials");
    }
    let mut data = hs.data();
    let (grant, refresh) = match form.grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = data.codes.remove(&form.code) else {
                return error(StatusCode::BAD_REQUEST, "BAD_AUTH_CODE", "missing or unknown auth code");
            };
            let verified = code.challenge.as_deref().is_none_or(|challenge| {
                let digest = Sha256::digest(form.code_verifier.as_bytes());
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == challenge
            });
            if code.expires < now() || code.redirect_uri != form.redirect_uri || !verified {
                return error(StatusCode::BAD_REQUEST, "BAD_AUTH_CODE", "missing or unknown auth code");
            }
            let portal_id = data.user(code.user_id).map(|u| u.portal_id).unwrap_or_default();
            let refresh = format!("na1-{}", random_token(36));
            let grant = Grant { user_id: code.user_id, portal_id, expires: i64::MAX };
            data.refresh_tokens.insert(refresh.clone(), grant.clone());
            (grant, refresh)
        }
        // HubSpot's refresh tokens do not rotate.
        "refresh_token" => match data.refresh_tokens.get(&form.refresh_token) {
            Some(grant) => (grant.clone(), form.refresh_token.clone()),
            None => return error(StatusCode::BAD_REQUEST, "BAD_REFRESH_TOKEN", "missing or unknown refresh token"),
        },
        _ => return error(StatusCode::BAD_REQUEST, "BAD_GRANT_TYPE", "unsupported grant_type"),
    };
    let access = format!("CK{}", random_token(60));
    data.access_tokens.insert(access.clone(), Grant { expires: now() + hs.settings.token_seconds, ..grant.clone() });
    drop(data);
    Json(json!({
        "access_token": access, "refresh_token": refresh, "expires_in": hs.settings.token_seconds,
        "token_type": "bearer", "token_use": "access_token", "hub_id": grant.portal_id, "user_id": grant.user_id,
        "scopes": declared_scopes("requiredScopes"),
    }))
    .into_response()
}

/// `POST /oauth/v3/token/introspect`.
pub async fn introspect(State(hs): State<HubSpot>, Form(form): Form<TokenForm>) -> Response {
    if !client_ok(&hs, &form) {
        return error(StatusCode::BAD_REQUEST, "BAD_CLIENT_ID", "missing or invalid client credentials");
    }
    let data = hs.data();
    let Some(grant) = data.access_tokens.get(&form.token).filter(|g| g.expires > now()) else {
        return Json(json!({ "active": false })).into_response();
    };
    let (Some(user), Some(portal)) = (data.user(grant.user_id), data.portal(grant.portal_id)) else {
        return Json(json!({ "active": false })).into_response();
    };
    Json(json!({
        "active": true, "app_id": hs.settings.app_id, "client_id": hs.settings.client_id, "hub_id": portal.id,
        "hub_domain": portal.domain, "user": user.email, "user_id": user.id, "token_type": "access",
        "token_use": "access_token", "expires_in": grant.expires - now(), "is_private_distribution": false,
        "scopes": declared_scopes("requiredScopes"), "token": form.token,
    }))
    .into_response()
}

/// `POST /oauth/v3/token/revoke`: the refresh token's portal no longer has the app.
pub async fn revoke(State(hs): State<HubSpot>, Form(form): Form<TokenForm>) -> Response {
    if !client_ok(&hs, &form) {
        return error(StatusCode::BAD_REQUEST, "BAD_CLIENT_ID", "missing or invalid client credentials");
    }
    let mut data = hs.data();
    let Some(grant) = data.refresh_tokens.get(&form.token).cloned() else {
        return error(StatusCode::BAD_REQUEST, "BAD_REFRESH_TOKEN", "missing or unknown refresh token");
    };
    data.uninstall(grant.portal_id);
    StatusCode::NO_CONTENT.into_response()
}
