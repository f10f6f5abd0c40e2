//! The widget's view model: everything it shows is one [`Screen`], and the components ask
//! for work through [`Actions`]. The session (`session.rs`) decides which screen; the
//! components (`components/`) draw it. Neither depends on the other.

use leptos::prelude::*;
use widget_api::{Opportunity, OpportunityState};

/// What the widget shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Waiting for the session.
    Loading,
    /// No session: why, and whether trying again may help.
    Unavailable(Problem),
    /// The opportunity and where it stands with Aurora.
    Opportunity(Panel),
}

/// The opportunity panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The opportunity, as the CRM vouched for it.
    pub opportunity: Opportunity,
    /// Where it stands with Aurora, as the worker last said.
    pub state: OpportunityState,
    /// The rep asked to create the project and the answer is not back yet.
    pub creating: bool,
    /// What went wrong with the rep's last action, shown with a way forward.
    pub problem: Option<Problem>,
}

/// Something that went wrong, for the rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What happened and what to do, in words.
    pub message: String,
    /// What "Try again" repeats, when trying again may help.
    pub retry: Option<Retry>,
}

/// What a "Try again" button repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Open the session again.
    OpenSession,
    /// Ask for the project again: the worker never creates a second one.
    CreateProject,
    /// Resume following the design.
    FollowDesign,
}

impl Screen {
    /// What a screen reader is told when the widget comes to this screen, through the
    /// page's one status region (WCAG 4.1.3; a live region inserted with its text is not
    /// reliably read, so the region stays and its text changes). Failures are not here:
    /// their notices are alerts of their own.
    pub fn announcement(&self) -> Option<&'static str> {
        let Screen::Opportunity(panel) = self else { return None };
        match &panel.state {
            _ if panel.creating => Some("Creating the project in Aurora Solar…"),
            OpportunityState::Creating => Some("Creating the project in Aurora Solar…"),
            OpportunityState::AwaitingDesign { .. } => Some("Project created in Aurora Solar. Awaiting design."),
            OpportunityState::DesignReady { .. } => Some("Design ready."),
            OpportunityState::SimulationFailed { .. } => Some("Production simulation failed."),
            _ => None,
        }
    }
}

/// What the components can ask for.
#[derive(Clone, Copy)]
pub struct Actions {
    /// Create the opportunity's Aurora project.
    pub create_project: Callback<()>,
    /// Repeat what failed.
    pub retry: Callback<Retry>,
}

impl Actions {
    /// Actions that do nothing, for components mounted without a session.
    pub fn none() -> Self {
        Actions { create_project: Callback::new(|()| {}), retry: Callback::new(|_| {}) }
    }
}
