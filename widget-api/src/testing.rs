//! For tests on either side of the contract (feature `testing`): one of each
//! [`OpportunityState`], listed once. A state added to the enum fails to compile in
//! [`ordinal`] until it is given a number there, and [`every_state`]'s own test fails
//! until the list holds it: no list of states anywhere else can fall behind.

use crate::{DesignView, OpportunityState};

/// How many states there are.
pub const STATES: usize = 8;

/// Each state's place: exhaustive, so a new state does not compile until it has one.
pub fn ordinal(state: &OpportunityState) -> usize {
    match state {
        OpportunityState::NotLinked => 0,
        OpportunityState::AppDisabled => 1,
        OpportunityState::NoProject => 2,
        OpportunityState::Creating => 3,
        OpportunityState::AwaitingDesign { .. } => 4,
        OpportunityState::DesignReady { .. } => 5,
        OpportunityState::SimulationFailed { .. } => 6,
        OpportunityState::CreateFailed { .. } => 7,
    }
}

/// One of each state, in [`ordinal`]'s order, for project `p-1` in Aurora at
/// `aurora_url`; the ready one shows `design`.
pub fn every_state(aurora_url: &str, design: DesignView) -> Vec<OpportunityState> {
    let (project_id, aurora_url) = ("p-1".to_owned(), aurora_url.to_owned());
    vec![
        OpportunityState::NotLinked,
        OpportunityState::AppDisabled,
        OpportunityState::NoProject,
        OpportunityState::Creating,
        OpportunityState::AwaitingDesign { project_id: project_id.clone(), aurora_url: aurora_url.clone() },
        OpportunityState::DesignReady {
            project_id: project_id.clone(),
            aurora_url: aurora_url.clone(),
            design: Box::new(design),
        },
        OpportunityState::SimulationFailed { project_id, aurora_url, design_id: "d-1".into() },
        OpportunityState::CreateFailed {
            code: "aurora_rejected".into(),
            message: "Aurora refused the address".into(),
            retryable: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_holds_each_state_once() {
        let ordinals: Vec<usize> =
            every_state("https://v2.aurorasolar.com/projects/p-1", DesignView::default()).iter().map(ordinal).collect();
        assert_eq!(ordinals, (0..STATES).collect::<Vec<_>>());
    }
}
