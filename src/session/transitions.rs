//! What the session's events do to the screen, as pure functions: the session
//! (`session.rs`) does the I/O and shows what these answer, and the tests below run every
//! transition natively, with no browser.

use crate::{
    api::ApiError,
    screen::{Panel, Problem, Retry, Screen},
};
use widget_api::{Opportunity, OpportunityState};

/// What the widget shows from the session the page was rendered from: the opportunity's
/// panel, or (a page that holds none that reads) why not, with "Try again" to reload.
pub fn opened(session: Option<(Opportunity, OpportunityState)>) -> Screen {
    match session {
        Some((opportunity, state)) => Screen::Opportunity(Panel { opportunity, state, creating: false, problem: None }),
        None => Screen::Unavailable(Problem {
            message: "This page did not finish loading. Try again, or reload the CRM page.".into(),
            retry: Some(Retry::OpenSession),
        }),
    }
}

/// The rep asked for the project: the answer is awaited, the last problem gone.
pub fn create_asked(panel: &mut Panel) {
    panel.creating = true;
    panel.problem = None;
}

/// The worker answered the rep's request for the project. A refusal that is a state of
/// the opportunity (not linked, app disabled) is shown as that state; any other failure as
/// the worker would record it, so that "Try again" is the same request.
pub fn created(panel: &mut Panel, result: Result<OpportunityState, ApiError>) {
    panel.creating = false;
    panel.state = match result {
        Ok(state) => state,
        Err(error) => match error.code() {
            Some("not_linked") => OpportunityState::NotLinked,
            Some("app_disabled") => OpportunityState::AppDisabled,
            code => OpportunityState::CreateFailed {
                code: code.unwrap_or("network").to_owned(),
                message: error.to_string(),
                retryable: error.is_transient(),
            },
        },
    };
}

/// A poll brought a new state.
pub fn polled(panel: &mut Panel, state: OpportunityState) {
    panel.state = state;
}

/// The widget token ran out where the CRM cannot vouch for the rep again from the frame
/// (HubSpot's modal: see `crate::renew`): the rep opens the widget again from the CRM.
pub fn session_ended() -> Problem {
    Problem {
        message: "This window has been open a long time and its session ended. Close it, then open Aurora Solar \
                  again from the record's card to see the latest design."
            .into(),
        retry: None,
    }
}

/// What following the design does after a failed poll: keep polling through a blip, or
/// stop with a problem for the rep (`None`: keep polling).
pub fn follow_failed(error: &ApiError) -> Option<Problem> {
    if error.needs_new_session() {
        return Some(session_ended());
    }
    if error.is_transient() {
        // A blip (network, Aurora, a deploy): keep polling, ever slower.
        return None;
    }
    Some(Problem { message: error.to_string(), retry: Some(Retry::FollowDesign) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use widget_api::Location;

    fn panel(state: OpportunityState) -> Panel {
        let opportunity = Opportunity {
            id: "o-1".into(),
            name: "Rivera residence".into(),
            location: Location::Coordinates { latitude: 37.4, longitude: -122.1 },
        };
        Panel { opportunity, state, creating: false, problem: None }
    }

    fn worker(status: u16, code: &str) -> ApiError {
        ApiError::Worker { status, code: code.into(), message: format!("refused: {code}") }
    }

    #[test]
    fn the_page_session_shows_the_opportunity_or_a_way_to_reload() {
        let ok = opened(Some((panel(OpportunityState::NoProject).opportunity, OpportunityState::NoProject)));
        assert_eq!(ok, Screen::Opportunity(panel(OpportunityState::NoProject)));
        assert!(matches!(opened(None), Screen::Unavailable(Problem { retry: Some(Retry::OpenSession), .. })));
    }

    #[test]
    fn each_answer_to_create_leaves_the_panel_where_the_rep_can_act() {
        let awaiting = OpportunityState::AwaitingDesign { project_id: "p".into(), aurora_url: "u".into() };
        let network = ApiError::Network("offline".into());
        let cases: [(Result<OpportunityState, ApiError>, OpportunityState); 5] = [
            (Ok(awaiting.clone()), awaiting),
            (Err(worker(409, "not_linked")), OpportunityState::NotLinked),
            (Err(worker(409, "app_disabled")), OpportunityState::AppDisabled),
            (
                Err(worker(422, "invalid_location")),
                OpportunityState::CreateFailed {
                    code: "invalid_location".into(),
                    message: "refused: invalid_location".into(),
                    retryable: false,
                },
            ),
            (
                Err(network.clone()),
                OpportunityState::CreateFailed {
                    code: "network".into(),
                    message: network.to_string(),
                    retryable: true,
                },
            ),
        ];
        for (answer, expected) in cases {
            let mut shown = panel(OpportunityState::NoProject);
            shown.problem = Some(Problem { message: "earlier".into(), retry: None });
            create_asked(&mut shown);
            assert!(shown.creating && shown.problem.is_none());
            created(&mut shown, answer);
            assert_eq!(shown, panel(expected));
        }
    }

    #[test]
    fn following_keeps_on_through_blips_and_stops_with_a_way_forward() {
        assert_eq!(follow_failed(&ApiError::Network("offline".into())), None);
        assert_eq!(follow_failed(&worker(502, "aurora_unavailable")), None);
        let refused = follow_failed(&worker(404, "not_found")).expect("stops");
        assert_eq!(refused.retry, Some(Retry::FollowDesign));
        let ended = follow_failed(&worker(401, "token_expired")).expect("stops");
        assert_eq!(ended, session_ended());
        let mut shown = panel(OpportunityState::Creating);
        polled(&mut shown, OpportunityState::NoProject);
        assert_eq!(shown, panel(OpportunityState::NoProject));
    }
}
