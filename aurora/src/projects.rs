//! `POST /tenants/{tenant_id}/projects` with `{"project": {...}}` answers 200 with
//! `{"project": {"id": ...}}` [doc, int]. Requests are built only through validating
//! constructors, so an invalid one cannot be sent.

use crate::{
    ProjectId, Timestamp,
    validation::{self, ValidationError},
};
use serde::{Deserialize, Serialize};

/// Where the project is: one address line, or coordinates [doc].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProjectLocation {
    /// `{"property_address": "..."}`.
    Address {
        /// One line, as a rep would type it.
        property_address: String,
    },
    /// `{"latitude": .., "longitude": ..}` in decimal degrees.
    Coordinates {
        /// -90 to 90.
        latitude: f64,
        /// -180 to 180.
        longitude: f64,
    },
}

impl ProjectLocation {
    /// A street address: trimmed, non-empty, at most 255 characters.
    pub fn address(property_address: &str) -> Result<Self, ValidationError> {
        Ok(ProjectLocation::Address {
            property_address: validation::required_text("property_address", property_address)?,
        })
    }

    /// Coordinates: finite, latitude in [-90, 90], longitude in [-180, 180].
    pub fn coordinates(latitude: f64, longitude: f64) -> Result<Self, ValidationError> {
        Ok(ProjectLocation::Coordinates {
            latitude: validation::in_range("latitude", latitude, -90.0, 90.0)?,
            longitude: validation::in_range("longitude", longitude, -180.0, 180.0)?,
        })
    }

    /// Re-checks a location that came from outside (a request body, a database row).
    pub fn validated(self) -> Result<Self, ValidationError> {
        match self {
            ProjectLocation::Address { property_address } => Self::address(&property_address),
            ProjectLocation::Coordinates { latitude, longitude } => Self::coordinates(latitude, longitude),
        }
    }
}

/// The body of a create-project call. Optional strings are omitted when absent: Aurora
/// rejects `null` for them [int].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectRequest {
    /// Where the system would be built.
    pub location: ProjectLocation,
    /// The project's name in Aurora.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Our key for the opportunity: how a project is found again after an unknown outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_provider_id: Option<String>,
    /// Customer's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_first_name: Option<String>,
    /// Customer's last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_last_name: Option<String>,
    /// Customer's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// Customer's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_phone: Option<String>,
    /// The Aurora user who owns the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `{"project": ...}` both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectEnvelope<T> {
    /// The request or the project.
    pub project: T,
}

/// Builder of a [`ProjectRequest`]; every setter validates.
#[derive(Debug, Clone)]
pub struct ProjectRequestBuilder(ProjectRequest);

impl ProjectRequest {
    /// Starts a request at a validated location.
    pub fn builder(location: ProjectLocation) -> ProjectRequestBuilder {
        ProjectRequestBuilder(ProjectRequest {
            location,
            name: None,
            external_provider_id: None,
            customer_first_name: None,
            customer_last_name: None,
            customer_email: None,
            customer_phone: None,
            owner_id: None,
            tags: None,
        })
    }

    /// Re-checks every rule, for a request that came from outside (the sandbox does).
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.location.clone().validated()?;
        let fields: [(&'static str, &Option<String>); 7] = [
            ("name", &self.name),
            ("external_provider_id", &self.external_provider_id),
            ("customer_first_name", &self.customer_first_name),
            ("customer_last_name", &self.customer_last_name),
            ("customer_email", &self.customer_email),
            ("customer_phone", &self.customer_phone),
            ("owner_id", &self.owner_id),
        ];
        for (field, value) in fields {
            validation::optional_text(field, value.as_deref())?;
        }
        for tag in self.tags.iter().flatten() {
            validation::required_text("tags", tag)?;
        }
        Ok(())
    }
}

