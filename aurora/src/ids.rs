//! Aurora's ids, a typed id per kind, so a design id can never be passed where a tenant id
//! belongs. Tenant, project and design ids are UUIDs [doc]. Job, webhook and application
//! ids are read as opaque strings: Aurora types the simulation job's id as a string, and
//! nothing promises the others' form; a URL that carries one percent-encodes it.

use crate::validation::ValidationError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Parses a UUID, naming the field when it is not one.
            pub fn parse(value: &str) -> Result<Self, ValidationError> {
                Uuid::try_parse(value.trim())
                    .map($name)
                    .map_err(|_| ValidationError::NotAUuid { field: $field })
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(/// A customer's Aurora tenant.
    TenantId, "tenant_id");
uuid_id!(/// A project in a tenant.
    ProjectId, "project_id");
uuid_id!(/// A design of a project.
    DesignId, "design_id");
uuid_id!(/// A sales agreement sent for a design (e-signature).
    AgreementId, "agreement_id");
uuid_id!(/// A financing option of a design.
    FinancingId, "financing_id");
/// The longest opaque id we accept.
pub const MAX_OPAQUE_ID_CHARS: usize = 200;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Reads an id: trimmed, not empty, at most [`MAX_OPAQUE_ID_CHARS`] printable
            /// characters.
            pub fn parse(value: &str) -> Result<Self, ValidationError> {
                let value = value.trim();
                let printable = !value.is_empty()
                    && value.chars().count() <= MAX_OPAQUE_ID_CHARS
                    && !value.chars().any(char::is_control);
                if printable { Ok($name(value.to_owned())) } else { Err(ValidationError::NotAnId { field: $field }) }
            }

            /// The id as Aurora wrote it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// A UUID as the id (what the sandbox issues).
        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                $name(uuid.hyphenated().to_string())
            }
        }

        /// A string, or a number written as one (an id is not arithmetic).
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                match serde_json::Value::deserialize(deserializer)? {
                    serde_json::Value::String(text) => $name::parse(&text).map_err(serde::de::Error::custom),
                    serde_json::Value::Number(number) => Ok($name(number.to_string())),
                    other => Err(serde::de::Error::custom(format!("{} is not an id: {other}", $field))),
                }
            }
        }
    };
}

opaque_id!(/// A performance simulation job.
    JobId, "job_id");
opaque_id!(/// A partner webhook subscription.
    WebhookId, "webhook_id");
opaque_id!(/// Our partner application, as Aurora registered it.
    ApplicationId, "application_id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_and_errors_name_the_field() {
        let id = TenantId::parse(" 3fa85f64-5717-4562-b3fc-2c963f66afa6 ").expect("uuid");
        assert_eq!(id.to_string(), "3fa85f64-5717-4562-b3fc-2c963f66afa6");
        assert_eq!(DesignId::parse("not-a-uuid"), Err(ValidationError::NotAUuid { field: "design_id" }));
    }

    #[test]
    fn job_webhook_and_application_ids_are_opaque() {
        for raw in ["1bc85f64-5717-4562-b3fc-2c963f66aab9", "job_42", "42", " padded "] {
            assert_eq!(JobId::parse(raw).map(|id| id.to_string()), Ok(raw.trim().to_owned()), "{raw}");
        }
        for bad in ["", "   ", "a\nb", &"x".repeat(MAX_OPAQUE_ID_CHARS + 1)] {
            assert_eq!(JobId::parse(bad), Err(ValidationError::NotAnId { field: "job_id" }), "{bad:?}");
        }
        let from_number: WebhookId = serde_json::from_str("12345").expect("a numeric id");
        assert_eq!(from_number.as_str(), "12345");
        let from_text: ApplicationId = serde_json::from_str("\"app_7\"").expect("a text id");
        assert_eq!(serde_json::to_string(&from_text).expect("json"), "\"app_7\"");
        assert!(serde_json::from_str::<WebhookId>("null").is_err());
    }
}
