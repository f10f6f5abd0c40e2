//! Embed tickets: for CRMs whose page load itself carries the proof (Salesforce POSTs a
//! signed request, Pipedrive puts a JWT in the panel's URL, HubSpot signs the card's call),
//! the integration verifies it when the page loads ([`super::embed`]) and reads the
//! opportunity with the account's own token, and the Router hands the widget this
//! short-lived ticket, signed by the worker under a key of its own, as the
//! context it opens its session with. The CRM's proof never reaches the widget's requests,
//! and the ticket names its CRM: one CRM's ticket opens nothing in another.

use super::{ContextError, Crm, VerifiedContext};
use crate::{
    AppState,
    crypto::{Purpose, jwt},
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use widget_api::{Location, Opportunity};

/// How long a ticket opens sessions: the embed page uses it at once.
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

/// The context of a ticket minted for `crm`, unless expired.
pub fn verify(state: &AppState, crm: Crm, ticket: &str, now: i64) -> Result<VerifiedContext, ContextError> {
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
