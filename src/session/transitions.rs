//! What the session does after each answer, as pure functions: the session (`session.rs`)
//! does the I/O and the page changes these decide, and the tests below run every case
//! natively, with no browser.

use crate::{api::ApiError, page::Problem};
use widget_api::Action;

/// What the rep reads when the page holds no session that reads, with "Try again" to be
/// vouched for again.
pub fn unavailable() -> Problem {
    Problem {
        message: "This page did not finish loading. Try again, or reload the CRM page.".into(),
        retry: Some(Action::OpenSession),
    }
}

/// What the rep reads when the CRM refused to open the whole design (`refusal`, its
/// words): the summary stays, and Aurora has the rest.
pub fn design_not_opened(refusal: &str) -> Problem {
    Problem {
        message: format!(
            "The whole design could not be opened here ({refusal}). Open in Aurora shows it; \
             if this happens again, tell your admin the app's design window is missing."
        ),
        retry: None,
    }
}

/// What the session shows once the rep's create was answered, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCreate {
    /// The opportunity's screen as the worker now renders it: the project, or the state
    /// that refused it (not linked, app disabled, a failure the worker recorded, with its
    /// own Try again).
    Screen,
    /// That screen, with this problem over it unless it shows one of its own (a refusal the
    /// worker did not record, such as its rate limit).
    ScreenWith(Problem),
    /// The worker could not be reached: the screen from before the click, with this
    /// problem (nothing is known to have changed).
    Before(Problem),
}

/// What follows the worker's answer to the rep's create.
pub fn created<T>(answer: &Result<T, ApiError>) -> AfterCreate {
    match answer {
        Ok(_) => AfterCreate::Screen,
        Err(ApiError::Worker { code, .. }) if code == "not_linked" || code == "app_disabled" => AfterCreate::Screen,
        Err(error @ ApiError::Worker { .. }) => AfterCreate::ScreenWith(create_problem(error)),
        Err(error @ ApiError::Network(_)) => AfterCreate::Before(create_problem(error)),
    }
}

fn create_problem(error: &ApiError) -> Problem {
    Problem { message: error.to_string(), retry: error.is_transient().then_some(Action::CreateProject) }
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
    Some(Problem { message: error.to_string(), retry: Some(Action::FollowDesign) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(status: u16, code: &str) -> ApiError {
        ApiError::Worker { status, code: code.into(), message: format!("refused: {code}") }
    }

    #[test]
    fn each_answer_to_create_leaves_a_screen_where_the_rep_can_act() {
        assert_eq!(created(&Ok(true)), AfterCreate::Screen);
        assert_eq!(created::<bool>(&Err(worker(409, "not_linked"))), AfterCreate::Screen);
        assert_eq!(created::<bool>(&Err(worker(409, "app_disabled"))), AfterCreate::Screen);
        assert_eq!(
            created::<bool>(&Err(worker(429, "rate_limited"))),
            AfterCreate::ScreenWith(Problem {
                message: "refused: rate_limited".into(),
                retry: Some(Action::CreateProject)
            })
        );
        assert_eq!(
            created::<bool>(&Err(worker(403, "wrong_opportunity"))),
            AfterCreate::ScreenWith(Problem { message: "refused: wrong_opportunity".into(), retry: None })
        );
        let offline = ApiError::Network("offline".into());
        assert_eq!(
            created::<bool>(&Err(offline.clone())),
            AfterCreate::Before(Problem { message: offline.to_string(), retry: Some(Action::CreateProject) })
        );
    }

    #[test]
    fn following_keeps_on_through_blips_and_stops_with_a_way_forward() {
        assert_eq!(follow_failed(&ApiError::Network("offline".into())), None);
        assert_eq!(follow_failed(&worker(502, "aurora_unavailable")), None);
        let refused = follow_failed(&worker(404, "not_found")).expect("stops");
        assert_eq!(refused.retry, Some(Action::FollowDesign));
        let ended = follow_failed(&worker(401, "token_expired")).expect("stops");
        assert_eq!(ended, session_ended());
        assert_eq!(unavailable().retry, Some(Action::OpenSession));
    }
}
