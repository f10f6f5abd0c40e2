//! The deal card's one call: `POST /embed/hubspot/card`, made by the card through
//! `hubspot.fetch`, which HubSpot signs (`X-HubSpot-Signature-v3` over the URL it called,
//! identity parameters it appended included) and forwards. The card itself sends no
//! identity: only what HubSpot appends is trusted, a request naming an identity key twice
//! is refused (a card could add its own `portalId` before HubSpot's), the app id must be
//! ours, and the deal is bound to the portal by reading it with that portal's token.
//!
//! Verified, the call opens a card ([`Opened::Card`]): the Router answers it with where
//! the deal stands and the modal that shows the widget, with a 2-minute embed ticket in
//! the page's fragment, never its query (fragments reach neither servers nor logs nor
//! `Referer`).

use super::{HubSpot, settings, signature};
use crate::{
    AppState,
    crm::{
        ContextError, Crm, CrmIntegration, VerifiedContext,
        embed::{EmbedError, Modal, Opened, PageLoad},
    },
    storage::one_time,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::Value;
use widget_api::Opportunity;

/// The door below `/embed/hubspot` the card calls (`permittedUrls.fetch` names the
/// worker's origin).
pub const DOOR: &str = "card";

/// The path HubSpot calls.
pub const PATH: &str = "/embed/hubspot/card";

/// The modal's size, fixed when it opens (HubSpot has no resize protocol).
pub const MODAL_WIDTH: u32 = 1000;
/// Its height.
pub const MODAL_HEIGHT: u32 = 760;

/// The identity parameters HubSpot appends; each may appear once.
const IDENTITY_KEYS: [&str; 4] = ["portalId", "userId", "userEmail", "appId"];

/// What the card sends: the deal on screen (`context.crm.objectId`).
#[derive(Debug, Deserialize)]
struct CardRequest {
    #[serde(rename = "dealId")]
    deal_id: Value,
    /// The card's Create button (absent: the card only shows where the deal stands).
    #[serde(default)]
    create: bool,
}

/// Who HubSpot says is asking.
#[derive(Debug, PartialEq, Eq)]
pub struct CardCaller {
    /// The portal (hub) id.
    pub portal_id: String,
    /// The user.
    pub user_id: String,
}

/// What a signed card call showed (see [`crate::crm::observe`]).
const OBSERVED_IDENTITY: &str = "card calls: HubSpot appended portalId and userId";
/// ... or did not.
const OBSERVED_APP_ID_ONLY: &str = "card calls: HubSpot appended appId only (the card cannot open deals)";

/// What the card says when HubSpot appends no portal and user to its call.
pub const NO_IDENTITY: &str =
    "HubSpot sent the card's call without the portal and user it comes from, so the app cannot tell whose call it is";

/// The identity HubSpot appended to `query`, each key once, for our `app_id`.
pub fn caller(query: &str, app_id: &str) -> Result<CardCaller, ContextError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut identity = std::collections::HashMap::new();
    for (key, value) in &pairs {
        if IDENTITY_KEYS.contains(&key.as_str()) && identity.insert(key.as_str(), value.as_str()).is_some() {
            return Err(ContextError::BadSignature);
        }
    }
    let digits = |key: &str| {
        identity
            .get(key)
            .filter(|v| !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()))
            .map(|v| (*v).to_owned())
    };
    if digits("appId").as_deref() != Some(app_id) {
        return Err(ContextError::BadSignature);
    }
    match (digits("portalId"), digits("userId"), identity.contains_key("portalId") || identity.contains_key("userId")) {
        (Some(portal_id), Some(user_id), _) => Ok(CardCaller { portal_id, user_id }),
        // HubSpot documents only `appId` as appended. Without the portal and user from
        // HubSpot there is no safe identity (the card's own would let portal A read B): refused,
        // saying why, so a real portal tells us at once.
        (_, _, false) => Err(ContextError::Incomplete(NO_IDENTITY)),
        _ => Err(ContextError::BadSignature),
    }
}

