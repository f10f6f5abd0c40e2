//! Aurora Solar's partner API as we use it: hosts, payload types, input validation and a
//! typed client with one retry policy.
//!
//! Everything here compiles for `wasm32-unknown-unknown` and native: the worker runs on
//! both, and the widget shares the design summary types. `aurora/CONTRACT.md` is the
//! record these types follow. Docs cite how sure each fact is, as that record does:
//! `[doc]` Aurora's own documentation, `[int]` public integrator code that parses real
//! answers, `[seed]` only Aurora's tutorial examples show it, `[guess]` undocumented, so
//! the choice is ours and is named in the item's docs.
// Docs are this crate's API: the worker, the sandbox and the widget read them.
#![warn(missing_docs)]

#[cfg(feature = "client")]
pub mod client;
pub mod designs;
pub mod error;
pub mod hosts;
pub mod ids;
pub mod pricing;
pub mod projects;
#[cfg(feature = "reqwest")]
pub mod reqwest_transport;
pub mod sale;
pub mod secrets;
pub mod shape;
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
pub use ids::{AgreementId, ApplicationId, DesignId, FinancingId, JobId, ProjectId, TenantId, WebhookId};
pub use pricing::DesignPricing;
pub use projects::{Project, ProjectLocation, ProjectRequest};
pub use sale::{Agreement, AgreementStatus, Financing, WebProposal};
pub use secrets::{ApplicationKey, BearerToken, HeaderAuthValue, SessionToken};
pub use timestamp::Timestamp;
pub use tokens::{CreateTokenResponse, TemporaryKey};
pub use units::{KilowattHours, Watts};
pub use validation::ValidationError;
pub use webhooks::{PartnerWebhook, PartnerWebhookRequest, WebhookEvent};
