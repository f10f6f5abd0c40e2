//! The widget's view model: everything it shows is one [`Screen`]. The worker decides which
//! (from the opportunity's rows) and renders it with the components (`components/`); the
//! widget's buttons name what they ask for ([`Action`]).

pub use widget_api::Action;
use widget_api::{Opportunity, OpportunityState};

/// What the widget shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
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
    /// The Aurora tenant turned the app off: a design already fetched stays readable, and
    /// the rep is told that new projects cannot be created.
    pub app_disabled: bool,
}

/// Something that went wrong, for the rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What happened and what to do, in words.
    pub message: String,
    /// What "Try again" repeats, when trying again may help.
    pub retry: Option<Action>,
}

impl Panel {
    /// The panel of `opportunity` in `state`, as a page load or a poll shows it.
    pub fn of(opportunity: Opportunity, state: OpportunityState) -> Self {
        Panel { opportunity, state, creating: false, problem: None, app_disabled: false }
    }

    /// Whether the worker will change the panel without the rep doing anything: the
    /// project is being created, the design is awaited, or a failed simulation may be
    /// re-run in Aurora.
    pub fn is_pending(&self) -> bool {
        self.creating
            || matches!(
                self.state,
                OpportunityState::Creating
                    | OpportunityState::AwaitingDesign { .. }
                    | OpportunityState::SimulationFailed { .. }
            )
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use widget_api::Location;

    fn panel(state: OpportunityState) -> Panel {
        let location = Location::Coordinates { latitude: 37.4, longitude: -122.1 };
        Panel::of(Opportunity { id: "o-1".into(), name: "R".into(), location }, state)
    }

    #[test]
    fn only_states_the_worker_will_change_are_pending() {
        assert!(panel(OpportunityState::Creating).is_pending());
        let awaiting = OpportunityState::AwaitingDesign { project_id: "p".into(), aurora_url: "u".into() };
        assert!(panel(awaiting).is_pending());
        assert!(!panel(OpportunityState::NoProject).is_pending());
        assert!(!panel(OpportunityState::NotLinked).is_pending());
        let failed = OpportunityState::CreateFailed { code: "c".into(), message: "m".into(), retryable: true };
        assert!(!panel(failed).is_pending());
        assert!(Panel { creating: true, ..panel(OpportunityState::NoProject) }.is_pending());
    }
}
