//! The JSON the widget and the edge worker exchange.
//!
//! Both sides compile these types (the widget for `wasm32-unknown-unknown`, the worker for
//! both of its hosts), so a field renamed on one side is a compile error on the other
//! rather than a blank panel in a CRM.
// Docs are this crate's API: the worker, the sandbox and the widget read them.
#![warn(missing_docs)]

pub mod decode;
mod design;
mod fields;
mod host;
mod sale;
mod screen;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use design::{ArrayView, BatteryView, DesignView, InverterView, PartCount, PartView, ProductionView};
pub use host::HostAdapter;
pub use sale::{Change, Milestone, SaleView, SoldDesign};
pub use screen::{
    Action, CREATING_TEMPLATE_ID, PROBLEM_MESSAGE_SELECTOR, PROBLEM_RETRY_SELECTOR, PROBLEM_TEMPLATE_ID, ScreenAnswer,
    SessionKeys, Surface,
};
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
///
/// On the wire it is one flat object tagged by `state`. It is read through its flat set of
/// fields (`fields::StateFields`) rather than serde's internally tagged enums, which
/// buffer the whole object (`deserialize_any`) before they know the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "fields::StateFields")]
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
        /// The design, as the rep reads it.
        design: Box<DesignView>,
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
///
/// Written untagged (the variant's fields alone); read through its flat set of fields
/// (`fields::LocationFields`): an address when there is one, else coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "fields::LocationFields")]
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

    const SEED: &str = include_str!("../../aurora/tests/fixtures/design-summary.seed.json");

    fn every_state() -> Vec<OpportunityState> {
        let seed: aurora_api::DesignSummaryResponse = serde_json::from_str(SEED).expect("seed parses");
        let received = aurora_api::Timestamp::parse("2024-07-01T00:00:00Z").expect("date");
        crate::testing::every_state(
            "https://v2.aurorasolar.com/projects/p-1",
            DesignView::from_summary(&seed.design, &received),
        )
    }

    #[test]
    fn every_state_round_trips_as_one_flat_tagged_object() {
        for state in every_state() {
            let json = serde_json::to_value(&state).expect("serializes");
            assert!(json["state"].is_string(), "{json}");
            let again: OpportunityState = serde_json::from_value(json.clone()).expect("parses");
            assert_eq!(again, state, "{json}");
        }
        let json =
            serde_json::to_value(OpportunityState::AwaitingDesign { project_id: "p".into(), aurora_url: "u".into() })
                .expect("serializes");
        assert_eq!(json, serde_json::json!({"state": "awaiting_design", "project_id": "p", "aurora_url": "u"}));
    }

    #[test]
    fn a_state_missing_its_fields_or_unknown_is_an_error() {
        let missing = serde_json::from_str::<OpportunityState>(r#"{"state":"awaiting_design","project_id":"p"}"#)
            .expect_err("no aurora_url");
        assert!(missing.to_string().contains("aurora_url"), "{missing}");
        let unknown = serde_json::from_str::<OpportunityState>(r#"{"state":"exploded"}"#).expect_err("unknown");
        assert!(unknown.to_string().contains("exploded"), "{unknown}");
    }

    #[test]
    fn location_is_untagged_so_it_reads_like_aurora_location() {
        let address: Location =
            serde_json::from_str(r#"{"property_address":"901 Mears Ct, Stanford, CA 94305"}"#).expect("address parses");
        assert_eq!(address, Location::Address { property_address: "901 Mears Ct, Stanford, CA 94305".into() });

        let coords: Location =
            serde_json::from_str(r#"{"latitude":37.7796,"longitude":-122.3953}"#).expect("coordinates parse");
        assert_eq!(coords, Location::Coordinates { latitude: 37.7796, longitude: -122.3953 });

        let half = serde_json::from_str::<Location>(r#"{"latitude":37.7796}"#).expect_err("no longitude");
        assert!(half.to_string().contains("`latitude` and `longitude`"), "{half}");
        // As the untagged enum read it: an address beside coordinates is the address.
        let both: Location = serde_json::from_str(r#"{"property_address":"a","latitude":1.0,"longitude":2.0}"#)
            .expect("address and coordinates parse");
        assert_eq!(both, Location::Address { property_address: "a".into() });
        let again: Location = serde_json::from_value(serde_json::to_value(&coords).expect("json")).expect("parses");
        assert_eq!(again, coords);
    }
}
