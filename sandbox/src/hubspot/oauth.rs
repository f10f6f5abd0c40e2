//! OAuth as HubSpot runs it (v3, <https://developers.hubspot.com/docs/api/oauth-quickstart-guide>):
//! `GET /oauth/authorize` (sign in, consent; only a Super Admin installs; the install URL's
//! scopes must be the app's, as the project declares them), back to the redirect URL with
//! `code` (10 minutes, once); `POST /oauth/v3/token`, `/introspect` and `/revoke`, every
//! parameter in the form body (client credentials too, never the query), errors as
//! `{status, message, correlationId}`; refresh tokens do not rotate. The flow itself is the
//! kit's.

use super::{
    HubSpot, now,
    portal::{Grant, Installer},
};
use crate::kit::{
    self,
    desk::SignInDesk,
    oauth::{
        AuthorizationServer, AuthorizeRequest, ClientAuth, Consenter, Grants, Pkce, Refresh, Revoked, Rules,
        TokenRefusal, random_token,
    },
};
use axum::{
    Form, Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The project's app definition: the scopes a portal grants are the ones it declares.
const APP_HSMETA: &str = include_str!("../../../hubspot/src/app/app-hsmeta.json");

pub(super) fn declared_scopes(kind: &str) -> Vec<String> {
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

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "status": code, "message": message, "correlationId": uuid::Uuid::new_v4().to_string() });
    (status, Json(body)).into_response()
}

impl AuthorizationServer for HubSpot {
    type Subject = Installer;

    fn rules(&self) -> Rules {
        Rules {
            client_id: self.settings.client_id.clone(),
            client_secret: self.client_secret.to_string(),
            redirect_uri: self.redirect_url(),
            authorize_path: "/oauth/authorize",
            sign_in: ("/login", "loginRedirectUrl"),
            response_type_required: false,
            state_required: false,
            pkce: Pkce::Optional,
            client_auth: ClientAuth::FormBody,
            revoke_authenticates_client: true,
            refresh: Refresh::Kept,
            code_seconds: 600,
            prefixes: ("", "na1-"),
            denied: "access_denied",
            remembers_consent: true,
        }
    }

    fn with_grants<R>(&self, f: impl FnOnce(&mut Grants<Installer>) -> R) -> R {
        f(&mut self.data().grants)
    }

    fn consenter(&self, headers: &HeaderMap) -> Option<Consenter<Installer>> {
        let user = SignInDesk::signed_in(self, headers)?;
        let refusal = (!user.super_admin)
            .then(|| "You must be a Super Admin to install this app. Ask a Super Admin of your account.".to_owned());
        Some(Consenter { subject: Installer { user_id: user.id, portal_id: user.portal_id }, refusal, csrf: None })
    }

    fn check(&self, request: &AuthorizeRequest) -> Result<(), String> {
        let mut required = declared_scopes("requiredScopes");
        required.sort();
        let optional = declared_scopes("optionalScopes");
        if sorted(&request.scope) != required || !sorted(&request.optional_scope).iter().all(|s| optional.contains(s)) {
            return Err("Authorization failed because there is a mismatch between the scopes in the install URL and the app's configured scopes".into());
        }
        Ok(())
    }

    fn error_page(&self, status: StatusCode, message: &str) -> Response {
        let page = format!(
            "<!doctype html><title>HubSpot (local)</title><h1 data-testid=hs-oauth-error>{}</h1>",
            kit::text(message)
        );
        (status, Html(page)).into_response()
    }

    fn consent_page(&self, who: &Consenter<Installer>, request: &AuthorizeRequest, fields: &str) -> Response {
        let email = self.data().user(who.subject.user_id).map(|u| u.email.clone()).unwrap_or_default();
        Html(format!(
            "<!doctype html><title>Connect app</title><h1>Aurora Solar for CRMs wants to connect to your HubSpot account</h1>\
             <p>Signed in as {}.</p><p>Scopes: <code>{}</code></p>\
             <form method=post action=/oauth/authorize>{fields}<button name=decision value=deny>Cancel</button> \
             <button name=decision value=allow data-testid=hs-connect>Connect app</button></form>",
            kit::text(&email),
            kit::text(&request.scope),
        ))
        .into_response()
    }

    fn allowed(&self, who: &Consenter<Installer>) {
        if let Some(portal) = self.data().portal_mut(who.subject.portal_id) {
            portal.installed = true;
        }
    }

    fn issue(&self, grant: &kit::oauth::Grant<Installer>, refresh_token: &str, _first: bool) -> Value {
        let Installer { user_id, portal_id } = grant.subject;
        let access = format!("CK{}", random_token(60));
        let expires = now() + self.settings.token_seconds;
        self.data().access_tokens.insert(access.clone(), Grant { user_id, portal_id, expires });
        json!({
            "access_token": access, "refresh_token": refresh_token, "expires_in": self.settings.token_seconds,
            "token_type": "bearer", "token_use": "access_token", "hub_id": portal_id, "user_id": user_id,
            "scopes": declared_scopes("requiredScopes"),
        })
    }

    fn refuse(&self, refusal: TokenRefusal) -> Response {
        let (code, message) = match refusal {
            TokenRefusal::BadClient => ("BAD_CLIENT_ID", "missing or invalid client credentials"),
            TokenRefusal::BadCode => ("BAD_AUTH_CODE", "missing or unknown auth code"),
            TokenRefusal::BadRefreshToken => ("BAD_REFRESH_TOKEN", "missing or unknown refresh token"),
            TokenRefusal::UnsupportedGrant => ("BAD_GRANT_TYPE", "unsupported grant_type"),
        };
        error(StatusCode::BAD_REQUEST, code, message)
    }

    /// A refresh token's portal no longer has the app.
    fn revoke(&self, revoked: Revoked<Installer>) -> Response {
        match revoked {
            Revoked::Refresh { grant, .. } => {
                self.data().uninstall(grant.subject.portal_id);
                StatusCode::NO_CONTENT.into_response()
            }
            Revoked::Other(_) => self.refuse(TokenRefusal::BadRefreshToken),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct IntrospectForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    token: String,
}

/// `POST /oauth/v3/token/introspect`.
pub async fn introspect(State(hs): State<HubSpot>, Form(form): Form<IntrospectForm>) -> Response {
    use subtle::ConstantTimeEq;
    let client_ok = form.client_id == hs.settings.client_id
        && bool::from(form.client_secret.as_bytes().ct_eq(hs.client_secret.as_bytes()));
    if !client_ok {
        return hs.refuse(TokenRefusal::BadClient);
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
