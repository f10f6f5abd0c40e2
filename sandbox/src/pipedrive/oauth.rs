//! OAuth as Pipedrive's marketplace runs it
//! (<https://pipedrive.readme.io/docs/marketplace-oauth-authorization>): `GET /oauth/authorize`
//! (sign in, consent), back to the callback with `code` (5 minutes, once) or
//! `error=user_denied`; `POST /oauth/token` with the client's HTTP Basic credentials
//! (`authorization_code`, or `refresh_token`, which rotates); `POST /oauth/revoke`
//! uninstalls the app. The flow itself is the kit's.

use super::{
    Pipedrive,
    company::{Grant, Installer},
    now,
};
use crate::kit::{
    self,
    desk::SignInDesk,
    oauth::{
        AuthorizationServer, AuthorizeRequest, ClientAuth, Consenter, Grants, Pkce, Refresh, Revoked, Rules,
        TokenRefusal, random_token, rfc_error,
    },
};
use axum::{
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde_json::{Value, json};

impl AuthorizationServer for Pipedrive {
    type Subject = Installer;

    fn rules(&self) -> Rules {
        Rules {
            client_id: self.settings.client_id.clone(),
            client_secret: self.client_secret.to_string(),
            redirect_uri: self.callback_url(),
            authorize_path: "/oauth/authorize",
            sign_in: ("/auth/login", "return_url"),
            response_type_required: false,
            state_required: false,
            pkce: Pkce::Ignored,
            client_auth: ClientAuth::HttpBasic,
            revoke_authenticates_client: true,
            refresh: Refresh::Rotated,
            code_seconds: 300,
            prefixes: ("", ""),
            denied: "user_denied",
            remembers_consent: !self.settings.consent_again,
        }
    }

    fn with_grants<R>(&self, f: impl FnOnce(&mut Grants<Installer>) -> R) -> R {
        f(&mut self.data().grants)
    }

    fn consenter(&self, headers: &HeaderMap) -> Option<Consenter<Installer>> {
        let user = SignInDesk::signed_in(self, headers)?;
        Some(Consenter {
            subject: Installer { user_id: user.id, company_id: user.company_id },
            refusal: None,
            csrf: None,
        })
    }

    fn error_page(&self, status: StatusCode, message: &str) -> Response {
        (status, Html(format!("<!doctype html><title>Pipedrive</title><h1>{}</h1>", kit::text(message))))
            .into_response()
    }

    fn consent_page(&self, who: &Consenter<Installer>, _request: &AuthorizeRequest, fields: &str) -> Response {
        let email = self.data().user(who.subject.user_id).map(|u| u.email.clone()).unwrap_or_default();
        Html(format!(
            "<!doctype html><title>Install app</title><h1>Aurora Solar for CRMs wants access to your Pipedrive</h1>\
             <p>Deals: full access. Contacts: read. Admin: create fields and webhooks.</p><p>Signed in as {}.</p>\
             <form method=post action=/oauth/authorize>{fields}\
             <button name=decision value=deny>Cancel</button> <button name=decision value=allow data-testid=pd-allow>Allow and install</button></form>",
            kit::text(&email),
        ))
        .into_response()
    }

    /// A consent installs the app for its user; an admin's, in the company too.
    fn allowed(&self, who: &Consenter<Installer>) {
        let mut data = self.data();
        let admin = data.user(who.subject.user_id).is_some_and(|u| u.is_admin);
        if let Some(company) = data.companies.iter_mut().find(|c| c.id == who.subject.company_id) {
            company.installed |= admin;
            if !company.installed_for.contains(&who.subject.user_id) {
                company.installed_for.push(who.subject.user_id);
            }
        }
    }

    fn issue(&self, grant: &kit::oauth::Grant<Installer>, refresh_token: &str, _first: bool) -> Value {
        let Installer { user_id, company_id } = grant.subject;
        let access = format!("{user_id}:{company_id}:{}", random_token(40));
        let expires = now() + self.settings.token_seconds;
        self.data().access_tokens.insert(access.clone(), Grant { user_id, company_id, expires });
        json!({
            "access_token": access, "token_type": "Bearer", "refresh_token": refresh_token,
            "scope": "base,deals:full,contacts:read,admin", "expires_in": self.settings.token_seconds,
            "api_domain": self.origin,
        })
    }

    fn refuse(&self, refusal: TokenRefusal) -> Response {
        match refusal {
            TokenRefusal::BadClient => {
                rfc_error(StatusCode::UNAUTHORIZED, "invalid_client", "Invalid client credentials")
            }
            TokenRefusal::BadCode => {
                rfc_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid grant: authorization code is invalid")
            }
            TokenRefusal::BadRefreshToken => {
                rfc_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid grant: refresh token is invalid")
            }
            TokenRefusal::UnsupportedGrant => {
                rfc_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Unsupported grant type")
            }
        }
    }

    /// The refresh token's company no longer has the app.
    fn revoke(&self, revoked: Revoked<Installer>) -> Response {
        match revoked {
            Revoked::Refresh { grant, .. } => {
                self.data().uninstall(grant.subject.company_id);
                StatusCode::OK.into_response()
            }
            Revoked::Other(_) => rfc_error(StatusCode::BAD_REQUEST, "invalid_token", "Token is invalid"),
        }
    }
}
