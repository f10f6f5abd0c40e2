//! The OAuth 2.0 authorization server every CRM stand-in runs to install our app: the
//! authorization code grant (RFC 6749 §4.1, <https://www.rfc-editor.org/rfc/rfc6749#section-4.1>)
//! with its consent page, PKCE (RFC 7636, <https://www.rfc-editor.org/rfc/rfc7636>) as far as
//! the vendor has it, the token endpoint with the refresh grant (§6), and revocation (RFC 7009,
//! <https://www.rfc-editor.org/rfc/rfc7009>).
//!
//! A stand-in says only what its vendor does differently: its [`Rules`] (paths, PKCE, how
//! the client authenticates, whether refresh tokens rotate), who is signed in and may
//! consent, its consent page in its own words, what a consent installs, the token answer it
//! gives, the shape of its errors, and what revoking a token ends ([`AuthorizationServer`]).
//! Codes and refresh tokens live in a [`Grants`] kept inside the stand-in's own data, so
//! uninstalling forgets them under the same lock as everything else.

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use subtle::ConstantTimeEq;

/// A random token of `len` letters and digits (codes, tokens, ids).
pub fn random_token(len: usize) -> String {
    use rand::Rng;
    rand::rng().sample_iter(rand::distr::Alphanumeric).take(len).map(char::from).collect()
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What the vendor does with PKCE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkce {
    /// No PKCE: a challenge is neither checked nor kept.
    Ignored,
    /// A code asked for with an S256 challenge is exchanged only with its verifier.
    Optional,
    /// Every authorize request carries an S256 challenge.
    Required,
}

/// How the token and revoke endpoints know the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1's second way).
    FormBody,
    /// HTTP Basic with the client id and secret (§2.3.1's first way).
    HttpBasic,
}

/// What a refresh does to the refresh token (RFC 6749 §6 allows both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// The refresh token stays.
    Kept,
    /// A new refresh token each time; the old one stops working.
    Rotated,
}

/// A vendor's way of running the flow.
#[derive(Debug, Clone)]
pub struct Rules {
    pub client_id: String,
    pub client_secret: String,
    /// The one redirect URI registered for our app.
    pub redirect_uri: String,
    /// Where the authorize endpoint is; the consent form posts back to it.
    pub authorize_path: &'static str,
    /// The sign-in page, and its name for the return address (`/login`, `startURL`).
    pub sign_in: (&'static str, &'static str),
    /// Whether `response_type=code` must be there (some vendors assume it).
    pub response_type_required: bool,
    /// Whether a request without `state` is refused.
    pub state_required: bool,
    pub pkce: Pkce,
    pub client_auth: ClientAuth,
    /// Whether revoking needs the client's credentials too.
    pub revoke_authenticates_client: bool,
    pub refresh: Refresh,
    /// How long a code waits for its exchange.
    pub code_seconds: i64,
    /// How the vendor's codes and refresh tokens start (`aPrx`, `5Aep`).
    pub prefixes: (&'static str, &'static str),
    /// The vendor's `error` when the user says no (`access_denied`, `user_denied`).
    pub denied: &'static str,
    /// Whether a user who allowed these scopes before is sent straight back with a code,
    /// without the consent page (as most servers do when the app is already authorized).
    pub remembers_consent: bool,
}

/// Who a grant is for, and what for.
#[derive(Debug, Clone)]
pub struct Grant<S> {
    pub subject: S,
    pub scope: String,
}

#[derive(Debug, Clone)]
struct Code<S> {
    grant: Grant<S>,
    redirect_uri: String,
    challenge: Option<String>,
    expires: i64,
}

/// The codes waiting for their exchange and the refresh tokens in force, kept in a
/// stand-in's data.
#[derive(Debug)]
pub struct Grants<S> {
    codes: HashMap<String, Code<S>>,
    refresh_tokens: HashMap<String, Grant<S>>,
    /// Who allowed which scopes.
    consents: Vec<Grant<S>>,
}

