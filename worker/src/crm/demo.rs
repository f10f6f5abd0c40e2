//! The demo CRM (in `sandbox/`): it signs the opportunity context as an HS256 JWT with
//! the client secret it issued our app (as HubSpot and Pipedrive sign their app
//! extensions' iframe URLs), installs us through OAuth ([`client`]), and signs its
//! webhooks ([`webhook`]).

pub mod client;
pub mod settings;
pub mod webhook;

use super::tokens::OAuthTokens;
use super::{
    AccessError, Consent, ContextError, Crm, CrmDelivery, CrmError, CrmIntegration, CrmOpportunity, CrmWebhookError,
    DesignFigures, Exchanged, Settings, VerifiedContext,
};
use crate::{
    AppState,
    crm::{Document, SaleActivity},
    environment::{ConfigError, Env},
    stages::{CrmStage, CurrentStage},
};
use async_trait::async_trait;
use client::DemoCrmClient;
use http::HeaderMap;
use secrecy::ExposeSecret;
use serde::Deserialize;
use settings::DemoCrmSettings;
use widget_api::{HostAdapter, Location, Opportunity};

/// What we ask the demo CRM for.
pub const SCOPES: &str = "opportunities.read opportunities.write webhooks";

/// The demo CRM behind the seam.
pub struct DemoCrm;

/// Refresh this long before the access token's expiry.
const REFRESH_MARGIN_SECONDS: i64 = 60;

/// The demo CRM client of this worker.
fn client(state: &AppState) -> Result<DemoCrmClient, AccessError> {
    let config = settings(state).ok_or(AccessError::NotConfigured)?;
    Ok(DemoCrmClient::new(state.http.clone(), config))
}

/// Runs `call` with a valid access token of `account_id`'s installation (see
/// [`super::tokens::with_fresh_tokens`]).
async fn with_access_token<T, F, Fut>(state: &AppState, account_id: &str, call: F) -> Result<T, AccessError>
where
    F: Fn(DemoCrmClient, String) -> Fut,
    Fut: std::future::Future<Output = Result<T, CrmError>>,
{
    let client = client(state)?;
    let renew = |tokens: super::tokens::OAuthTokens| {
        let client = client.clone();
        async move { client.refresh(&tokens.refresh_token, state.now()).await }
    };
    super::tokens::with_fresh_tokens(state, Crm::Demo, account_id, REFRESH_MARGIN_SECONDS, renew, |tokens| {
        call(client.clone(), tokens.access_token)
    })
    .await
}

/// The demo CRM's settings on this worker, when it has them.
pub fn settings(state: &AppState) -> Option<&DemoCrmSettings> {
    state.config.crms.get(Crm::Demo)
}

#[async_trait]
impl CrmIntegration for DemoCrm {
    fn crm(&self) -> Crm {
        Crm::Demo
    }

    fn read_settings(&self, env: &Env<'_>) -> Result<Option<Box<dyn Settings>>, ConfigError> {
        Ok(super::boxed(DemoCrmSettings::from_env(env)?))
    }

