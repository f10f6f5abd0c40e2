//! The page-load door: what a CRM's frame sends when it opens the widget (`/embed/{crm}`,
//! and a CRM's own doors below it, such as HubSpot's card call at `/embed/hubspot/card`),
//! as the Router hands it to the CRM's integration, and what the integration answers once
//! it has verified whatever proof the load carries (Salesforce's Canvas POST, Pipedrive's
//! panel JWT, HubSpot's signed card call and its modal's ticket, the demo CRM's signed
//! URL). The Router turns the answer into the page or the card's JSON, composing it with
//! where the opportunity stands (`projects`): no CRM module does that itself.

use super::{AccessError, ContextError, VerifiedContext};
use crate::storage::StorageError;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
pub use widget_view::words::Surface;

/// A request at a CRM's embed door, as it reached the worker.
#[derive(Debug, Clone, Copy)]
pub struct PageLoad<'a> {
    /// `None` for `/embed/{crm}`, `Some("card")` for `/embed/{crm}/card`.
    pub door: Option<&'a str>,
    /// GET, HEAD or POST.
    pub method: &'a Method,
    /// The path and query as received: what a CRM that signs the URL signed.
    pub path_and_query: &'a str,
    /// The request's headers.
    pub headers: &'a HeaderMap,
    /// The raw body (at most the Router's body limit).
    pub body: &'a [u8],
    /// The host's clock, unix seconds.
    pub now: i64,
}

impl PageLoad<'_> {
    /// The query string, without its `?`.
    pub fn query(&self) -> &str {
        self.path_and_query.split_once('?').map(|(_, query)| query).unwrap_or_default()
    }

    /// The query read as `T`.
    pub fn query_as<T: DeserializeOwned>(&self) -> Result<T, EmbedError> {
        serde_urlencoded::from_str(self.query()).map_err(|e| EmbedError::InvalidQuery(e.to_string()))
    }

    /// The body read as a form (`application/x-www-form-urlencoded`).
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, EmbedError> {
        serde_urlencoded::from_bytes(self.body).map_err(|e| EmbedError::InvalidForm(e.to_string()))
    }

    /// Whether the browser is loading a page (a GET, or its HEAD).
    pub fn is_page_get(&self) -> bool {
        self.door.is_none() && (self.method == Method::GET || self.method == Method::HEAD)
    }

    /// Why a load that is not a page's GET opens nothing at a door that only has a page:
    /// a door below it does not exist, another method is not taken.
    pub fn refusal(&self) -> EmbedError {
        if self.door.is_some() { EmbedError::NoSuchDoor } else { EmbedError::MethodNotAllowed }
    }
}

/// What a page load opens.
#[derive(Debug)]
pub enum Opened {
    /// The widget's page in the CRM's frame.
    Page(FramedPage),
    /// A card on the CRM's record page (HubSpot's): its call is answered with where the
    /// opportunity stands and the modal that opens the widget for it.
    Card {
        /// Who is asking, about which opportunity: verified.
        context: VerifiedContext,
        /// The modal the card opens.
        modal: Modal,
        /// The card's Create button: create the opportunity's project (once, as the
        /// widget's button does), then answer where it stands.
        create: bool,
    },
}

/// The widget's page, and how it sits in the CRM's frame.
#[derive(Debug)]
pub struct FramedPage {
    /// Verified on this load: the page opens the widget's session for it.
    pub context: VerifiedContext,
    /// Whom the widget's host adapter talks to (Salesforce: the canvas parent's origin).
    pub host_origins: Vec<String>,
    /// Who may frame the page (`frame-ancestors`).
    pub frame_origins: Vec<String>,
    /// The host's id of this frame, echoed in the adapter's messages (Salesforce's canvas
    /// instance, Pipedrive's runtime id): see [`super::embed_ticket::host_id`].
    pub host_id: String,
    /// The CRM user's light or dark theme, where the CRM says it.
    pub theme: Theme,
    /// How much room the CRM gives the widget there.
    pub surface: Surface,
    /// The CRM's own id of its larger surface that shows the whole design, when this page
    /// shows the summary only (Pipedrive's custom modal, opened with its id or name).
    pub whole_design: Option<String>,
}

