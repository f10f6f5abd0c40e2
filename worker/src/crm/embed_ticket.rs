//! Embed tickets: a card on a CRM's record page (HubSpot's) proves itself on its own call,
//! then opens the widget's page in a modal of the CRM's, a load that carries no proof of
//! its own. The Router puts this short-lived ticket, signed by the worker under a key of
//! its own, in the modal's URL; the modal's page load redeems it ([`redeem`]), once. The
//! CRM's proof never reaches the page, and the ticket names its CRM: one CRM's ticket opens
//! nothing in another.

use super::{ContextError, Crm, VerifiedContext, embed::EmbedError};
use crate::{
    AppState,
    crypto::{Purpose, jwt},
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use widget_api::{Location, Opportunity};

/// How long a ticket opens the page: the modal loads it at once.
pub const LIFETIME_SECONDS: i64 = 2 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    crm: Crm,
    account: String,
    user: String,
    opportunity_id: String,
    opportunity_name: String,
    location: Location,
    exp: i64,
}

/// A ticket for `context`, verified for `crm` at `now`.
pub fn mint(state: &AppState, crm: Crm, context: VerifiedContext, now: i64) -> String {
    let claims = Claims {
        crm,
        account: context.account_id,
        user: context.user_id,
        opportunity_id: context.opportunity.id,
        opportunity_name: context.opportunity.name,
        location: context.opportunity.location,
        exp: now + LIFETIME_SECONDS,
    };
    jwt::sign_for(master(state), Purpose::EmbedTicket, &claims)
}

/// The context of a ticket minted for `crm`, unless expired or redeemed before: a
/// reloaded or copied modal URL opens nothing.
pub async fn redeem(state: &AppState, crm: Crm, ticket: &str, now: i64) -> Result<VerifiedContext, EmbedError> {
    let context = verify(state, crm, ticket, now)?;
    let spent = format!("embed-ticket:{ticket}");
    if !crate::storage::one_time::spend_signed_request(state.db(), &spent, now).await? {
        return Err(EmbedError::Replayed);
    }
    Ok(context)
}

/// The context of a ticket minted for `crm`, unless expired.
fn verify(state: &AppState, crm: Crm, ticket: &str, now: i64) -> Result<VerifiedContext, ContextError> {
    let claims: Claims = jwt::verify(ticket, &crate::crypto::derive_key(master(state), Purpose::EmbedTicket))
        .filter(|claims: &Claims| claims.crm == crm)
        .ok_or(ContextError::BadSignature)?;
    if claims.exp <= now {
        return Err(ContextError::Expired);
    }
    Ok(VerifiedContext {
        account_id: claims.account,
        user_id: claims.user,
        opportunity: Opportunity {
            id: claims.opportunity_id,
            name: claims.opportunity_name,
            location: claims.location,
        },
    })
}

/// `id` kept to what hosts' frame ids are made of, at most 200 characters.
pub fn host_id(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || "_:-.".contains(*c)).take(200).collect()
}

fn master(state: &AppState) -> &[u8] {
    state.config.signing_secret.expose_secret().as_bytes()
}