    fn record_visibility(&self) -> &'static str {
        "The CRM signs each opportunity's context for the user who opened it: they see what the CRM shows them."
    }

    fn setup_guide(&self) -> super::SetupGuide {
        super::SetupGuide {
            install: &[
                "An admin of the CRM account opens the CRM's marketplace and chooses Install on Aurora Solar for CRMs.",
                "The CRM asks the admin to allow the app to read opportunities and write their Aurora fields: choose Allow and install.",
                "The app's settings open: link your Aurora tenant there (below).",
            ],
            place: &["The Aurora Solar panel appears on every opportunity's page once the app is installed."],
            fields_written: "The opportunity's Aurora fields: system size (kW), annual production (kWh), offset (%), the project's link and the design's price.",
            uninstall: &[
                "In the app's settings, choose Uninstall and confirm; or uninstall it from the CRM's marketplace, which tells the app.",
            ],
        }
    }

    fn host_adapter(&self) -> HostAdapter {
        // The demo CRM sizes its iframe from the widget's `aurora-widget:height` messages.
        HostAdapter::FrameHeight
    }

    fn frame_origins(&self, state: &AppState) -> Vec<String> {
        state.config.allowed_crm_origins.clone()
    }

    fn verify_context(&self, state: &AppState, context: &str, now: i64) -> Result<VerifiedContext, ContextError> {
        let config = settings(state).ok_or_else(|| ContextError::UnknownCrm(Crm::Demo.as_str().into()))?;
        verify_demo_context(context, config.client_secret.expose_secret().as_bytes(), now)
    }

    fn authorize_url(&self, state: &AppState, signed_state: &str, code_challenge: &str) -> Result<String, AccessError> {
        Ok(client(state)?.authorize_url(signed_state, SCOPES, code_challenge))
    }

    async fn exchange_code(
        &self,
        state: &AppState,
        code: &str,
        code_verifier: &str,
        now: i64,
    ) -> Result<Exchanged, AccessError> {
        let (tokens, account_id) = client(state)?.exchange_code(code, code_verifier, now).await?;
        Ok(Exchanged { tokens, account_id: Some(account_id), user_id: None })
    }

    async fn consent(&self, state: &AppState, tokens: &OAuthTokens) -> Result<Consent, AccessError> {
        let me = client(state)?.me(&tokens.access_token).await?;
        Ok(Consent {
            may_install: me.user.is_admin(),
            account_id: me.account.id,
            account_name: me.account.name,
            user_id: me.user.id,
            user_name: me.user.name,
        })
    }

    async fn give_back(&self, state: &AppState, tokens: &OAuthTokens) -> Result<(), AccessError> {
        Ok(client(state)?.revoke(&tokens.refresh_token).await?)
    }

    async fn start_listening(&self, state: &AppState, account_id: &str) -> Result<(), AccessError> {
        let target = settings(state).ok_or(AccessError::NotConfigured)?.webhook_url();
        with_access_token(state, account_id, |client, token| {
            let target = target.clone();
            async move { client.subscribe(&token, webhook::OPPORTUNITY_CREATED, &target).await }
        })
        .await
        .map(|_| ())
    }

    async fn still_admin(&self, state: &AppState, account_id: &str, user_id: &str) -> Result<bool, AccessError> {
        let me = with_access_token(state, account_id, |client, token| async move { client.me(&token).await }).await?;
        Ok(me.account.id == account_id && me.user.id == user_id && me.user.is_admin())
    }

    async fn is_listening(&self, state: &AppState, account_id: &str) -> Result<bool, AccessError> {
        let target = settings(state).ok_or(AccessError::NotConfigured)?.webhook_url();
        let subscriptions =
            with_access_token(state, account_id, |client, token| async move { client.list_webhooks(&token).await })
                .await?;
        Ok(subscriptions.iter().any(|s| s.event == webhook::OPPORTUNITY_CREATED && s.target_url == target))
    }

    async fn opportunity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CrmOpportunity, AccessError> {
        let id = opportunity_id.to_owned();
        let found = with_access_token(state, account_id, |client, token| {
            let id = id.clone();
            async move { client.opportunity(&token, &id).await }
        })
        .await?;
        Ok(CrmOpportunity {
            site: location_of(found.property_address.clone(), found.latitude, found.longitude),
            id: found.id,
            name: found.name,
        })
    }

    async fn write_figures(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        figures: &DesignFigures,
    ) -> Result<(), AccessError> {
        // The demo CRM's custom fields carry the figures' own names.
        let mut fields = serde_json::to_value(figures).map_err(|e| crate::crm::CrmError::Decode(e.to_string()))?;
        // The opportunity's own amount is no custom field of ours.
        let amount = fields.as_object_mut().and_then(|f| f.remove("deal_amount")).and_then(|a| a.as_f64());
        let id = opportunity_id.to_owned();
        with_access_token(state, account_id, |client, token| {
            let (fields, id) = (fields.clone(), id.clone());
            async move { client.update_opportunity_fields(&token, &id, &fields, amount).await }
        })
        .await
    }

    async fn add_activity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        activity: &SaleActivity,
    ) -> Result<(), AccessError> {
        let (id, body) = (opportunity_id.to_owned(), activity.text());
        with_access_token(state, account_id, |client, token| {
            let (id, subject, body) = (id.clone(), activity.subject.clone(), body.clone());
            async move { client.add_activity(&token, &id, &subject, &body).await }
        })
        .await
    }

    async fn attach_file(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        document: &Document,
    ) -> Result<(), AccessError> {
        let id = opportunity_id.to_owned();
        with_access_token(state, account_id, |client, token| {
            let id = id.clone();
            async move {
                client.add_attachment(&token, &id, &document.file_name, &document.content_type, &document.bytes).await
            }
        })
        .await
    }

    async fn stages(&self, state: &AppState, account_id: &str) -> Result<Vec<CrmStage>, AccessError> {
        let found =
            with_access_token(state, account_id, |client, token| async move { client.stages(&token).await }).await?;
        Ok(found
            .into_iter()
            .map(|s| CrmStage {
                id: s.id,
                label: s.label,
                pipeline: "sales".into(),
                pipeline_label: "Sales".into(),
                order: s.order,
                closed: s.closed,
            })
            .collect())
    }

    async fn opportunity_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CurrentStage, AccessError> {
        let id = opportunity_id.to_owned();
        let stage_id = with_access_token(state, account_id, |client, token| {
            let id = id.clone();
            async move { client.opportunity_stage(&token, &id).await }
        })
        .await?;
        Ok(CurrentStage { stage_id, closed: false })
    }

    async fn set_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        stage: &CrmStage,
    ) -> Result<(), AccessError> {
        let (id, stage) = (opportunity_id.to_owned(), stage.id.clone());
        with_access_token(state, account_id, |client, token| {
            let (id, stage) = (id.clone(), stage.clone());
            async move { client.set_stage(&token, &id, &stage).await }
        })
        .await
    }

    fn verify_webhook(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Vec<CrmDelivery>, CrmWebhookError> {
        let config = settings(state).ok_or(CrmWebhookError::NotConfigured)?;
        let verified = webhook::verify(config.client_secret.expose_secret().as_bytes(), headers, body, now)?;
        Ok(vec![webhook::Delivery::read(&verified, body)?])
    }
}

