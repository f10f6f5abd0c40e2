//! What every kind of Aurora delivery shares: how its query is read, what the receiver
//! records, and whether a failed call to Aurora is worth another attempt.

use super::Outcome;
use crate::storage::aurora_events::AuroraEvent;
use aurora_api::AuroraError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A delivery as the receiver records it, and the session token it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The event to record.
    pub event: AuroraEvent,
    /// Aurora's `<SESSION_TOKEN>`, when the delivery carried one.
    pub session_token: Option<String>,
}

/// The longest value we keep of any query parameter: Aurora's are ids and short words.
pub const MAX_VALUE_CHARS: usize = 200;

/// A delivery's query parameters, each cut to [`MAX_VALUE_CHARS`]; never fails (a
/// malformed escape reads as its replacement character).
pub fn parameters(query: &str) -> HashMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.chars().take(MAX_VALUE_CHARS).collect()))
        .collect()
}

pub fn short_hash(value: &str) -> String {
    hex::encode(&Sha256::digest(value.as_bytes())[..8])
}

/// Whether an Aurora failure is worth another attempt later. A design Aurora does not
/// have, or a tenant that refused us, is not: repeating cannot help. A 401 is (after the
/// key cache's own re-mint): a wrong application key is fixed by the operator, and the
/// events then go through.
pub fn outcome_of(error: &AuroraError) -> Outcome {
    match error {
        AuroraError::Unauthorized(_) => Outcome::Retry(error.to_string()),
        _ if error.is_transient() => Outcome::Retry(error.to_string()),
        _ => Outcome::GiveUp(error.to_string()),
    }
}
