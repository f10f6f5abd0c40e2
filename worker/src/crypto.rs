//! The worker's own cryptography, all from one master secret (`WORKER_SIGNING_SECRET`):
//! a separate key per purpose (HKDF-SHA256), so a widget token can never pass as an admin
//! session or open sealed CRM tokens; sealing (AES-256-GCM) of the CRM's OAuth tokens at
//! rest; and random values for nonces, OAuth `state` and CSRF tokens.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hkdf::Hkdf;
use sha2::Sha256;

/// What a derived key is for: the HKDF `info`, versioned so keys can be rotated.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Sealing CRM OAuth tokens in the database.
    CrmTokens,
    /// Signing admin sessions of the settings pages.
    AdminSession,
    /// Signing the OAuth `state` of an install.
    InstallState,
    /// Deriving an install's PKCE code verifier from its nonce.
    Pkce,
    /// Signing the embed tickets a CRM's embed page hands the widget (see `crm::embed_ticket`).
    EmbedTicket,
    /// The HTTP Basic passwords of CRM webhook subscriptions (Pipedrive's, per company).
    CrmWebhookAuth,
}

impl Purpose {
    fn info(self) -> &'static [u8] {
        match self {
            Purpose::CrmTokens => b"aurora-crm-worker/crm-tokens/v1",
            Purpose::AdminSession => b"aurora-crm-worker/admin-session/v1",
            Purpose::InstallState => b"aurora-crm-worker/install-state/v1",
            Purpose::Pkce => b"aurora-crm-worker/pkce/v1",
            Purpose::EmbedTicket => b"aurora-crm-worker/embed-ticket/v1",
            Purpose::CrmWebhookAuth => b"aurora-crm-worker/crm-webhook-auth/v1",
        }
    }
}

/// A 256-bit key for `purpose`, derived from `master`.
pub fn derive_key(master: &[u8], purpose: Purpose) -> [u8; 32] {
    let mut key = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit: this cannot fail.
    let _ = Hkdf::<Sha256>::new(None, master).expand(purpose.info(), &mut key);
    key
}

/// Why randomness or sealing failed. Carries no key or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The platform's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// The sealed value is malformed, was sealed for another row, or under another key.
    #[error("a sealed value could not be opened (tampered, moved, or the worker secret changed)")]
    Unseal,
}

/// `bytes` random bytes as URL-safe base64 (no padding).
pub fn random_token(bytes: usize) -> Result<String, CryptoError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(B64.encode(buffer))
}

/// An install's PKCE pair (RFC 7636), derived from its nonce (which only the admin's
/// browser holds, in the install cookie): the code verifier, and its S256 challenge. Derived,
/// not stored, so nothing is kept between the install's start and its callback.
pub fn pkce(master: &[u8], nonce: &str) -> (String, String) {
    use sha2::Digest;
    // A keyed hash under a key of its own: 256 bits no one without the worker's secret can
    // compute from the nonce (length extension gives nothing here: the verifier is the secret).
    let key = derive_key(master, Purpose::Pkce);
    let verifier = B64.encode(Sha256::new().chain_update(key).chain_update(nonce.as_bytes()).finalize());
    let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// A code a person reads and types: `length` symbols of Crockford's base32 (no I, L, O or
/// U to misread), 5 bits each, from the platform's random source.
pub fn random_code(length: usize) -> Result<String, CryptoError> {
    const SYMBOLS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut buffer = vec![0u8; length];
    getrandom::getrandom(&mut buffer).map_err(|e| CryptoError::Random(e.to_string()))?;
    // 256 is a multiple of 32: taking each byte modulo 32 keeps every symbol equally likely.
    Ok(buffer.iter().map(|b| char::from(SYMBOLS[usize::from(b % 32)])).collect())
}

/// Seals and opens values at rest, each bound to where it belongs (the AAD), so a sealed
/// value copied to another installation's row does not open there.
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    /// The sealer for `master`'s CRM-token key.
    pub fn new(master: &[u8]) -> Self {
        let key = derive_key(master, Purpose::CrmTokens);
        Sealer { cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)) }
    }

    /// base64(nonce || ciphertext) of `plaintext`, bound to `bound_to`.
    pub fn seal(&self, plaintext: &[u8], bound_to: &str) -> Result<String, CryptoError> {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce).map_err(|e| CryptoError::Random(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext, aad: bound_to.as_bytes() })
            .map_err(|_| CryptoError::Unseal)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(B64.encode(out))
    }

    /// The plaintext of a value [`Sealer::seal`]ed for `bound_to`.
    pub fn open(&self, sealed: &str, bound_to: &str) -> Result<Vec<u8>, CryptoError> {
        let bytes = B64.decode(sealed).map_err(|_| CryptoError::Unseal)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError::Unseal);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Unseal)?;
        self.cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: bound_to.as_bytes() })
            .map_err(|_| CryptoError::Unseal)
    }
}

/// HS256 JWTs, the one way the worker signs and checks them: the algorithm pinned (never
/// read from the token's header), and no time claims checked here, since
/// `jsonwebtoken` would read the system clock, which wasm32 lacks: each caller checks its
/// own expiry against the host's clock.
pub mod jwt {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    use serde::{Serialize, de::DeserializeOwned};

