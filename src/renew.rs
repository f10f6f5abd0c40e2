//! Renewing the widget's session before its token ends (10 minutes), so that a tab left
//! open for hours still creates on click: the CRM vouches for the rep again in its own
//! way, and the worker verifies that proof at the page's own door, as on a page load
//! (asked for JSON, the door answers the session instead of the page).
//!
//! - Salesforce: the Canvas SDK's `refreshSignedRequest` ([`crate::host_canvas`]), POSTed
//!   as the canvas POSTs it;
//! - Pipedrive: a panel token from `get_signed_token` ([`crate::host_pipedrive`]), in the
//!   panel's URL in place of the one it loaded with;
//! - the demo CRM: the page's URL signed afresh by the CRM's page ([`crate::host_frame`]);
//! - HubSpot: nothing. Its iframe modal has no documented way to ask the card for a new
//!   ticket; the rep opens the modal again from the card
//!   (`session::transitions::session_ended`).

use crate::{
    api::{self, ApiError, Proof},
    host_canvas, host_frame, host_pipedrive,
    page::Problem,
};
use widget_api::{Action, HostAdapter, SessionKeys};

/// The page around the frame, as the embed page names it.
#[derive(Debug, Clone)]
pub struct Host {
    /// How to talk to it.
    pub adapter: HostAdapter,
    /// The CRM origins we talk to.
    pub origins: Vec<String>,
    /// The host's id of this frame (Salesforce's canvas instance, Pipedrive's runtime id).
    pub id: String,
    /// The CRM's id of its surface for the whole design, when this page shows the summary
    /// (Pipedrive's custom modal).
    pub whole_design: Option<String>,
}

/// Why no new session came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewError {
    /// The CRM has no way for this frame to be vouched for again.
    Impossible,
    /// The CRM's page gave no proof (it did not answer, or refused).
    NoProof,
    /// The worker refused the proof, or could not be reached.
    Refused(ApiError),
}

impl Host {
    /// A new session for the opportunity, from the CRM's fresh proof.
    pub async fn renew(&self) -> Result<SessionKeys, RenewError> {
        let proof = self.fresh_proof().await?;
        api::open_session(&proof).await.map_err(RenewError::Refused)
    }

    async fn fresh_proof(&self) -> Result<Proof, RenewError> {
        let origin = self.origins.first().map(String::as_str).unwrap_or_default();
        let asked = match self.adapter {
            HostAdapter::Canvas => host_canvas::refreshed_signed_request(origin, &self.id),
            HostAdapter::Pipedrive => host_pipedrive::signed_token(&self.id),
            HostAdapter::FrameHeight => host_frame::renewed_url(&self.origins),
            HostAdapter::None => return Err(RenewError::Impossible),
        };
        let answer = match asked {
            Some(answer) => answer.text().await,
            None => None,
        };
        let answer = answer.filter(|answer| !answer.is_empty()).ok_or(RenewError::NoProof)?;
        Ok(match self.adapter {
            HostAdapter::Canvas => Proof::Form(format!("signed_request={}", js_sys::encode_uri_component(&answer))),
            HostAdapter::Pipedrive => Proof::Url(this_page_with("token", &answer).ok_or(RenewError::NoProof)?),
            _ => Proof::Url(answer),
        })
    }

    /// What the rep can do when no new session came: try again (Salesforce: POST the canvas
    /// anew, which reloads it), or, where the CRM cannot vouch again, what to do instead.
    pub fn problem(&self, error: &RenewError) -> Problem {
        if *error == RenewError::Impossible {
            return crate::session::transitions::session_ended();
        }
        let detail = match error {
            RenewError::Refused(refused) => format!(" ({refused})"),
            _ => String::new(),
        };
        Problem {
            message: format!(
                "This panel has been open a long time, and its session could not be renewed{detail}. \
                 Try again, or reload the page."
            ),
            retry: Some(Action::OpenSession),
        }
    }

    /// Opens the whole design of `opportunity_id` in the CRM's larger surface, where it has
    /// one; answers once that surface closed, or the CRM's refusal to open it.
    pub async fn view_design(&self, opportunity_id: &str) -> Result<(), String> {
        let Some(modal) = self.whole_design.as_deref() else { return Ok(()) };
        let opened = match self.adapter {
            HostAdapter::Pipedrive => host_pipedrive::open_modal(&self.id, modal, opportunity_id),
            _ => None,
        };
        match opened {
            Some(closed) => match closed.text().await {
                Some(refusal) if !refusal.is_empty() => Err(refusal),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// Tells the rep, in the CRM's own way where it has one (Pipedrive's snackbar), that
    /// what they asked for is done; the status region says it for everyone.
    pub fn confirm(&self, message: &str) {
        if self.adapter == HostAdapter::Pipedrive {
            host_pipedrive::show_snackbar(&self.id, message);
        }
    }

    /// "Try again" after a failed renewal. Salesforce reloads the canvas with a fresh signed
    /// request (`repost`); elsewhere the renewal is tried again by the caller.
    pub fn recover_by_reloading(&self) -> bool {
        if self.adapter == HostAdapter::Canvas {
            host_canvas::repost(&self.origins.first().cloned().unwrap_or_default(), &self.id);
            return true;
        }
        false
    }
}

/// This page's URL with `name` set to `value` in its query.
fn this_page_with(name: &str, value: &str) -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    let url = web_sys::Url::new(&href).ok()?;
    url.search_params().set(name, value);
    Some(url.href())
}
