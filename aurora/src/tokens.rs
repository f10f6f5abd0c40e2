//! `POST /partner_applications/{application_id}/tenants/{tenant_id}/create_token
//! ?session_token={session_token}` with the application key returns a temporary key [seed].

use crate::{BearerToken, Timestamp};
use serde::{Deserialize, Serialize};

/// The create_token answer: `{"token": {"bearer_token": "...", "expires_at": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateTokenResponse {
    /// The minted temporary key.
    pub token: TemporaryKey,
}

/// A temporary key: one tenant, about 13 hours, selected tenant endpoints [doc].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemporaryKey {
    /// The key, sent as `Authorization: Bearer ...` on tenant calls.
    pub bearer_token: BearerToken,
    /// When Aurora stops accepting it, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub expires_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_example_parses() {
        let seed = r#"{"token": {"bearer_token": "tk_test_fd1cc8562360ff06b6e524aa", "expires_at": "2023-07-29 04:30:46 UTC"}}"#;
        let response: CreateTokenResponse = serde_json::from_str(seed).expect("seed parses");
        assert_eq!(response.token.bearer_token.expose(), "tk_test_fd1cc8562360ff06b6e524aa");
        assert_eq!(response.token.expires_at.unix_seconds(), 1_690_605_046);
        assert!(!format!("{response:?}").contains("fd1cc856"), "Debug hides the key");
    }
}
