//! CRMs that embed the widget, and how we verify what each of them signs.

pub mod demo;

/// CRMs whose signed context we can verify.
pub const KNOWN_CRMS: &[&str] = &["demo"];

use widget_api::Opportunity;

/// An opportunity context whose signature, algorithm and expiry were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedContext {
    /// The CRM account (company) the rep belongs to: the unit of isolation.
    pub account_id: String,
    /// The rep.
    pub user_id: String,
    /// The opportunity the rep has open.
    pub opportunity: Opportunity,
}

/// Why a signed context was refused. Deliberately coarse towards the browser: a
/// forger learns nothing from which check failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContextError {
    /// The CRM named in the request is not one we integrate with.
    #[error("unknown CRM `{0}`")]
    UnknownCrm(String),
    /// Bad signature, wrong algorithm, malformed token.
    #[error("the CRM context is not validly signed")]
    BadSignature,
    /// The context's `exp` is in the past (beyond the allowed clock skew).
    #[error("the CRM context has expired: reload the opportunity page")]
    Expired,
    /// The CRM account has no installation of our app.
    #[error("this CRM account has not installed the Aurora Solar app: ask your CRM admin to install it")]
    NotInstalled,
    /// Signed correctly but missing what we need (e.g. neither address nor coordinates).
    #[error("the CRM context is incomplete: {0}")]
    Incomplete(&'static str),
}