/// Clock difference we tolerate between the CRM and us.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// The claims the demo CRM puts in its signed context.
#[derive(Debug, Deserialize)]
struct DemoContextClaims {
    account_id: String,
    user_id: String,
    opportunity_id: String,
    opportunity_name: String,
    #[serde(default)]
    property_address: Option<String>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    exp: i64,
}

/// Verifies a demo CRM context: HS256 only (the algorithm is pinned, never read from the
/// token's header), signature with `secret`, expiry against `now` with
/// [`CLOCK_SKEW_SECONDS`] of leeway.
pub fn verify_demo_context(token: &str, secret: &[u8], now: i64) -> Result<VerifiedContext, ContextError> {
    let claims: DemoContextClaims = crate::crypto::jwt::verify(token, secret).ok_or(ContextError::BadSignature)?;
    if claims.exp.saturating_add(CLOCK_SKEW_SECONDS) < now {
        return Err(ContextError::Expired);
    }
    let location = location_of(claims.property_address, claims.latitude, claims.longitude)?;
    Ok(VerifiedContext {
        account_id: claims.account_id,
        user_id: claims.user_id,
        opportunity: Opportunity { id: claims.opportunity_id, name: claims.opportunity_name, location },
    })
}

/// The site of an opportunity as the demo CRM gives it: an address, else coordinates.
pub fn location_of(
    address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> Result<Location, ContextError> {
    match (address, latitude, longitude) {
        (Some(address), _, _) if !address.trim().is_empty() => {
            Ok(Location::Address { property_address: address.trim().to_owned() })
        }
        (_, Some(latitude), Some(longitude)) => Ok(Location::Coordinates { latitude, longitude }),
        _ => Err(ContextError::Incomplete("the opportunity has neither an address nor coordinates")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"dev-only-demo-crm-secret-0123456789abcdef";
    const NOW: i64 = 1_790_000_000;

    fn sign(claims: serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
        encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).expect("sign")
    }

    fn claims(exp: i64) -> serde_json::Value {
        json!({
            "account_id": "acme", "user_id": "rep-1", "opportunity_id": "opp-1",
            "opportunity_name": "Rivera residence",
            "property_address": " 901 Mears Ct, Stanford, CA 94305 ", "exp": exp
        })
    }

    #[test]
    fn a_good_context_verifies() {
        let token = sign(claims(NOW + 300), Algorithm::HS256, SECRET);
        let context = verify_demo_context(&token, SECRET, NOW).expect("valid");
        assert_eq!(context.account_id, "acme");
        assert_eq!(
            context.opportunity.location,
            Location::Address { property_address: "901 Mears Ct, Stanford, CA 94305".into() }
        );
    }

    #[test]
    fn bad_contexts_are_refused() {
        let good = sign(claims(NOW + 300), Algorithm::HS256, SECRET);
        let mut tampered = good.clone();
        tampered.insert(good.len() - 3, 'x');
        let cases = [
            ("tampered", tampered, ContextError::BadSignature),
            (
                "other secret",
                sign(claims(NOW + 300), Algorithm::HS256, b"another-secret-another-secret-xx"),
                ContextError::BadSignature,
            ),
            ("HS512", sign(claims(NOW + 300), Algorithm::HS512, SECRET), ContextError::BadSignature),
            ("expired", sign(claims(NOW - CLOCK_SKEW_SECONDS - 1), Algorithm::HS256, SECRET), ContextError::Expired),
            ("garbage", "not.a.jwt".to_owned(), ContextError::BadSignature),
        ];
        for (name, token, expected) in cases {
            assert_eq!(verify_demo_context(&token, SECRET, NOW), Err(expected), "{name}");
        }
        // Within the skew it is still good.
        let token = sign(claims(NOW - CLOCK_SKEW_SECONDS + 1), Algorithm::HS256, SECRET);
        assert!(verify_demo_context(&token, SECRET, NOW).is_ok());
    }

    #[test]
    fn unsigned_alg_none_is_refused() {
        // {"alg":"none"} with the same claims and an empty signature.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token =
            format!("{}.{}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#), b64.encode(claims(NOW + 300).to_string()));
        assert_eq!(verify_demo_context(&token, SECRET, NOW), Err(ContextError::BadSignature));
    }
}
