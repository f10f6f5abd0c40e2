//! The JSON the widget and the edge worker exchange.
//!
//! Both sides compile these types (the widget for `wasm32-unknown-unknown`, the worker for
//! both of its hosts), so a field renamed on one side is a compile error on the other
//! rather than a blank panel in a CRM.

use serde::{Deserialize, Serialize};

/// `POST /v1/sessions`: the widget hands over the CRM's signed context untouched; only the
/// worker can verify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRequest {
    /// Which CRM signed the context (`demo`, later `pipedrive`, ...): picks the verifier.
    pub crm: String,
    /// The signed context exactly as the CRM put it in the iframe URL.
    pub context: String,
}

/// The answer to `POST /v1/sessions`: everything the widget needs for its first paint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// The widget token: sent as `Authorization: Bearer` on later calls, kept in memory
    /// only (never a cookie or storage).
    pub token: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// The opportunity the rep is looking at, as the CRM vouched for it.
    pub opportunity: Opportunity,
    /// Where the opportunity stands with Aurora, so the first paint needs no second call.
    pub state: OpportunityState,
}

/// Where an opportunity stands with Aurora: `GET /v1/opportunities/{id}`, and the answer to
/// `POST /v1/opportunities/{id}/project`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OpportunityState {
    /// The CRM account has not linked an Aurora tenant yet: an admin must.
    NotLinked,
    /// The Aurora tenant disabled the app: an Aurora admin must enable it.
    AppDisabled,
    /// No project yet: the rep can create one.
    NoProject,
    /// The project is being created.
    Creating,
    /// The project exists; Aurora's designer has not finished.
    AwaitingDesign {
        /// Aurora's project id.
        project_id: String,
        /// The project in Aurora's app.
        aurora_url: String,
    },
    /// Aurora's designer finished and the simulation succeeded: the summary to show.
    DesignReady {
        /// Aurora's project id.
        project_id: String,
        /// The project in Aurora's app.
        aurora_url: String,
        /// The design summary as Aurora gave it (watts, kWh).
        design: Box<aurora_api::DesignSummary>,
    },
    /// The design's performance simulation failed in Aurora.
    SimulationFailed {
        /// Aurora's project id.
        project_id: String,
        /// The project in Aurora's app.
        aurora_url: String,
        /// The design whose simulation failed.
        design_id: String,
    },
    /// The last attempt to create the project failed.
    CreateFailed {
        /// Our error code.
        code: String,
        /// What happened, for the rep.
        message: String,
        /// Whether trying again may work (it never creates a second project).
        retryable: bool,
    },
}

/// A CRM opportunity, reduced to what the widget shows and Aurora needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// The CRM's id of the opportunity.
    pub id: String,
    /// The opportunity's name in the CRM.
    pub name: String,
    /// Where the system would be built.
    pub location: Location,
}

/// Where a project is: a street address or coordinates, as Aurora accepts either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Location {
    /// A single-line street address, as Aurora's `property_address`.
    Address {
        /// The address, e.g. `434 Brannan St, San Francisco, CA, 94107`.
        property_address: String,
    },
    /// WGS84 coordinates in decimal degrees.
    Coordinates {
        /// Degrees north, -90 to 90.
        latitude: f64,
        /// Degrees east, -180 to 180.
        longitude: f64,
    },
}

impl Location {
    /// The location as a rep reads it.
    pub fn display(&self) -> String {
        match self {
            Location::Address { property_address } => property_address.clone(),
            Location::Coordinates { latitude, longitude } => {
                let ns = if *latitude < 0.0 { 'S' } else { 'N' };
                let ew = if *longitude < 0.0 { 'W' } else { 'E' };
                format!("{:.5}° {ns}, {:.5}° {ew}", latitude.abs(), longitude.abs())
            }
        }
    }
}

/// Every error the worker returns has this body, whatever the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// A machine-readable code and a message that says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, snake_case; the widget branches on it.
    pub code: String,
    /// For people: what went wrong and what to do.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_untagged_so_it_reads_like_aurora_location() {
        let address: Location =
            serde_json::from_str(r#"{"property_address":"901 Mears Ct, Stanford, CA 94305"}"#)
                .expect("address parses");
        assert_eq!(address.display(), "901 Mears Ct, Stanford, CA 94305");

        let coords: Location = serde_json::from_str(r#"{"latitude":37.7796,"longitude":-122.3953}"#)
            .expect("coordinates parse");
        assert_eq!(coords.display(), "37.77960° N, 122.39530° W");
    }
}
