//! The one place where errors become HTTP: every area's error converts into
//! [`ApiError`], and [`ApiError`]'s `IntoResponse` writes our JSON error body.

use crate::wording::sentence;
use crate::{
    admin_session::AdminSessionError,
    crm::{AccessError, ContextError, Crm, CrmError, CrmWebhookError, embed::EmbedError},
    ids::UnknownCrm,
    installations::InstallError,
    projects::ProjectError,
    storage::StorageError,
    tenant_links::{ConnectError, LinkError},
    widget_token::WidgetTokenError,
};
use axum::{
    Json,
    extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use widget_api::{ErrorBody, ErrorDetail};

/// Everything a request can fail with, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The CRM context did not verify.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// The widget token is missing, invalid or expired.
    #[error(transparent)]
    WidgetToken(#[from] WidgetTokenError),
    /// Storage failed: an internal error, logged, never detailed to the client.
    #[error("something went wrong on our side; please try again")]
    Storage(#[from] StorageError),
    /// The request body is not JSON at all.
    #[error("the request body is not valid JSON: {0}")]
    MalformedBody(String),
    /// The body is JSON but not the shape we expect (a field missing or mistyped).
    #[error("invalid request body: {0}")]
    InvalidBody(String),
    /// The body is not declared as JSON.
    #[error("send the body as JSON with `Content-Type: application/json`")]
    NotJson,
    /// The request body is larger than we accept.
    #[error("request body too large")]
    BodyTooLarge,
    /// The widget token is for another opportunity than the path names.
    #[error("this session is for another opportunity: reload the opportunity page")]
    WrongOpportunity,
    /// Creating or showing the opportunity's project.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A webhook delivery without the configured auth header value.
    #[error("missing or wrong webhook authentication")]
    WebhookUnauthorized,
    /// A CRM webhook delivery that did not verify, or is not the documented event.
    #[error(transparent)]
    CrmWebhook(#[from] CrmWebhookError),
    /// Installing, or changing an installation's settings.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// A settings request without the right admin session.
    #[error(transparent)]
    AdminSession(#[from] AdminSessionError),
    /// Aurora's side of linking a tenant (the page Aurora opens).
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// A page load (Salesforce's Canvas POST, Pipedrive's panel) that opened no widget.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// No route for this path.
    #[error("no such endpoint")]
    NotFound,
    /// The path is known, the method is not.
    #[error("this endpoint does not take that method")]
    MethodNotAllowed,
    /// A path segment that cannot be read (not UTF-8, say).
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// A query string without what the endpoint needs.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A form without what the page sends.
    #[error("invalid form: {0}")]
    InvalidForm(String),
}

impl ApiError {
    /// The HTTP status and our stable error code: the one place either is chosen.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Context(ContextError::UnknownCrm(_)) => (StatusCode::BAD_REQUEST, "unknown_crm"),
            ApiError::Context(ContextError::Expired) => (StatusCode::UNAUTHORIZED, "context_expired"),
            ApiError::Context(ContextError::BadSignature) => (StatusCode::UNAUTHORIZED, "invalid_context"),
            ApiError::Context(ContextError::Missing) => (StatusCode::UNAUTHORIZED, "missing_context"),
            ApiError::Context(ContextError::NotInstalled) => (StatusCode::FORBIDDEN, "not_installed"),
            ApiError::WidgetToken(WidgetTokenError::Expired) => (StatusCode::UNAUTHORIZED, "token_expired"),
            ApiError::WidgetToken(WidgetTokenError::Invalid) => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ApiError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            ApiError::Context(ContextError::Incomplete(_)) => (StatusCode::UNPROCESSABLE_ENTITY, "incomplete_context"),
            ApiError::MalformedBody(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::InvalidBody(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            ApiError::NotJson => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_json"),
            ApiError::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::InvalidPath(_) => (StatusCode::BAD_REQUEST, "invalid_path"),
            ApiError::InvalidQuery(_) => (StatusCode::BAD_REQUEST, "invalid_query"),
            ApiError::InvalidForm(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_form"),
            ApiError::WebhookUnauthorized => (StatusCode::UNAUTHORIZED, "webhook_unauthorized"),
            ApiError::WrongOpportunity => (StatusCode::FORBIDDEN, "wrong_opportunity"),
            ApiError::Project(error) => project_status(error),
            ApiError::CrmWebhook(CrmWebhookError::InvalidBody(_)) => (StatusCode::BAD_REQUEST, "invalid_webhook"),
            ApiError::CrmWebhook(CrmWebhookError::NotConfigured) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::CrmWebhook(_) => (StatusCode::UNAUTHORIZED, "webhook_unauthorized"),
            ApiError::Install(error) => install_status(error),
            ApiError::AdminSession(AdminSessionError::SessionRequired) => {
                (StatusCode::UNAUTHORIZED, "admin_session_required")
            }
            ApiError::AdminSession(AdminSessionError::WrongAccount) => (StatusCode::FORBIDDEN, "wrong_account"),
            ApiError::AdminSession(AdminSessionError::Csrf) => (StatusCode::FORBIDDEN, "csrf"),
            ApiError::AdminSession(AdminSessionError::NoLongerAdmin) => (StatusCode::FORBIDDEN, "not_admin"),
            ApiError::AdminSession(AdminSessionError::RoleUnknown(_)) => (StatusCode::BAD_GATEWAY, "crm_unavailable"),
            ApiError::AdminSession(AdminSessionError::AuthorizationGone) => {
                (StatusCode::CONFLICT, "crm_authorization_gone")
            }
            ApiError::AdminSession(AdminSessionError::Storage(_)) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
            ApiError::Connect(error) => connect_status(error),
            ApiError::Embed(error) => embed_status(error),
        }
    }
}

fn project_status(error: &ProjectError) -> (StatusCode, &'static str) {
    match error {
        ProjectError::Context(error) => ApiError::Context(error.clone()).status_and_code(),
        ProjectError::UnknownOpportunity => (StatusCode::NOT_FOUND, "not_found"),
        ProjectError::NotLinked => (StatusCode::CONFLICT, "not_linked"),
        ProjectError::AppDisabled => (StatusCode::CONFLICT, "app_disabled"),
        // The opportunity's key is too long for Aurora's external id: not the rep's address.
        ProjectError::Invalid(e) if e.field() == "external_provider_id" => {
            (StatusCode::UNPROCESSABLE_ENTITY, "opportunity_id_too_long")
        }
        ProjectError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_location"),
        // The codes of an attempt's failures are stored with the project: chosen there.
        ProjectError::Rejected(_) => (StatusCode::UNPROCESSABLE_ENTITY, error.attempt_code().unwrap_or_default()),
        ProjectError::Unavailable(_) => (StatusCode::BAD_GATEWAY, error.attempt_code().unwrap_or_default()),
        ProjectError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, error.attempt_code().unwrap_or_default()),
        ProjectError::Unverifiable(_) => (StatusCode::CONFLICT, error.attempt_code().unwrap_or_default()),
        ProjectError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
    }
}

fn embed_status(error: &EmbedError) -> (StatusCode, &'static str) {
    match error {
        EmbedError::Context(error) => ApiError::Context(error.clone()).status_and_code(),
        EmbedError::Replayed => (StatusCode::FORBIDDEN, "signed_request_replayed"),
        EmbedError::UserNotAuthorized(_) => (StatusCode::FORBIDDEN, "user_not_authorized"),
        EmbedError::NoSuchRecord => (StatusCode::NOT_FOUND, "not_found"),
        EmbedError::NotTheAdmin => (StatusCode::FORBIDDEN, "not_admin"),
        EmbedError::Access(AccessError::Crm(CrmError::Refused { status: 404, .. })) => {
            (StatusCode::NOT_FOUND, "not_found")
        }
        EmbedError::Access(AccessError::NotAuthorized) => (StatusCode::FORBIDDEN, "not_installed"),
        EmbedError::Access(error) if error.is_transient() => (StatusCode::BAD_GATEWAY, "crm_unavailable"),
        EmbedError::Access(AccessError::Crm(_)) => (StatusCode::BAD_GATEWAY, "crm_refused"),
        EmbedError::Access(_) | EmbedError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        EmbedError::NoSuchDoor => ApiError::NotFound.status_and_code(),
        EmbedError::MethodNotAllowed => ApiError::MethodNotAllowed.status_and_code(),
        EmbedError::InvalidQuery(reason) => ApiError::InvalidQuery(reason.clone()).status_and_code(),
        EmbedError::InvalidForm(reason) => ApiError::InvalidForm(reason.clone()).status_and_code(),
        EmbedError::InvalidBody(reason) => ApiError::InvalidBody(reason.clone()).status_and_code(),
    }
}

fn connect_status(error: &ConnectError) -> (StatusCode, &'static str) {
    match error {
        ConnectError::Incomplete => (StatusCode::BAD_REQUEST, "incomplete_connect"),
        ConnectError::SessionRefused => (StatusCode::UNAUTHORIZED, "session_refused"),
        ConnectError::AppDisabled => (StatusCode::FORBIDDEN, "app_disabled"),
        ConnectError::Busy(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        ConnectError::AuroraUnavailable(_) | ConnectError::RulesUnknown(_) => {
            (StatusCode::BAD_GATEWAY, "aurora_unavailable")
        }
        ConnectError::Crypto(_) | ConnectError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
    }
}

fn install_status(error: &InstallError) -> (StatusCode, &'static str) {
    match error {
        InstallError::NotConfigured => (StatusCode::NOT_FOUND, "not_configured"),
        InstallError::StateMismatch => (StatusCode::BAD_REQUEST, "install_state_mismatch"),
        InstallError::Declined(_) => (StatusCode::BAD_REQUEST, "install_declined"),
        InstallError::NotAdmin(_) => (StatusCode::FORBIDDEN, "not_admin"),
        InstallError::NotInstalled => (StatusCode::NOT_FOUND, "not_installed"),
        InstallError::UninstallNotConfirmed => (StatusCode::BAD_REQUEST, "uninstall_not_confirmed"),
        InstallError::UnknownStage(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_stage"),
        InstallError::Link(LinkError::InvalidCode) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_link_code"),
        InstallError::Link(LinkError::TooManyAttempts(_)) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        InstallError::Link(LinkError::NotInstalled) => (StatusCode::NOT_FOUND, "not_installed"),
        InstallError::Link(LinkError::HeldElsewhere(_)) => (StatusCode::CONFLICT, "tenant_linked_elsewhere"),
        InstallError::Link(LinkError::Storage(_)) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        InstallError::AuroraUnavailable(_) => (StatusCode::BAD_GATEWAY, "aurora_unavailable"),
        InstallError::WebhookCheck(_) => (StatusCode::BAD_GATEWAY, "webhook_check_failed"),
        InstallError::TooManyChecks(_) | InstallError::TooManyInstalls(_) => {
            (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
        }
        InstallError::Crm(AccessError::Crm(CrmError::InvalidGrant)) => (StatusCode::BAD_REQUEST, "invalid_grant"),
        InstallError::Crm(AccessError::NotConfigured) => (StatusCode::NOT_FOUND, "not_configured"),
        InstallError::Crm(AccessError::Storage(_)) | InstallError::Storage(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
        }
        InstallError::Crm(AccessError::Crypto(_)) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        InstallError::Crm(error) if error.is_transient() => (StatusCode::BAD_GATEWAY, "crm_unavailable"),
        InstallError::Crm(_) => (StatusCode::BAD_GATEWAY, "crm_refused"),
    }
}

/// An error of a page a person sees (install and settings): the same status and message
/// as the JSON body, as HTML, with the way forward when there is one.
#[derive(Debug)]
pub struct HtmlError {
    /// What went wrong.
    pub error: ApiError,
    /// The CRM of the page, when known: where "sign in again" leads.
    pub crm: Option<Crm>,
}

impl<E: Into<ApiError>> From<E> for HtmlError {
    fn from(error: E) -> Self {
        HtmlError { error: error.into(), crm: None }
    }
}

impl HtmlError {
    /// The same error, on a page of `crm`.
    pub fn of_crm<E: Into<ApiError>>(crm: Crm) -> impl Fn(E) -> HtmlError {
        move |error| HtmlError { error: error.into(), crm: Some(crm) }
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let (status, code) = self.error.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self.error, code, "admin page failed");
        }
        // Internal causes stay in the log (as for the JSON body). A person reads the rest in
        // the words of the page's CRM.
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            "Something went wrong on our side. Reload the page to try again.".to_owned()
        } else {
            let words = widget_view::words::Crm::from_name(self.crm.map_or("", Crm::as_str));
            widget_view::words::with_crm(words, || self.error.for_people())
        };
        let sign_in = matches!(
            self.error,
            ApiError::Install(InstallError::StateMismatch)
                | ApiError::AdminSession(AdminSessionError::SessionRequired | AdminSessionError::WrongAccount)
        );
        // Signing in again is the CRM's OAuth, which lands on the settings page.
        let start = self.crm.filter(|_| sign_in).map(|crm| format!("/install/{}/start", crm.as_str()));
        let link = start.as_deref().map(|href| (href, "Sign in through your CRM"));
        let title = if status.is_server_error() { "Something went wrong" } else { "Cannot continue" };
        let mut page = crate::admin_pages::message(title, &message, link);
        // In a CRM's frame this page stands where the widget would: it runs the CRM's init
        // script too (else Pipedrive would hide it), without the wasm it has no use for.
        if let Some(src) = self.crm.and_then(|crm| crm.integration().frame_init_script()) {
            page = page.replacen("</head>", &format!("<script src=\"{src}\"></script></head>"), 1);
        }
        (status, axum::response::Html(page)).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The client gets a generic message; the cause goes to the log only.
            tracing::error!(error = %self, "internal error");
            "Something went wrong on our side. Please try again.".to_owned()
        } else {
            // The widget shows it to the rep as it is: a sentence.
            sentence(&self.to_string())
        };
        let body = ErrorBody { error: ErrorDetail { code: code.to_owned(), message } };
        (status, Json(body)).into_response()
    }
}

impl ApiError {
    /// What a person reads on a page for this error (a rep in the CRM's frame, an admin on
    /// the settings pages): what happened and what to do, in the words of the CRM set
    /// around the call (`words::with_crm`), as a sentence.
    fn for_people(&self) -> String {
        use widget_view::words::{a_record, account, admin, crm, marketplace, record};
        let (crm, record, admin) = (crm(), record(), admin());
        let context = |error: &ContextError| match error {
            ContextError::Missing => Some(format!(
                "This page opens from {} in {crm}. Open the {record} in {crm} and find Aurora Solar there.",
                a_record()
            )),
            ContextError::BadSignature => Some(format!(
                "{crm} could not vouch for this page, so it cannot show this {record}. Reload the {record} in {crm}; \
                 if this keeps happening, ask your {admin} to check the Aurora Solar app."
            )),
            ContextError::Expired => Some(format!(
                "This page was opened a while ago and has expired. Reload the {record} in {crm} to see it again."
            )),
            ContextError::NotInstalled => Some(format!(
                "Aurora Solar is not installed for your {}. Ask your {admin} to install it from {}.",
                account(),
                marketplace()
            )),
            ContextError::Incomplete(detail) => Some(format!(
                "{crm} did not send everything this page needs ({detail}). Reload the {record}; if this keeps \
                 happening, ask your {admin} to check the Aurora Solar app's settings."
            )),
            ContextError::UnknownCrm(_) => None,
        };
        let text = match self {
            ApiError::Context(error) | ApiError::Embed(EmbedError::Context(error)) => context(error),
            ApiError::Embed(EmbedError::Replayed) => {
                Some(format!("This page was already opened once. Reload the {record} in {crm} to open it again."))
            }
            ApiError::Embed(EmbedError::NoSuchRecord) => Some(format!(
                "This {record} does not exist in {crm}, or you do not have access to it. Ask your {admin} if you \
                 should."
            )),
            ApiError::Embed(EmbedError::NotTheAdmin) => Some(format!(
                "Aurora Solar's settings are kept by the {admin} who installed it: ask them to change them. If you \
                 installed it for yourself, it shows on each {record}; there is nothing to set."
            )),
            ApiError::Embed(EmbedError::Access(error)) if error.is_transient() => Some(format!(
                "{crm} is not answering right now, so this {record} cannot be read. Reload the page in a minute."
            )),
            _ => None,
        };
        sentence(&text.unwrap_or_else(|| self.to_string()))
    }
}

impl From<UnknownCrm> for ApiError {
    fn from(unknown: UnknownCrm) -> Self {
        ApiError::Context(unknown.into())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::InvalidPath(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::InvalidQuery(rejection.body_text())
    }
}

impl From<FormRejection> for ApiError {
    fn from(rejection: FormRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
            _ => ApiError::InvalidForm(rejection.body_text()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => ApiError::InvalidBody(e.body_text()),
            JsonRejection::JsonSyntaxError(e) => ApiError::MalformedBody(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => ApiError::NotJson,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
            other => ApiError::MalformedBody(other.body_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use widget_view::words::{Crm as Words, with_crm};

    #[test]
    fn a_rep_is_told_what_happened_and_what_to_do_in_the_crms_words() {
        let expired = ApiError::Context(ContextError::Expired);
        let in_pipedrive = with_crm(Words::Pipedrive, || expired.for_people());
        assert_eq!(
            in_pipedrive,
            "This page was opened a while ago and has expired. Reload the deal in Pipedrive to see it again."
        );
        let not_installed = ApiError::Context(ContextError::NotInstalled);
        let in_salesforce = with_crm(Words::Salesforce, || not_installed.for_people());
        assert_eq!(
            in_salesforce,
            "Aurora Solar is not installed for your Salesforce org. Ask your Salesforce admin to install it from AppExchange."
        );
        let forged = with_crm(Words::HubSpot, || ApiError::Context(ContextError::BadSignature).for_people());
        assert!(
            forged.starts_with("HubSpot could not vouch for this page") && forged.contains("HubSpot Super Admin"),
            "{forged}"
        );
        assert!(!forged.contains("context"), "{forged}");
        // What has no words of its own is still a sentence.
        assert_eq!(with_crm(Words::Demo, || ApiError::NotFound.for_people()), "No such endpoint.");
    }
}
