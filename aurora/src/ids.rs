//! Aurora's ids. Tenant, project, design, job and webhook ids are UUIDs [doc]; a typed id
//! per kind means a design id can never be passed where a tenant id belongs.

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
uuid_id!(/// A performance simulation job.
    JobId, "job_id");
uuid_id!(/// A partner webhook subscription.
    WebhookId, "webhook_id");
uuid_id!(/// Our partner application, as Aurora registered it.
    ApplicationId, "application_id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_and_errors_name_the_field() {
        let id = TenantId::parse(" 3fa85f64-5717-4562-b3fc-2c963f66afa6 ").expect("uuid");
        assert_eq!(id.to_string(), "3fa85f64-5717-4562-b3fc-2c963f66afa6");
        assert_eq!(DesignId::parse("not-a-uuid"), Err(ValidationError::NotAUuid { field: "design_id" }));
        assert!(JobId::parse("").is_err());
    }
}