impl<S> Default for Grants<S> {
    fn default() -> Self {
        Grants { codes: HashMap::new(), refresh_tokens: HashMap::new(), consents: Vec::new() }
    }
}

impl<S> Grants<S> {
    /// The refresh tokens in force, with whom each is for.
    pub fn refresh_tokens(&self) -> impl Iterator<Item = (&str, &Grant<S>)> {
        self.refresh_tokens.iter().map(|(token, grant)| (token.as_str(), grant))
    }

    /// Forgets every code and refresh token of the subjects `which` picks (an uninstall).
    pub fn forget(&mut self, which: impl Fn(&S) -> bool) {
        self.codes.retain(|_, code| !which(&code.grant.subject));
        self.refresh_tokens.retain(|_, grant| !which(&grant.subject));
        self.consents.retain(|grant| !which(&grant.subject));
    }
}

/// The signed-in user at the consent page.
#[derive(Debug, Clone)]
pub struct Consenter<S> {
    /// Whom a code they allow is for.
    pub subject: S,
    /// Why they may not install the app (not an admin), in the vendor's words.
    pub refusal: Option<String>,
    /// The session's form token, when the vendor's forms carry one.
    pub csrf: Option<String>,
}

/// Why the token endpoint said no; each vendor words it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Unknown client or wrong secret.
    BadClient,
    /// A code unknown, used, expired, for another redirect URI, or without its verifier.
    BadCode,
    /// A refresh token unknown, rotated away or revoked.
    BadRefreshToken,
    /// Neither `authorization_code` nor `refresh_token`.
    UnsupportedGrant,
}

impl TokenRefusal {
    /// RFC 6749 §5.2's `error`, with a description.
    pub fn rfc_error(self) -> (&'static str, &'static str) {
        match self {
            TokenRefusal::BadClient => ("invalid_client", "unknown client or wrong secret"),
            TokenRefusal::BadCode => ("invalid_grant", "invalid authorization code"),
            TokenRefusal::BadRefreshToken => ("invalid_grant", "invalid refresh token"),
            TokenRefusal::UnsupportedGrant => ("unsupported_grant_type", "grant type not supported"),
        }
    }
}

/// RFC 6749 §5.2's error body.
pub fn rfc_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

/// A token given to the revoke endpoint.
#[derive(Debug)]
pub enum Revoked<S> {
    /// A refresh token in force: it is gone now; its access tokens are the stand-in's to end.
    Refresh { token: String, grant: Grant<S> },
    /// Anything else (an access token, perhaps, or nothing the server knows).
    Other(String),
}

/// What a stand-in supplies to run the authorization server.
pub trait AuthorizationServer: Clone + Send + Sync + 'static {
    /// Whom a grant is for (a user, with their org, company, portal or account).
    type Subject: Clone + PartialEq + Send + 'static;

    fn rules(&self) -> Rules;

    /// `f` over the stand-in's [`Grants`], under its data's lock.
    fn with_grants<R>(&self, f: impl FnOnce(&mut Grants<Self::Subject>) -> R) -> R;

    /// The user signed in to the browser, if any.
    fn consenter(&self, headers: &HeaderMap) -> Option<Consenter<Self::Subject>>;

    /// The vendor's own checks of an authorize request (HubSpot's scopes); the message of
    /// its error page when it fails.
    fn check(&self, _request: &AuthorizeRequest) -> Result<(), String> {
        Ok(())
    }

    /// A page that only says what went wrong.
    fn error_page(&self, status: StatusCode, message: &str) -> Response;

    /// The consent page: `fields` (hidden inputs) go inside a form posting to the
    /// authorize path, with buttons `name=decision` `value=allow` and `value=deny`.
    fn consent_page(&self, who: &Consenter<Self::Subject>, request: &AuthorizeRequest, fields: &str) -> Response;

    /// The user allowed (some vendors install the app at this point).
    fn allowed(&self, _who: &Consenter<Self::Subject>) {}

    /// A new access token for `grant` and the vendor's answer carrying it; `refresh_token`
    /// is the one now in force (new after a code, or after a refresh when they rotate);
    /// `first` after a code.
    fn issue(&self, grant: &Grant<Self::Subject>, refresh_token: &str, first: bool) -> Value;

    /// The vendor's way of saying no at the token endpoint.
    fn refuse(&self, refusal: TokenRefusal) -> Response {
        let status =
            if refusal == TokenRefusal::BadClient { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
        let (error, description) = refusal.rfc_error();
        rfc_error(status, error, description)
    }

    /// What revoking a token ends, and the answer.
    fn revoke(&self, revoked: Revoked<Self::Subject>) -> Response;
}