macro_rules! optional_setters {
    ($($(#[$doc:meta])* $field:ident),*) => {
        impl ProjectRequestBuilder {
            $(
                $(#[$doc])*
                pub fn $field(mut self, value: Option<&str>) -> Result<Self, ValidationError> {
                    self.0.$field = validation::optional_text(stringify!($field), value)?;
                    Ok(self)
                }
            )*

            /// The finished request.
            pub fn build(self) -> ProjectRequest {
                self.0
            }
        }
    };
}

optional_setters!(
    /// The project's name (trimmed; empty means none; at most 255 characters).
    name,
    /// Our opportunity key.
    external_provider_id,
    /// Customer's first name.
    customer_first_name,
    /// Customer's last name.
    customer_last_name,
    /// Customer's email.
    customer_email,
    /// Customer's phone.
    customer_phone,
    /// The owning Aurora user.
    owner_id
);

/// A project as Aurora returns it. Only `id` is certain; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Aurora's id.
    pub id: ProjectId,
    /// Name, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Our opportunity key, when we set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_provider_id: Option<String>,
    /// Location, when returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ProjectLocation>,
    /// Creation time, when returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

/// `{"projects": [...]}` from `GET /tenants/{tenant_id}/projects`, as the sandbox writes
/// it. [guess] Whether Aurora honours the `external_provider_id` filter is undocumented:
/// the client filters on its side and pages through ([`ProjectPage`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectList {
    /// The matching projects.
    pub projects: Vec<Project>,
}

/// One page of projects, read project by project: a project that cannot be read (another
/// app's, or a shape we do not know) is skipped and its shape reported, never the page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectPage {
    /// The projects that could be read.
    pub projects: Vec<Project>,
    /// How many the page listed, read or not (a short page is the last).
    pub listed: usize,
    /// The shape of each project that could not be read (keys and JSON types, no values).
    pub unreadable: Vec<String>,
}

impl<'de> Deserialize<'de> for ProjectPage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            projects: Option<Vec<serde_json::Value>>,
        }
        let raw = Raw::deserialize(deserializer)?.projects.unwrap_or_default();
        let mut page = ProjectPage { listed: raw.len(), ..ProjectPage::default() };
        for value in raw {
            match serde_json::from_value::<Project>(value.clone()) {
                Ok(project) => page.projects.push(project),
                Err(_) => page.unreadable.push(crate::shape::of(&value)),
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seed_bodies_are_what_we_send() {
        let by_address = ProjectRequest::builder(
            ProjectLocation::address("434 Brannan St, San Francisco, CA, 94107").expect("valid"),
        )
        .build();
        assert_eq!(
            serde_json::to_value(ProjectEnvelope { project: by_address }).expect("json"),
            json!({"project": {"location": {"property_address": "434 Brannan St, San Francisco, CA, 94107"}}})
        );
        let by_coordinates =
            ProjectRequest::builder(ProjectLocation::coordinates(37.7796, -122.3953).expect("valid")).build();
        assert_eq!(
            serde_json::to_value(ProjectEnvelope { project: by_coordinates }).expect("json"),
            json!({"project": {"location": {"latitude": 37.7796, "longitude": -122.3953}}})
        );
    }

    #[test]
    fn optional_strings_are_omitted_never_null() {
        let request = ProjectRequest::builder(ProjectLocation::address("1 Main St").expect("valid"))
            .name(Some("  Rivera residence "))
            .and_then(|b| b.customer_email(Some("   ")))
            .and_then(|b| b.external_provider_id(Some("demo:acct-1:opp-1")))
            .expect("valid")
            .build();
        let json = serde_json::to_string(&request).expect("json");
        assert!(!json.contains("null"), "{json}");
        assert!(!json.contains("customer_email"));
        assert!(json.contains(r#""name":"Rivera residence""#));
    }

    #[test]
    fn every_rule_names_its_field() {
        assert_eq!(ProjectLocation::address("  ").map_err(|e| e.field()), Err("property_address"));
        assert_eq!(ProjectLocation::address(&"x".repeat(256)).map_err(|e| e.field()), Err("property_address"));
        assert_eq!(ProjectLocation::coordinates(91.0, 0.0).map_err(|e| e.field()), Err("latitude"));
        assert_eq!(ProjectLocation::coordinates(0.0, -180.5).map_err(|e| e.field()), Err("longitude"));
        assert_eq!(ProjectLocation::coordinates(f64::NAN, 0.0).map_err(|e| e.field()), Err("latitude"));
        let builder = ProjectRequest::builder(ProjectLocation::coordinates(0.0, 0.0).expect("valid"));
        assert_eq!(builder.name(Some(&"n".repeat(300))).map_err(|e| e.field()).err(), Some("name"));
    }

    #[test]
    fn projects_parse_with_unknown_fields() {
        let body = json!({"project": {"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "external_provider_id": "opp-1",
            "status": "active", "created_at": "2023-07-29 04:30:46 UTC", "something_new": {"a": 1}}});
        let parsed: ProjectEnvelope<Project> = serde_json::from_value(body).expect("parses");
        assert_eq!(parsed.project.external_provider_id.as_deref(), Some("opp-1"));
    }
}
