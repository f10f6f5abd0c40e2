//! Secret strings: the application key, temporary keys (bearer tokens), session tokens and
//! webhook header-auth values. None implements `Display`; `Debug` prints `[REDACTED]`, so
//! a secret cannot reach a log line or an error message by formatting.

use serde::{Deserialize, Serialize};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself, for the one place that must send it (a header).
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }
    };
}

secret_string!(
    /// The partner application's key: manages partner webhooks and mints temporary keys.
    /// It cannot call tenant endpoints.
    ApplicationKey
);
secret_string!(
    /// A temporary key's bearer token: valid 13 hours for one tenant's selected endpoints.
    BearerToken
);
secret_string!(
    /// Proof that a customer user acted: valid one hour, good for ONE create_token exchange.
    SessionToken
);
secret_string!(
    /// The value Aurora sends in the configured header of every webhook delivery.
    HeaderAuthValue
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let key = ApplicationKey::new("sk_test_very_secret_value");
        let token = BearerToken::new("tk_test_fd1cc8562360ff06b6e524aa");
        let printed = format!("{key:?} {token:?} {:?}", Some(SessionToken::new("st_secret")));
        assert!(!printed.contains("secret_value") && !printed.contains("fd1cc856") && !printed.contains("st_secret"));
        assert_eq!(format!("{key:?}"), "ApplicationKey([REDACTED])");
    }

    #[test]
    fn serializes_as_the_plain_string_aurora_expects() {
        let token: BearerToken = serde_json::from_str(r#""tk_abc""#).expect("parses");
        assert_eq!(token.expose(), "tk_abc");
        assert_eq!(serde_json::to_string(&token).expect("serializes"), r#""tk_abc""#);
    }
}