/// The server's endpoints at the vendor's paths, in two routers: the browser's (authorize)
/// and the app's (token, revoke), so that a stand-in can put its API's behaviour (faults,
/// limits) on the second only.
pub struct Endpoints<V> {
    pub browser: Router<V>,
    pub app: Router<V>,
}

impl<V: AuthorizationServer> Endpoints<V> {
    pub fn new(server: &V, token_path: &str, revoke_path: &str) -> Endpoints<V> {
        Endpoints {
            browser: Router::new().route(server.rules().authorize_path, get(authorize::<V>).post(decide::<V>)),
            app: Router::new().route(token_path, post(token::<V>)).route(revoke_path, post(revoke::<V>)),
        }
    }

    /// Both routers as one.
    pub fn router(self) -> Router<V> {
        self.browser.merge(self.app)
    }
}

/// What an authorize request carries (every field the four vendors use).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuthorizeRequest {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub scope: String,
    /// HubSpot's scopes a portal may leave out.
    pub optional_scope: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

impl AuthorizeRequest {
    /// The fields given, in a fixed order, for the return address and the consent form.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("state", &self.state),
            ("scope", &self.scope),
            ("optional_scope", &self.optional_scope),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name, value.as_str()))
        .collect()
    }

    /// Back to the client with `pairs`, and the request's `state` if it had one (RFC 6749
    /// §4.1.2: "REQUIRED if the state parameter was present in the client authorization
    /// request").
    fn redirect_back(&self, pairs: &[(&str, &str)]) -> Response {
        let state = Some(("state", self.state.as_str())).filter(|(_, state)| !state.is_empty());
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).extend_pairs(state).finish();
        Redirect::to(&format!("{}?{query}", self.redirect_uri)).into_response()
    }
}

/// The checks of RFC 6749 §4.1.2.1: a request that is not our app's, or not for its
/// registered redirect URI, gets an error page (never a redirect to where it asks); any
/// other problem goes back to the client as `error`.
fn validate<V: AuthorizationServer>(server: &V, rules: &Rules, request: &AuthorizeRequest) -> Result<(), Response> {
    if request.client_id != rules.client_id {
        return Err(server.error_page(StatusCode::BAD_REQUEST, "Unknown app: the client_id is not registered."));
    }
    if request.redirect_uri != rules.redirect_uri {
        return Err(
            server.error_page(StatusCode::BAD_REQUEST, "The redirect_uri is not the one registered for this app.")
        );
    }
    server.check(request).map_err(|message| server.error_page(StatusCode::BAD_REQUEST, &message))?;
    let invalid =
        |description| request.redirect_back(&[("error", "invalid_request"), ("error_description", description)]);
    if request.response_type != "code" && (rules.response_type_required || !request.response_type.is_empty()) {
        return Err(request.redirect_back(&[("error", "unsupported_response_type")]));
    }
    if rules.state_required && request.state.is_empty() {
        return Err(invalid("state is required"));
    }
    let challenged = !request.code_challenge.is_empty();
    if rules.pkce == Pkce::Required && !challenged {
        return Err(invalid("missing required code challenge"));
    }
    if rules.pkce != Pkce::Ignored && challenged && request.code_challenge_method != "S256" {
        return Err(invalid("code_challenge_method must be S256"));
    }
    Ok(())
}

