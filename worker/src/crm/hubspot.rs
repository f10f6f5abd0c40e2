//! HubSpot (under way): the app card's `hubspot.fetch` calls and HubSpot's webhooks are
//! signed with `X-HubSpot-Signature-v3` ([`signature`]). The integration behind the CRM
//! seam (OAuth, the card, deals, webhooks) builds on it.

pub mod signature;
