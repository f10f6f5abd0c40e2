//! Aurora Solar's partner API as we use it: hosts, payload types, input validation and a
//! typed client with one retry policy.
//!
//! Everything here compiles for `wasm32-unknown-unknown` and native: the worker runs on
//! both, and the widget shares the design summary types. `../shared/aurora/CONTRACT.md`
//! is the record these types follow; where it says `[guess]`, the choice is ours and is
//! named in the item's docs.

#[cfg(feature = "client")]
pub mod client;
pub mod designs;
pub mod error;
pub mod hosts;
pub mod ids;
pub mod projects;
#[cfg(feature = "reqwest")]
pub mod reqwest_transport;
pub mod secrets;
pub mod timestamp;
pub mod tokens;
pub mod units;
pub mod validation;
pub mod webhooks;

#[cfg(feature = "client")]
pub use client::{AuroraClient, HttpTransport, RetryPolicy};
pub use designs::{DesignSummary, DesignSummaryResponse};
pub use error::TransportError;
pub use error::{AuroraError, AuroraErrorBody};
pub use ids::{ApplicationId, DesignId, JobId, ProjectId, TenantId, WebhookId};
pub use projects::{Project, ProjectLocation, ProjectRequest};
pub use secrets::{ApplicationKey, BearerToken, HeaderAuthValue, SessionToken};
pub use timestamp::Timestamp;
pub use tokens::{CreateTokenResponse, TemporaryKey};
pub use units::{KilowattHours, Watts};
pub use validation::ValidationError;
pub use webhooks::{PartnerWebhook, PartnerWebhookRequest, WebhookEvent};