/// `GET <authorize>`: sign in first, then the consent page.
async fn authorize<V: AuthorizationServer>(
    State(server): State<V>,
    headers: HeaderMap,
    Query(request): Query<AuthorizeRequest>,
) -> Response {
    let rules = server.rules();
    if let Err(refused) = validate(&server, &rules, &request) {
        return refused;
    }
    let Some(who) = server.consenter(&headers) else {
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(request.pairs()).finish();
        let back = format!("{}?{query}", rules.authorize_path);
        let (sign_in, field) = rules.sign_in;
        let to = form_urlencoded::Serializer::new(String::new()).append_pair(field, &back).finish();
        return Redirect::to(&format!("{sign_in}?{to}")).into_response();
    };
    if let Some(refusal) = &who.refusal {
        return server.error_page(StatusCode::FORBIDDEN, refusal);
    }
    let remembered = rules.remembers_consent
        && server.with_grants(|grants| {
            grants.consents.iter().any(|g| g.subject == who.subject && same_scopes(&g.scope, &request.scope))
        });
    if remembered {
        return allow(&server, &rules, &who, &request);
    }
    let mut fields: String = request
        .pairs()
        .into_iter()
        .map(|(name, value)| format!("<input type=hidden name=\"{name}\" value=\"{}\">", super::attr(value)))
        .collect();
    if let Some(csrf) = &who.csrf {
        fields.push_str(&format!("<input type=hidden name=csrf value=\"{}\">", super::attr(csrf)));
    }
    server.consent_page(&who, &request, &fields)
}

#[derive(Debug, Deserialize)]
struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    request: AuthorizeRequest,
}

/// `POST <authorize>`: Allow (a code) or Deny (the vendor's `error`).
async fn decide<V: AuthorizationServer>(
    State(server): State<V>,
    headers: HeaderMap,
    Form(decision): Form<Decision>,
) -> Response {
    let rules = server.rules();
    let request = decision.request;
    if let Err(refused) = validate(&server, &rules, &request) {
        return refused;
    }
    let Some(who) = server.consenter(&headers) else {
        return server.error_page(StatusCode::UNAUTHORIZED, "Your session expired. Sign in again.");
    };
    let forged = who.csrf.as_ref().is_some_and(|csrf| !bool::from(csrf.as_bytes().ct_eq(decision.csrf.as_bytes())));
    if forged {
        return server.error_page(StatusCode::FORBIDDEN, "This form expired. Reload the page and try again.");
    }
    if let Some(refusal) = &who.refusal {
        return server.error_page(StatusCode::FORBIDDEN, refusal);
    }
    if decision.decision != "allow" {
        return request.redirect_back(&[("error", rules.denied)]);
    }
    allow(&server, &rules, &who, &request)
}

/// Whether two `scope` values name the same scopes, in whatever order and separators.
fn same_scopes(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        let mut words: Vec<String> = s.split([' ', ',', '+']).filter(|w| !w.is_empty()).map(str::to_owned).collect();
        words.sort();
        words
    };
    words(a) == words(b)
}

/// The user allowed: a code, back to the client.
fn allow<V: AuthorizationServer>(
    server: &V,
    rules: &Rules,
    who: &Consenter<V::Subject>,
    request: &AuthorizeRequest,
) -> Response {
    let code = format!("{}{}", rules.prefixes.0, random_token(40));
    let challenge = Some(request.code_challenge.clone()).filter(|c| rules.pkce != Pkce::Ignored && !c.is_empty());
    let grant = Grant { subject: who.subject.clone(), scope: request.scope.clone() };
    let waiting = Code {
        grant: grant.clone(),
        redirect_uri: request.redirect_uri.clone(),
        challenge,
        expires: now() + rules.code_seconds,
    };
    server.with_grants(|grants| {
        grants.codes.insert(code.clone(), waiting);
        if !grants.consents.iter().any(|g| g.subject == grant.subject && same_scopes(&g.scope, &grant.scope)) {
            grants.consents.push(grant);
        }
    });
    server.allowed(who);
    request.redirect_back(&[("code", &code)])
}

/// What the token and revoke endpoints take, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenRequest {
    grant_type: String,
    code: String,
    redirect_uri: String,
    refresh_token: String,
    code_verifier: String,
    client_id: String,
    client_secret: String,
    token: String,
}