/// The CRM user's theme, which the widget takes (never the operating system's: a dark
/// widget in a light CRM is the most foreign thing a rep could see). Only Pipedrive says
/// it (`?theme=dark|light` in the panel's URL, as its SDK reads it:
/// https://github.com/pipedrive/app-extensions-sdk/blob/e9cc6fb/src/utils.ts,
/// `detectUserSettings`); Salesforce's canvas context and HubSpot's card context carry no
/// theme, so their widget is light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// What every CRM shows by default.
    #[default]
    Light,
    /// A Pipedrive user's dark theme.
    Dark,
}

impl Theme {
    /// The SDK's reading: `dark` is dark, anything else light.
    pub fn from_param(value: Option<&str>) -> Theme {
        if value == Some("dark") { Theme::Dark } else { Theme::Light }
    }

    /// The page's `data-theme`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// Who opened the app's settings inside the CRM's own settings surface, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsOpened {
    /// The account (company) whose installation they are.
    pub account_id: String,
    /// Its name, for the page.
    pub account_name: String,
    /// The admin.
    pub user_id: String,
    /// Their name, for the page.
    pub user_name: String,
}

/// A modal of the CRM's that shows the widget's page.
#[derive(Debug, Clone, PartialEq)]
pub struct Modal {
    /// The widget's page; the Router appends the embed ticket as its query (`?t=`).
    pub page_url: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// The modal's title.
    pub title: String,
}

/// The signed value a page's URL carries in its query's `param` (the demo CRM's
/// `context`, the ticket of HubSpot's modal), on a GET of `/embed/{crm}`: other doors are
/// not found, other methods refused, a URL without it opens nothing.
pub fn signed_in_url(load: &PageLoad<'_>, param: &str) -> Result<String, EmbedError> {
    if !load.is_page_get() {
        return Err(load.refusal());
    }
    Ok(form_urlencoded::parse(load.query().as_bytes())
        .find(|(name, _)| name == param)
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
        .ok_or(ContextError::Missing)?)
}

/// The page of a context verified from the page's URL ([`signed_in_url`]), framed by the
/// CRM's configured origins, in a `surface` of the CRM's.
pub fn url_signed_page(frame_origins: Vec<String>, context: VerifiedContext, surface: Surface) -> Opened {
    Opened::Page(FramedPage {
        context,
        host_origins: frame_origins.clone(),
        frame_origins,
        host_id: String::new(),
        theme: Theme::Light,
        surface,
        whole_design: None,
    })
}

/// Why a page load opened no widget.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The proof, the account, the user or the placement.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// This proof opened a widget already (a signed request is spent once).
    #[error("this page was opened with a signed request that was used already: reload the page")]
    Replayed,
    /// No such record for this user: it does not exist, or the CRM does not let them see it
    /// (the two are told apart to nobody).
    #[error("this record does not exist, or your CRM does not let you see it")]
    NoSuchRecord,
    /// Someone other than the admin who installed the app opened its settings in the CRM
    /// (a rep who installed it for themself, another admin).
    #[error("these settings are kept by the admin who installed the app: ask them, or install it again as an admin")]
    NotTheAdmin,
    /// The CRM opened the page without its proof because it has not authorized this user
    /// for the app; what their admin does about it, in the CRM's words.
    #[error("{0}")]
    UserNotAuthorized(String),
    /// Reading the opportunity failed.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The CRM has no such door below `/embed/{crm}`.
    #[error("no such endpoint")]
    NoSuchDoor,
    /// The door does not take this method.
    #[error("this endpoint does not take that method")]
    MethodNotAllowed,
    /// The query is not what the CRM sends.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The form is not what the CRM posts.
    #[error("invalid form: {0}")]
    InvalidForm(String),
    /// The body is not what the CRM's card sends.
    #[error("invalid request body: {0}")]
    InvalidBody(String),
}

impl EmbedError {
    /// Whether the request itself was malformed (answered with our JSON error, as any
    /// endpoint's), rather than a load whose proof or opportunity opened no widget
    /// (answered with a page the rep reads in the frame).
    pub fn is_malformed_request(&self) -> bool {
        matches!(
            self,
            EmbedError::NoSuchDoor
                | EmbedError::MethodNotAllowed
                | EmbedError::InvalidQuery(_)
                | EmbedError::InvalidForm(_)
                | EmbedError::InvalidBody(_)
        )
    }
}