/// Verifies a call an extension of ours made through `hubspot.fetch` (the card's, the
/// settings page's): HubSpot's signature over the URL it called, spent once, and the
/// identity it appended.
pub async fn verified_caller(state: &AppState, load: &PageLoad<'_>) -> Result<CardCaller, EmbedError> {
    let settings = settings(state).ok_or(EmbedError::NoSuchDoor)?;
    // The URL HubSpot called: our public origin (behind whatever proxy) and what reached us.
    let url = format!("{}{}", settings.public_url, load.path_and_query);
    let secret = settings.client_secret.expose_secret().as_bytes();
    signature::verify(secret, "POST", &url, load.body, load.headers, load.now * 1000)
        .map_err(|_| ContextError::BadSignature)?;
    // HubSpot documents `appId` only: what a genuine call carried, for the admin's health.
    let appended = ["portalId", "userId"]
        .iter()
        .all(|key| form_urlencoded::parse(load.query().as_bytes()).any(|(k, _)| k == *key));
    let seen = if appended { OBSERVED_IDENTITY } else { OBSERVED_APP_ID_ONLY };
    crate::crm::observe(state, Crm::HubSpot, seen).await;
    let caller = caller(load.query(), &settings.app_id)?;
    // A signed call opens one modal: a replay within HubSpot's 5-minute window opens none.
    // Spent by its decoded MAC: the same signature re-encoded is the same call.
    let mac = signature::decoded_signature(load.headers).map(hex::encode).unwrap_or_default();
    if !one_time::spend_signed_request(state.db(), &format!("hubspot-mac:{mac}"), load.now).await? {
        return Err(EmbedError::Replayed);
    }
    Ok(caller)
}

/// Verifies a card call ([`verified_caller`]) and reads its deal with the portal's own token.
pub async fn open(state: &AppState, load: &PageLoad<'_>) -> Result<Opened, EmbedError> {
    let settings = settings(state).ok_or(EmbedError::NoSuchDoor)?;
    let caller = verified_caller(state, load).await?;
    let request: CardRequest =
        serde_json::from_slice(load.body).map_err(|_| ContextError::Incomplete("the card names no deal"))?;
    let deal_id = match &request.deal_id {
        Value::String(id) => id.clone(),
        Value::Number(id) => id.to_string(),
        _ => String::new(),
    };
    if deal_id.is_empty() || deal_id.len() > 20 || !deal_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ContextError::Incomplete("the card names no deal").into());
    }
    // Read with the portal's own token (none: not installed): another portal's deal is not found.
    let deal = HubSpot.opportunity(state, &caller.portal_id, &deal_id).await?;
    let context = VerifiedContext {
        account_id: caller.portal_id,
        user_id: caller.user_id,
        opportunity: Opportunity { id: deal.id, name: deal.name, location: deal.site? },
    };
    // HubSpot's modal has a title bar: it names the app and the deal, as HubSpot's own do.
    let modal = Modal {
        page_url: format!("{}/embed/hubspot", settings.public_url),
        width: MODAL_WIDTH,
        height: MODAL_HEIGHT,
        title: format!("Aurora Solar · {}", context.opportunity.name),
    };
    Ok(Opened::Card { context, modal, create: request.create })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_identity_hubspot_appends_once_for_our_app_is_trusted() {
        let ok = caller("appId=42&portalId=7001&userId=501&userEmail=rep%40x.example", "42").expect("caller");
        assert_eq!(ok, CardCaller { portal_id: "7001".into(), user_id: "501".into() });
        // The card added its own portalId before HubSpot appended the real one.
        assert_eq!(caller("portalId=7002&appId=42&portalId=7001&userId=501", "42"), Err(ContextError::BadSignature));
        assert_eq!(caller("appId=42&portalId=7001&userId=501&userId=502", "42"), Err(ContextError::BadSignature));
        // Another app's call, or one without the app id or the user.
        assert_eq!(caller("appId=43&portalId=7001&userId=501", "42"), Err(ContextError::BadSignature));
        assert_eq!(caller("portalId=7001&userId=501", "42"), Err(ContextError::BadSignature));
        assert_eq!(caller("appId=42&portalId=7001", "42"), Err(ContextError::BadSignature));
        // HubSpot appended only what it documents: said so, not taken for a forgery.
        assert_eq!(caller("appId=42", "42"), Err(ContextError::Incomplete(NO_IDENTITY)));
        assert_eq!(caller("appId=42&portalId=70x1&userId=501", "42"), Err(ContextError::BadSignature));
        // Other parameters are the card's own and change nothing.
        assert!(caller("v=2&appId=42&portalId=7001&userId=501", "42").is_ok());
    }
}