/// Whether the request comes from our app, as the vendor's rules authenticate it.
fn client_authenticated(rules: &Rules, headers: &HeaderMap, form: &TokenRequest) -> bool {
    let (id, secret) = match rules.client_auth {
        ClientAuth::FormBody => (form.client_id.clone(), form.client_secret.clone()),
        ClientAuth::HttpBasic => {
            let basic = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Basic "))
                .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.trim()).ok())
                .and_then(|v| String::from_utf8(v).ok());
            match basic.as_deref().and_then(|v| v.split_once(':')) {
                Some((id, secret)) => (id.to_owned(), secret.to_owned()),
                None => return false,
            }
        }
    };
    id == rules.client_id && bool::from(secret.as_bytes().ct_eq(rules.client_secret.as_bytes()))
}

/// Whether `verifier` answers the S256 `challenge` (RFC 7636 §4.1 and §4.6).
fn verifier_matches(challenge: &str, verifier: &str) -> bool {
    use sha2::Digest;
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (43..=128).contains(&verifier.len()) && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// `POST <token>`: a code (once) or a refresh token for an access token.
async fn token<V: AuthorizationServer>(
    State(server): State<V>,
    headers: HeaderMap,
    Form(form): Form<TokenRequest>,
) -> Response {
    let rules = server.rules();
    if !client_authenticated(&rules, &headers, &form) {
        return server.refuse(TokenRefusal::BadClient);
    }
    let exchanged = server.with_grants(|grants| match form.grant_type.as_str() {
        "authorization_code" => {
            // A code works once, whatever the outcome.
            let code = grants.codes.remove(&form.code).ok_or(TokenRefusal::BadCode)?;
            let verified = code.challenge.as_deref().is_none_or(|c| verifier_matches(c, &form.code_verifier));
            if code.expires < now() || code.redirect_uri != form.redirect_uri || !verified {
                return Err(TokenRefusal::BadCode);
            }
            let refresh = format!("{}{}", rules.prefixes.1, random_token(60));
            grants.refresh_tokens.insert(refresh.clone(), code.grant.clone());
            Ok((code.grant, refresh, true))
        }
        "refresh_token" => match rules.refresh {
            Refresh::Kept => {
                let grant = grants.refresh_tokens.get(&form.refresh_token).ok_or(TokenRefusal::BadRefreshToken)?;
                Ok((grant.clone(), form.refresh_token.clone(), false))
            }
            Refresh::Rotated => {
                let grant = grants.refresh_tokens.remove(&form.refresh_token).ok_or(TokenRefusal::BadRefreshToken)?;
                let refresh = format!("{}{}", rules.prefixes.1, random_token(60));
                grants.refresh_tokens.insert(refresh.clone(), grant.clone());
                Ok((grant, refresh, false))
            }
        },
        _ => Err(TokenRefusal::UnsupportedGrant),
    });
    match exchanged {
        Ok((grant, refresh, first)) => Json(server.issue(&grant, &refresh, first)).into_response(),
        Err(refusal) => server.refuse(refusal),
    }
}

/// `POST <revoke>`: a refresh token stops working; the stand-in says what else ends.
async fn revoke<V: AuthorizationServer>(
    State(server): State<V>,
    headers: HeaderMap,
    Form(form): Form<TokenRequest>,
) -> Response {
    let rules = server.rules();
    if rules.revoke_authenticates_client && !client_authenticated(&rules, &headers, &form) {
        return server.refuse(TokenRefusal::BadClient);
    }
    let token = form.token;
    match server.with_grants(|grants| grants.refresh_tokens.remove(&token)) {
        Some(grant) => server.revoke(Revoked::Refresh { token, grant }),
        None => server.revoke(Revoked::Other(token)),
    }
}

/// What a browser posts when the user allows on a consent page (`page`, its HTML): every
/// hidden field of the form posting to an `authorize` path, then `decision=allow`. For
/// tests that install through a stand-in over plain HTTP; `None` when there is no such form.
pub fn allowed_consent(page: &str) -> Option<Vec<(String, String)>> {
    let start = page.find("authorize>").or_else(|| page.find("authorize\">"))?;
    let form = &page[start..start + page[start..].find("</form>")?];
    let fields = form.split("<input type=hidden name=").skip(1).filter_map(|field| {
        let (name, rest) = field.split_once(" value=\"")?;
        let value = html_escape::decode_html_entities(&rest[..rest.find('"')?]).into_owned();
        Some((name.trim_matches('"').to_owned(), value))
    });
    Some(fields.chain([("decision".to_owned(), "allow".to_owned())]).collect())
}

/// The HTTP Basic credentials of a client, for tests.
#[cfg(test)]
fn basic(id: &str, secret: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    headers.insert(header::AUTHORIZATION, format!("Basic {value}").parse().expect("header"));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, Appendix B: the specification's own example.
    #[test]
    fn pkce_s256_as_rfc_7636_appendix_b_computes_it() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(verifier_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", verifier));
        assert!(!verifier_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", verifier));
        assert!(!verifier_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "short"));
    }

    fn rules(client_auth: ClientAuth) -> Rules {
        Rules {
            client_id: "app".into(),
            client_secret: "s3cret-s3cret-s3cret".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            authorize_path: "/oauth/authorize",
            sign_in: ("/login", "next"),
            response_type_required: true,
            state_required: false,
            pkce: Pkce::Optional,
            client_auth,
            revoke_authenticates_client: true,
            refresh: Refresh::Rotated,
            code_seconds: 60,
            prefixes: ("c", "r"),
            denied: "access_denied",
            remembers_consent: false,
        }
    }

    /// RFC 6749 §2.3.1: HTTP Basic, or the form body; never the other when one is the rule.
    #[test]
    fn the_client_authenticates_as_the_vendor_requires() {
        let form = TokenRequest {
            client_id: "app".into(),
            client_secret: "s3cret-s3cret-s3cret".into(),
            ..TokenRequest::default()
        };
        assert!(client_authenticated(&rules(ClientAuth::FormBody), &HeaderMap::new(), &form));
        assert!(!client_authenticated(&rules(ClientAuth::HttpBasic), &HeaderMap::new(), &form));
        let headers = basic("app", "s3cret-s3cret-s3cret");
        assert!(client_authenticated(&rules(ClientAuth::HttpBasic), &headers, &TokenRequest::default()));
        assert!(!client_authenticated(&rules(ClientAuth::HttpBasic), &basic("app", "wrong"), &TokenRequest::default()));
    }

    /// Only the consent form's fields, unescaped (the sign-out form beside it has its own).
    #[test]
    fn an_allowed_consent_posts_the_consent_forms_hidden_fields() {
        let page = "<form method=post action=/logout><input type=hidden name=csrf value=\"bar\"></form>\
                    <form method=post action=/oauth/authorize><input type=hidden name=\"state\" value=\"a&amp;b\">\
                    <input type=hidden name=csrf value=\"c&quot;\"><button name=decision value=allow>OK</button></form>";
        let posted = allowed_consent(page).expect("a form");
        let expected = [("state", "a&b"), ("csrf", "c\""), ("decision", "allow")];
        assert_eq!(posted, expected.map(|(n, v)| (n.to_owned(), v.to_owned())));
        assert_eq!(allowed_consent("<p>no form</p>"), None);
    }

    #[test]
    fn forgetting_a_subject_ends_its_codes_and_refresh_tokens_only() {
        let mut grants = Grants::default();
        for (subject, token) in [(1, "a"), (2, "b")] {
            let grant = Grant { subject, scope: String::new() };
            let code = Code { grant: grant.clone(), redirect_uri: String::new(), challenge: None, expires: 0 };
            grants.codes.insert(token.to_owned(), code);
            grants.refresh_tokens.insert(token.to_owned(), grant);
        }
        grants.forget(|s| *s == 1);
        assert_eq!(grants.codes.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(grants.refresh_tokens.keys().collect::<Vec<_>>(), ["b"]);
    }
}