    /// Signs `claims` with `key`.
    pub fn sign<T: Serialize>(claims: &T, key: &[u8]) -> String {
        // HMAC over our own serializable claims cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key)).unwrap_or_default()
    }

    /// The claims of `token` when it is HS256 and signed with `key`.
    pub fn verify<T: DeserializeOwned>(token: &str, key: &[u8]) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &DecodingKey::from_secret(key), &validation).ok().map(|data| data.claims)
    }

    /// Signs `claims` under the key `master` derives for `purpose`.
    pub fn sign_for<T: Serialize>(master: &[u8], purpose: super::Purpose, claims: &T) -> String {
        sign(claims, &super::derive_key(master, purpose))
    }

    /// The claims of `token` signed under the key `master` derives for `purpose`, unless
    /// `exp_of` them is not after `now`.
    pub fn verify_for<T: DeserializeOwned>(
        master: &[u8],
        purpose: super::Purpose,
        token: &str,
        now: i64,
        exp_of: impl Fn(&T) -> i64,
    ) -> Option<T> {
        verify(token, &super::derive_key(master, purpose)).filter(|claims| exp_of(claims) > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: &[u8] = b"test-master-secret-0123456789abcdef";

    #[test]
    fn sealed_values_open_only_where_they_belong() {
        let sealer = Sealer::new(MASTER);
        let sealed = sealer.seal(b"rt_refresh_token", "demo/acct-a").expect("seal");
        assert!(!sealed.contains("rt_refresh_token"));
        assert_eq!(sealer.open(&sealed, "demo/acct-a").expect("open"), b"rt_refresh_token");
        assert_eq!(sealer.open(&sealed, "demo/acct-b"), Err(CryptoError::Unseal), "moved to another row");
        assert_eq!(
            Sealer::new(b"another-master-secret-0123456789ab").open(&sealed, "demo/acct-a"),
            Err(CryptoError::Unseal)
        );
        let mut tampered = sealed.clone().into_bytes();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        assert_eq!(sealer.open(&String::from_utf8(tampered).expect("ascii"), "demo/acct-a"), Err(CryptoError::Unseal));
        assert_ne!(
            sealer.seal(b"x", "a").expect("seal"),
            sealer.seal(b"x", "a").expect("seal"),
            "fresh nonce each time"
        );
    }

    /// Standards vectors for HS256 (`tests/fixtures/jwt/hs256-vectors.json`: RFC 7515
    /// Appendix A.1, whose header holds CR LF and spaces, so only the bytes as received
    /// verify; and jwt.io's default token). Their claims are not ours: read as plain JSON.
    #[test]
    fn hs256_verifies_the_standards_vectors_and_nothing_near_them() {
        use base64::Engine;
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/jwt/hs256-vectors.json")).expect("vectors");
        let rfc = &vectors["rfc7515_a1"];
        let rfc_key = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(rfc["jwk_k_base64url"].as_str().expect("k"))
            .expect("key");
        let rfc_token = rfc["token"].as_str().expect("token");
        let claims: serde_json::Value = jwt::verify(rfc_token, &rfc_key).expect("RFC 7515 A.1 verifies");
        assert_eq!(claims["iss"], "joe");
        assert_eq!(claims["exp"], 1_300_819_380, "expired long ago: callers check exp against their clock");
        let jwt_io = &vectors["jwt_io_default"];
        let jwt_io_token = jwt_io["token"].as_str().expect("token");
        let secret = jwt_io["secret_utf8"].as_str().expect("secret").as_bytes();
        let claims: serde_json::Value = jwt::verify(jwt_io_token, secret).expect("jwt.io verifies");
        assert_eq!(claims["name"], "John Doe");
        // Negatives: another key, one byte changed in each part, no signature, alg none.
        assert!(jwt::verify::<serde_json::Value>(jwt_io_token, b"not-your-256-bit-secret").is_none());
        assert!(jwt::verify::<serde_json::Value>(rfc_token, secret).is_none());
        for part in 0..3 {
            let mut parts: Vec<String> = jwt_io_token.split('.').map(str::to_owned).collect();
            let flipped = if parts[part].starts_with('e') { 'f' } else { 'e' };
            parts[part].replace_range(0..1, &flipped.to_string());
            assert!(jwt::verify::<serde_json::Value>(&parts.join("."), secret).is_none(), "part {part} changed");
        }
        let unsigned = jwt_io_token.rsplit_once('.').expect("parts").0.to_owned() + ".";
        assert!(jwt::verify::<serde_json::Value>(&unsigned, secret).is_none());
        let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = jwt_io_token.split('.').nth(1).expect("payload");
        assert!(jwt::verify::<serde_json::Value>(&format!("{none_header}.{body}."), secret).is_none());
    }

    #[test]
    fn each_purpose_has_its_own_key() {
        let keys = [Purpose::CrmTokens, Purpose::AdminSession, Purpose::InstallState].map(|p| derive_key(MASTER, p));
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[1], keys[2]);
        assert_ne!(&keys[0][..], MASTER);
        assert_eq!(random_token(32).expect("random").len(), 43);
    }
}
