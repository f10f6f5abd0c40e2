//! The widget's screens as the worker sends them. The worker renders every screen (the
//! widget's components live in `widget-view`, on the worker's side only); the widget's wasm
//! puts the HTML on the page and acts on its buttons, so it carries no views of its own.
//!
//! - [`ScreenAnswer`]: `GET /v1/opportunities/{id}/screen`, the opportunity's screen now;
//! - [`Action`]: what a screen's button asks for, named on it (`data-action`);
//! - [`CREATING_TEMPLATE_ID`] and [`PROBLEM_TEMPLATE_ID`]: the two screens the widget shows
//!   before any answer (the rep's click, a failure to reach the worker), rendered into
//!   the embed page as `<template>`s.

use serde::{Deserialize, Serialize};

/// The opportunity's screen, rendered by the worker in the rep's locale and CRM's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenAnswer {
    /// The screen's HTML, for the widget's root (text from the CRM and Aurora escaped).
    pub html: String,
    /// What the page's status region says on coming to this screen, if anything.
    pub announcement: Option<String>,
    /// Whether the worker will change this screen without the rep doing anything (a
    /// project being created, a design awaited, a failed simulation that may be re-run):
    /// the widget then polls quickly.
    pub pending: bool,
}

/// What a button on a screen asks the widget for: `data-action="{as_str}"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create the opportunity's Aurora project (the worker never creates a second one, so
    /// this is also "Try again" after a failed create).
    CreateProject,
    /// Open the session again: the CRM vouches for the rep anew.
    OpenSession,
    /// Resume following the design.
    FollowDesign,
    /// Show the whole design in the CRM's larger surface (a panel showing only its summary:
    /// [`Surface::Summary`]).
    ViewDesign,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 4] = [Action::CreateProject, Action::OpenSession, Action::FollowDesign, Action::ViewDesign];

    /// Its name on a button.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::CreateProject => "create-project",
            Action::OpenSession => "open-session",
            Action::FollowDesign => "follow-design",
            Action::ViewDesign => "view-design",
        }
    }

    /// The action a button names, if any.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// The `<template>` holding the opportunity's screen while its project is being created,
/// shown the moment the rep clicks.
pub const CREATING_TEMPLATE_ID: &str = "aurora-creating";

/// The `<template>` holding a problem notice: the widget writes the message and names the
/// Try again button's action (or removes it).
pub const PROBLEM_TEMPLATE_ID: &str = "aurora-problem";

/// Where the problem template's message goes.
pub const PROBLEM_MESSAGE_SELECTOR: &str = "[data-testid=error-message]";

/// The problem template's Try again button.
pub const PROBLEM_RETRY_SELECTOR: &str = "[data-testid=retry]";

/// What the widget keeps of the session the page was rendered from, or that a renewal
/// brought (a `SessionResponse` read for these fields only: the state is on the screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    /// The widget token, in memory only.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The one opportunity it opens.
    pub opportunity_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("launch"), None);
    }
}

/// How much room the widget has where the CRM shows it: the worker renders for it, and the
/// page names it (`<html data-surface>`) for the widget's poll (`?surface=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Surface {
    /// A panel of the record's page (Salesforce's canvas, Pipedrive's sidebar panel, the
    /// demo CRM's frame): the design's detail sections start closed, so that the panel
    /// holds the summary without scrolling.
    #[default]
    Panel,
    /// A panel whose CRM shows the whole design in a larger surface of its own (Pipedrive's
    /// custom modal): the summary only, and a button that opens the rest there.
    Summary,
    /// A CRM's large surface (HubSpot's 1000 px modal, Pipedrive's custom modal): every
    /// section open, laid out in columns where the width allows.
    Full,
}

impl Surface {
    /// Every surface.
    pub const ALL: [Surface; 3] = [Surface::Panel, Surface::Summary, Surface::Full];

    /// Its name, on the page (`<html data-surface>`) and in the widget's poll (`?surface=`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Surface::Panel => "panel",
            Surface::Summary => "summary",
            Surface::Full => "full",
        }
    }

    /// The surface a name names; a panel for any other.
    pub fn parse(name: &str) -> Surface {
        Surface::ALL.into_iter().find(|surface| surface.as_str() == name).unwrap_or_default()
    }
}
