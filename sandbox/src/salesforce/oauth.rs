//! The OAuth 2.0 web server flow as Salesforce runs it for an External Client App that
//! requires PKCE (<https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_web_server_flow.htm>):
//! `GET /services/oauth2/authorize` (sign in, then "Allow Access?"; anyone may allow, an
//! admin's approval makes the app available in the org), `POST /services/oauth2/token`
//! (the client's credentials in the body; a refresh answers a new access token and keeps
//! the refresh token, without repeating it), `POST /services/oauth2/revoke` (no client
//! credentials), and `GET /services/oauth2/userinfo`. The flow itself is the kit's.

use super::{Salesforce, rest};
use crate::kit::{
    self,
    desk::SignInDesk,
    oauth::{
        AuthorizationServer, AuthorizeRequest, ClientAuth, Consenter, Grant, Grants, Pkce, Refresh, Revoked, Rules,
        TokenRefusal, random_token, rfc_error,
    },
};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde_json::{Value, json};

impl AuthorizationServer for Salesforce {
    /// A user id.
    type Subject = String;

    fn rules(&self) -> Rules {
        Rules {
            client_id: self.settings.consumer_key.clone(),
            client_secret: self.consumer_secret.to_string(),
            redirect_uri: self.callback_url(),
            authorize_path: "/services/oauth2/authorize",
            sign_in: ("/login", "startURL"),
            response_type_required: true,
            state_required: false,
            pkce: Pkce::Required,
            client_auth: ClientAuth::FormBody,
            revoke_authenticates_client: false,
            refresh: Refresh::Kept,
            code_seconds: 15 * 60,
            prefixes: ("aPrx", "5Aep"),
            denied: "access_denied",
            remembers_consent: false,
        }
    }

    fn with_grants<R>(&self, f: impl FnOnce(&mut Grants<String>) -> R) -> R {
        f(&mut self.data().grants)
    }

    fn consenter(&self, headers: &HeaderMap) -> Option<Consenter<String>> {
        SignInDesk::signed_in(self, headers).map(|user| Consenter { subject: user.id, refusal: None, csrf: None })
    }

    fn error_page(&self, status: StatusCode, message: &str) -> Response {
        let page = format!("<!doctype html><title>Error</title><h1>Error</h1><p role=alert>{}</p>", kit::text(message));
        (status, Html(page)).into_response()
    }

    fn consent_page(&self, who: &Consenter<String>, _request: &AuthorizeRequest, fields: &str) -> Response {
        let username = self.data().user(&who.subject).map(|u| u.username.clone()).unwrap_or_default();
        Html(format!(
            "<!doctype html><title>Allow Access?</title><h1>Allow Access?</h1>\
             <p>Aurora Solar for CRMs is asking to: access and manage your data (api); perform requests at any time (refresh_token).</p>\
             <p>Signed in as {user}.</p><form method=post action=/services/oauth2/authorize>{fields}\
             <button name=decision value=deny>Deny</button> <button name=decision value=allow data-testid=sf-allow>Allow</button></form>",
            user = kit::text(&username)
        ))
        .into_response()
    }

    fn allowed(&self, who: &Consenter<String>) {
        // An admin's approval makes the app available in the org (its canvas shows).
        let mut data = self.data();
        let Some(org) = data.user(&who.subject).filter(|u| u.modify_all_data).map(|u| u.org_id.clone()) else { return };
        if !data.installed_orgs.contains(&org) {
            data.installed_orgs.push(org);
        }
    }

    fn issue(&self, grant: &Grant<String>, refresh_token: &str, first: bool) -> Value {
        let user_id = &grant.subject;
        let mut data = self.data();
        let access_token = data.new_session(
            user_id,
            Some(refresh_token.to_owned()),
            self.settings.session_seconds,
            self.clock.now_ms(),
        );
        let org_id = data.user(user_id).map(|u| u.org_id.clone()).unwrap_or_default();
        drop(data);
        let mut answer = json!({
            "access_token": access_token,
            "signature": random_token(43),
            "scope": "refresh_token api",
            "instance_url": self.my_domain_origin,
            "id": format!("{}/id/{org_id}/{user_id}", self.my_domain_origin),
            "token_type": "Bearer",
            "issued_at": self.clock.now_ms().to_string(),
        });
        // A refresh answers the access token only.
        if first {
            answer["refresh_token"] = json!(refresh_token);
        }
        answer
    }

    fn refuse(&self, refusal: TokenRefusal) -> Response {
        let description = match refusal {
            TokenRefusal::BadClient => "invalid client credentials",
            TokenRefusal::BadCode => "authentication failure",
            TokenRefusal::BadRefreshToken => "expired access/refresh token",
            TokenRefusal::UnsupportedGrant => "grant type not supported",
        };
        rfc_error(StatusCode::BAD_REQUEST, refusal.rfc_error().0, description)
    }

    /// A refresh token ends the access tokens it gave; an access token ends itself.
    fn revoke(&self, revoked: Revoked<String>) -> Response {
        let mut data = self.data();
        match revoked {
            Revoked::Refresh { token, .. } => data.sessions.retain(|_, s| s.refresh_token.as_ref() != Some(&token)),
            Revoked::Other(token) => {
                if data.sessions.remove(&token).is_none() {
                    return rfc_error(
                        StatusCode::BAD_REQUEST,
                        "unsupported_token_type",
                        "this token type is not supported",
                    );
                }
            }
        }
        StatusCode::OK.into_response()
    }
}

/// `GET /services/oauth2/userinfo`.
pub async fn userinfo(State(sf): State<Salesforce>, headers: HeaderMap) -> Response {
    let session = match rest::authorized(&sf, &headers) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let data = sf.data();
    let Some(user) = data.user(&session.user_id) else {
        return rfc_error(StatusCode::FORBIDDEN, "Bad_OAuth_Token", "user gone");
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
