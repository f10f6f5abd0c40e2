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
    /// Signing the widget's session tokens.
    WidgetToken,
    /// Digests of tenant link codes at rest.
    LinkCode,
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
            Purpose::WidgetToken => b"aurora-crm-worker/widget-token/v1",
            Purpose::LinkCode => b"aurora-crm-worker/link-code/v1",
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
    use hmac::{Hmac, Mac};
    use jsonwebtoken::{
        Algorithm, DecodingKey, EncodingKey, Header, Validation,
        crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier},
        errors::{ErrorKind, Result as JwtResult},
        signature::{Error as SignatureError, Signer, Verifier},
    };
    use serde::{Serialize, de::DeserializeOwned};
    use sha2::{Sha256, Sha384, Sha512};

    /// jsonwebtoken's cryptography, HMAC only. Its `rust_crypto` backend chooses the
    /// algorithm at run time, so link-time optimization kept its RSA and ECDSA code (P-384,
    /// DER, big integers: about 180 KB of the Workers wasm) although every token here is
    /// HMAC. HS384 and HS512 are there for tests that check they are refused.
    static HMAC_ONLY: CryptoProvider = CryptoProvider {
        signer_factory: hmac_signer,
        verifier_factory: hmac_verifier,
        // JWKs are for public keys; nothing here reads one.
        jwk_utils: JwkUtils::new_unimplemented(),
    };

    /// Installs [`HMAC_ONLY`] for this process (or isolate), once; every use of
    /// jsonwebtoken goes through this module, which calls it first.
    fn use_hmac_only() {
        // An `Err` means a provider is installed already: ours, or a test's own.
        let _ = HMAC_ONLY.install_default();
    }

    /// One HMAC, keyed, for one algorithm: both halves of a JWT's signature.
    struct Keyed<M: Mac + Clone>(M, Algorithm);

    impl<M: Mac + Clone> Signer<Vec<u8>> for Keyed<M> {
        fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
            let mut mac = self.0.clone();
            mac.update(message);
            Ok(mac.finalize().into_bytes().to_vec())
        }
    }

    impl<M: Mac + Clone> Verifier<Vec<u8>> for Keyed<M> {
        fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), SignatureError> {
            let mut mac = self.0.clone();
            mac.update(message);
            // Constant-time comparison.
            mac.verify_slice(signature).map_err(SignatureError::from_source)
        }
    }

    impl<M: Mac + Clone + Send + Sync + 'static> JwtSigner for Keyed<M> {
        fn algorithm(&self) -> Algorithm {
            self.1
        }
    }

    impl<M: Mac + Clone + Send + Sync + 'static> JwtVerifier for Keyed<M> {
        fn algorithm(&self) -> Algorithm {
            self.1
        }
    }

    fn keyed<M: Mac + hmac::digest::KeyInit + Clone + Send + Sync + 'static>(
        secret: &[u8],
        algorithm: Algorithm,
    ) -> JwtResult<Keyed<M>> {
        Ok(Keyed(<M as Mac>::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat)?, algorithm))
    }

    /// The keyed HMAC for `algorithm`, which must be one of the three HMACs.
    fn hmac_for(algorithm: Algorithm, secret: &[u8]) -> JwtResult<Box<dyn HmacJwt>> {
        Ok(match algorithm {
            Algorithm::HS256 => Box::new(keyed::<Hmac<Sha256>>(secret, algorithm)?),
            Algorithm::HS384 => Box::new(keyed::<Hmac<Sha384>>(secret, algorithm)?),
            Algorithm::HS512 => Box::new(keyed::<Hmac<Sha512>>(secret, algorithm)?),
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        })
    }

    /// Both halves, as one object (jsonwebtoken asks for each as its own trait object).
    trait HmacJwt: JwtSigner + JwtVerifier {}
    impl<T: JwtSigner + JwtVerifier> HmacJwt for T {}

    fn hmac_signer(algorithm: &Algorithm, key: &EncodingKey) -> JwtResult<Box<dyn JwtSigner>> {
        Ok(hmac_for(*algorithm, key.try_get_hmac_secret()?)?)
    }

    fn hmac_verifier(algorithm: &Algorithm, key: &DecodingKey) -> JwtResult<Box<dyn JwtVerifier>> {
        Ok(hmac_for(*algorithm, key.try_get_hmac_secret()?)?)
    }

    /// Signs `claims` with `key`.
    pub fn sign<T: Serialize>(claims: &T, key: &[u8]) -> String {
        use_hmac_only();
        // HMAC over our own serializable claims cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key)).unwrap_or_default()
    }

    /// The claims of `token` when it is HS256 and signed with `key`.
    pub fn verify<T: DeserializeOwned>(token: &str, key: &[u8]) -> Option<T> {
        use_hmac_only();
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

    /// The HMAC-only provider against the HS256 example of RFC 7515 (JWS), Appendix A.1:
    /// its key, its token, its claims; and a changed signature or another key refused.
    #[test]
    fn hs256_verifies_the_example_of_rfc_7515() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .expect("the RFC's key");
        let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9\
                     .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
                     .dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let claims: serde_json::Value = jwt::verify(token, &key).expect("the RFC's token verifies");
        assert_eq!((claims["iss"].as_str(), claims["exp"].as_i64()), (Some("joe"), Some(1_300_819_380)));
        assert_eq!(claims["http://example.com/is_root"], true);
        let changed = token.replace("dBjftJeZ4CVP", "dBjftJeZ4CVQ");
        assert!(jwt::verify::<serde_json::Value>(&changed, &key).is_none());
        assert!(jwt::verify::<serde_json::Value>(token, b"another key, another key, another").is_none());
    }

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
