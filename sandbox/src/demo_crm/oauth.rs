//! The demo CRM's OAuth 2.0 authorization code grant for installing apps, as most CRMs
//! run it: an admin consents, the app exchanges the code server-side with its client
//! secret (in the form body) and gets a short-lived access token and a refresh token for
//! the account (kept on refresh); PKCE optional, S256 only; `state` required; revoking any
//! token of an installation uninstalls the app (RFC 7009: unknown tokens are fine). The
//! flow itself is the kit's; the app counts as installed once its code is exchanged.

use super::{
    pages::{self, Viewer},
    state::{AccessGrant, Crm, Installation, Installer, Role, unix_now},
    web::signed_in,
};
use crate::{
    kit::oauth::{
        AuthorizationServer, AuthorizeRequest, ClientAuth, Consenter, Grant, Grants, Pkce, Refresh, Revoked, Rules,
    },
    listing,
};
use axum::{
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde_json::{Value, json};

impl AuthorizationServer for Crm {
    type Subject = Installer;

    fn rules(&self) -> Rules {
        Rules {
            client_id: self.settings.client_id.clone(),
            client_secret: self.settings.client_secret.clone(),
            redirect_uri: self.registered_redirect_uri(),
            authorize_path: "/oauth/authorize",
            sign_in: ("/login", "next"),
            response_type_required: true,
            state_required: true,
            pkce: Pkce::Optional,
            client_auth: ClientAuth::FormBody,
            revoke_authenticates_client: true,
            refresh: Refresh::Kept,
            code_seconds: 120,
            prefixes: ("code_", "rt_"),
            denied: "access_denied",
            remembers_consent: false,
        }
    }

    fn with_grants<R>(&self, f: impl FnOnce(&mut Grants<Installer>) -> R) -> R {
        f(&mut self.state().grants)
    }

    fn consenter(&self, headers: &HeaderMap) -> Option<Consenter<Installer>> {
        let signed_in = signed_in(self, headers)?;
        let refusal = (signed_in.user.role != Role::Admin)
            .then(|| format!("Only an admin of {} can install apps. Ask your admin.", signed_in.account.name));
        let subject = Installer { account_id: signed_in.account.id, user_id: signed_in.user.id };
        Some(Consenter { subject, refusal, csrf: Some(signed_in.session.csrf) })
    }

    fn error_page(&self, status: StatusCode, message: &str) -> Response {
        (status, Html(pages::message(None, "Cannot install", message))).into_response()
    }

    fn consent_page(&self, who: &Consenter<Installer>, _request: &AuthorizeRequest, fields: &str) -> Response {
        let state = self.state();
        let (Some(user), Some(account)) = (state.user(&who.subject.user_id), state.account(&who.subject.account_id))
        else {
            return self.error_page(StatusCode::UNAUTHORIZED, "Your session expired. Sign in again.");
        };
        let viewer = Viewer { user, account, csrf: who.csrf.as_deref().unwrap_or_default() };
        Html(pages::consent(&viewer, fields)).into_response()
    }

    fn issue(&self, grant: &Grant<Installer>, refresh_token: &str, first: bool) -> Value {
        let Installer { account_id, user_id } = &grant.subject;
        let mut state = self.state();
        let scope = if grant.scope.is_empty() { listing::listing().scope_string() } else { grant.scope.clone() };
        if first {
            let installation =
                Installation { installed_by: user_id.clone(), installed_at: unix_now(), scope: scope.clone() };
            state.installations.insert(account_id.clone(), installation);
            tracing::info!("demo CRM: app installed in {account_id} by {user_id}");
        }
        let access = super::state::new_token("at_");
        let lifetime = self.access_token_lifetime();
        let expires_ms = self.clock.now_ms() + i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        let grant = AccessGrant { account_id: account_id.clone(), user_id: user_id.clone(), expires_ms };
        state.access_tokens.insert(access.clone(), grant);
        json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "refresh_token": refresh_token,
            "scope": scope,
            "account_id": account_id,
            "user_id": user_id,
        })
    }

    /// Revoking any token of an installation uninstalls the app from that account.
    fn revoke(&self, revoked: Revoked<Installer>) -> Response {
        let mut state = self.state();
        let account = match revoked {
            Revoked::Refresh { grant, .. } => Some(grant.subject.account_id),
            Revoked::Other(token) => state.access_tokens.get(&token).map(|g| g.account_id.clone()),
        };
        if let Some(account) = account {
            state.uninstall(&account);
            tracing::info!("demo CRM: app uninstalled from {account}");
        }
        StatusCode::OK.into_response()
    }
}
