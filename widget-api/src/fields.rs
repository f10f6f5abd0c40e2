//! The wire's flat field sets of [`OpportunityState`] and [`Location`], read as plain structs
//! and then checked.
//!
//! serde reads internally tagged and untagged enums by buffering the whole value through
//! `deserialize_any` before it knows the variant: slower on the worker, and in a wasm
//! deserializer (serde-wasm-bindgen, measured in BENCHMARKS.md) a large generic path. A
//! struct with every field optional reads field by field, and the variant is picked after.

use crate::{DesignView, Location, OpportunityState};
use serde::Deserialize;
use std::fmt;

/// Why a flat set of fields makes no value: serde's own wording for a missing field, so
/// messages read the same as before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// A field the state's variant needs is absent.
    Missing(&'static str),
    /// A location with neither an address nor both coordinates.
    NoLocation,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unreadable::Missing(field) => write!(f, "missing field `{field}`"),
            Unreadable::NoLocation => f.write_str("a location needs `property_address`, or `latitude` and `longitude`"),
        }
    }
}

fn needs<T>(value: Option<T>, field: &'static str) -> Result<T, Unreadable> {
    value.ok_or(Unreadable::Missing(field))
}

/// `state`, the tag.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum StateName {
    NotLinked,
    AppDisabled,
    NoProject,
    Creating,
    AwaitingDesign,
    DesignReady,
    SimulationFailed,
    CreateFailed,
}

/// Every field any state has.
#[derive(Deserialize)]
pub struct StateFields {
    state: StateName,
    project_id: Option<String>,
    aurora_url: Option<String>,
    design: Option<Box<DesignView>>,
    design_id: Option<String>,
    code: Option<String>,
    message: Option<String>,
    retryable: Option<bool>,
}

impl TryFrom<StateFields> for OpportunityState {
    type Error = Unreadable;

    fn try_from(f: StateFields) -> Result<Self, Unreadable> {
        Ok(match f.state {
            StateName::NotLinked => OpportunityState::NotLinked,
            StateName::AppDisabled => OpportunityState::AppDisabled,
            StateName::NoProject => OpportunityState::NoProject,
            StateName::Creating => OpportunityState::Creating,
            StateName::AwaitingDesign => OpportunityState::AwaitingDesign {
                project_id: needs(f.project_id, "project_id")?,
                aurora_url: needs(f.aurora_url, "aurora_url")?,
            },
            StateName::DesignReady => OpportunityState::DesignReady {
                project_id: needs(f.project_id, "project_id")?,
                aurora_url: needs(f.aurora_url, "aurora_url")?,
                design: needs(f.design, "design")?,
            },
            StateName::SimulationFailed => OpportunityState::SimulationFailed {
                project_id: needs(f.project_id, "project_id")?,
                aurora_url: needs(f.aurora_url, "aurora_url")?,
                design_id: needs(f.design_id, "design_id")?,
            },
            StateName::CreateFailed => OpportunityState::CreateFailed {
                code: needs(f.code, "code")?,
                message: needs(f.message, "message")?,
                retryable: needs(f.retryable, "retryable")?,
            },
        })
    }
}

/// An address, coordinates, or (as serde's untagged enums read it) both: the address wins.
#[derive(Deserialize)]
pub struct LocationFields {
    property_address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl TryFrom<LocationFields> for Location {
    type Error = Unreadable;

    fn try_from(f: LocationFields) -> Result<Self, Unreadable> {
        match (f.property_address, f.latitude, f.longitude) {
            (Some(property_address), _, _) => Ok(Location::Address { property_address }),
            (None, Some(latitude), Some(longitude)) => Ok(Location::Coordinates { latitude, longitude }),
            _ => Err(Unreadable::NoLocation),
        }
    }
}
