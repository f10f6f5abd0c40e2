//! A rep's session with the widget: open it with the CRM's signed context, create the
//! project when asked, and follow the design until it is there.
//!
//! Everything the widget shows is one [`Screen`] (`screen.rs`); the components ask for
//! work through [`Actions`]. Each change of screen mounts the screen's components afresh (see
//! [`crate::components::mount_screen`] for why that, rather than signals and effects).
//! Tests mount screens of their own, with no session.

pub mod transitions;

use crate::{
    api::{self, ApiError, Polled, WorkerClient},
    browser,
    components::{MountedScreen, mount_screen},
    screen::{Actions, Panel, Problem, Retry, Screen},
};
use leptos::{prelude::*, task::spawn_local};
use widget_api::{Opportunity, OpportunityState};

/// The user-timing mark set each time a design is put on screen (the first is the one the
/// boot benchmark reads).
pub const DESIGN_SHOWN_MARK: &str = "aurora-design-shown";

/// Whether the worker will change `state` without the rep doing anything: the project is
/// being created, the design is awaited, or a failed simulation may be re-run in Aurora.
pub fn is_pending(state: &OpportunityState) -> bool {
    matches!(
        state,
        OpportunityState::Creating
            | OpportunityState::AwaitingDesign { .. }
            | OpportunityState::SimulationFailed { .. }
    )
}

/// How long to wait between polls: quick at first, then slower, up to a ceiling; quick
/// again after any change.
#[derive(Debug, Clone, PartialEq)]
pub struct PollBackoff {
    next_ms: u32,
}

impl PollBackoff {
    /// The first wait.
    pub const FIRST_MS: u32 = 2_000;
    /// The longest wait.
    pub const CEILING_MS: u32 = 30_000;

    /// Starts quick.
    pub fn new() -> Self {
        PollBackoff { next_ms: Self::FIRST_MS }
    }

    /// The wait before the next poll; each is half again as long as the last.
    pub fn next_wait(&mut self) -> u32 {
        let wait = self.next_ms;
        self.next_ms = (self.next_ms + self.next_ms / 2).min(Self::CEILING_MS);
        wait
    }

    /// Quick again.
    pub fn reset(&mut self) {
        self.next_ms = Self::FIRST_MS;
    }
}

impl Default for PollBackoff {
    fn default() -> Self {
        Self::new()
    }
}

/// The session: the screen, where it is mounted, and what runs behind it.
#[derive(Clone, Copy)]
pub struct Session {
    behind: StoredValue<SessionState, LocalStorage>,
}

/// What the session keeps.
struct SessionState {
    /// What the widget shows now.
    screen: Screen,
    /// Where the widget is mounted, and the mounted screen (dropping it unmounts it).
    root: web_sys::HtmlElement,
    mounted: Option<MountedScreen>,
    /// This session's actions, made once.
    actions: Option<Actions>,
    crm: String,
    context: String,
    /// The worker client of the current widget token: in memory only.
    client: Option<WorkerClient>,
    /// A loop following the state is running.
    following: bool,
}

impl Session {
    /// Shows the widget in `root` and opens a session for the CRM's signed `context`.
    pub fn start(root: web_sys::HtmlElement, crm: String, context: String) -> Self {
        let behind = SessionState {
            screen: Screen::Loading,
            root,
            mounted: None,
            actions: None,
            crm,
            context,
            client: None,
            following: false,
        };
        let session = Session { behind: StoredValue::new_local(behind) };
        let actions = session.make_actions();
        session.behind.update_value(|b| b.actions = Some(actions));
        // Mounting the loading screen (in `open`) also starts Leptos's task executor,
        // before anything is spawned.
        session.open();
        session
    }

    /// What the widget shows now.
    pub fn screen(&self) -> Screen {
        self.behind.with_value(|b| b.screen.clone())
    }

    fn make_actions(self) -> Actions {
        Actions {
            create_project: Callback::new(move |()| self.create_project()),
            retry: Callback::new(move |retry| match retry {
                Retry::OpenSession => self.open(),
                Retry::CreateProject => self.create_project(),
                Retry::FollowDesign => {
                    self.update_panel(|panel| panel.problem = None);
                    self.follow();
                }
            }),
        }
    }

    fn open(self) {
        if self.behind.with_value(|b| b.context.is_empty()) {
            self.show(transitions::no_context());
            return;
        }
        self.show(Screen::Loading);
        spawn_local(async move {
            let screen = transitions::opened(self.new_session().await);
            let opened = matches!(screen, Screen::Opportunity(_));
            self.show(screen);
            if opened {
                self.follow();
            }
        });
    }

    /// `POST /v1/sessions`; keeps the new token's client.
    async fn new_session(self) -> Result<(Opportunity, OpportunityState), ApiError> {
        let (crm, context) = self.behind.with_value(|b| (b.crm.clone(), b.context.clone()));
        let session = api::create_session(&crm, &context).await?;
        self.behind.update_value(|b| b.client = Some(WorkerClient::new(&session)));
        Ok((session.opportunity, session.state))
    }

    /// Shows `screen`: the old one is unmounted, the new one mounted.
    fn show(self, screen: Screen) {
        let old = self.behind.try_update_value(|b| {
            b.screen = screen.clone();
            b.mounted.take()
        });
        // Unmounted outside the borrow: dropping components must not find the session busy.
        drop(old);
        let Some((root, Some(actions))) = self.behind.try_with_value(|b| (b.root.clone(), b.actions)) else { return };
        let design_shown =
            matches!(&screen, Screen::Opportunity(p) if matches!(p.state, OpportunityState::DesignReady { .. }));
        let mounted = mount_screen(root, screen, actions);
        self.behind.update_value(|b| b.mounted = Some(mounted));
        if design_shown {
            browser::mark(DESIGN_SHOWN_MARK);
        }
    }

    /// Changes the panel, if the opportunity is showing, and shows the change: only a real
    /// change re-mounts, so a poll that brings the same state moves nothing (nor focus).
    fn update_panel(self, change: impl FnOnce(&mut Panel)) {
        if let Screen::Opportunity(before) = self.screen() {
            let mut panel = before.clone();
            change(&mut panel);
            if panel != before {
                self.show(Screen::Opportunity(panel));
            }
        }
    }

    fn pending(self) -> bool {
        self.behind.with_value(|b| matches!(&b.screen, Screen::Opportunity(panel) if is_pending(&panel.state)))
    }

    fn create_project(self) {
        let already = self.behind.with_value(|b| matches!(&b.screen, Screen::Opportunity(p) if p.creating));
        let Some(client) = self.client() else { return };
        if already {
            return;
        }
        self.update_panel(transitions::create_asked);
        spawn_local(async move {
            let mut result = client.create_project().await;
            if result.as_ref().is_err_and(ApiError::needs_new_session) {
                // The token ran out while the panel was open: a new one, then once more.
                result = match self.new_session().await {
                    Ok(_) => match self.client() {
                        Some(client) => client.create_project().await,
                        None => result,
                    },
                    Err(error) => Err(error),
                };
            }
            self.update_panel(|panel| transitions::created(panel, result));
            self.follow();
        });
    }

    /// Polls the state while it is pending and the page is visible, backing off, until it
    /// settles. One loop at a time.
    fn follow(self) {
        if !self.pending() || self.behind.with_value(|b| b.following) {
            return;
        }
        self.behind.update_value(|b| b.following = true);
        spawn_local(async move {
            self.follow_until_settled().await;
            self.behind.update_value(|b| b.following = false);
        });
    }

    async fn follow_until_settled(self) {
        let mut backoff = PollBackoff::new();
        let mut etag: Option<String> = None;
        while self.pending() {
            browser::sleep(backoff.next_wait()).await;
            if !browser::page_is_visible() {
                // Nobody is looking: no polls until someone is, then one at once.
                browser::page_visible().await;
                backoff.reset();
            }
            let Some(client) = self.client() else { return };
            match client.poll_state(etag.as_deref()).await {
                Ok(Polled::Changed { state, etag: new_etag }) => {
                    etag = new_etag;
                    backoff.reset();
                    self.update_panel(|panel| transitions::polled(panel, state));
                }
                Ok(Polled::Unchanged) => {}
                Err(error) if error.needs_new_session() => match self.new_session().await {
                    Ok((_, state)) => {
                        etag = None;
                        self.update_panel(|panel| transitions::polled(panel, state));
                    }
                    Err(_) => {
                        if let Some(problem) = transitions::follow_failed(&error, true) {
                            self.show_problem(problem);
                        }
                        return;
                    }
                },
                Err(error) => {
                    if let Some(problem) = transitions::follow_failed(&error, false) {
                        self.show_problem(problem);
                        return;
                    }
                }
            }
        }
    }

    /// The worker client of the current token.
    fn client(self) -> Option<WorkerClient> {
        self.behind.with_value(|b| b.client.clone())
    }

    fn show_problem(self, problem: Problem) {
        self.update_panel(|panel| panel.problem = Some(problem));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_back_off_to_a_ceiling_and_reset() {
        let mut backoff = PollBackoff::new();
        let waits: Vec<u32> = (0..10).map(|_| backoff.next_wait()).collect();
        assert_eq!(waits[..4], [2_000, 3_000, 4_500, 6_750]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        assert_eq!(*waits.last().expect("ten waits"), PollBackoff::CEILING_MS);
        backoff.reset();
        assert_eq!(backoff.next_wait(), PollBackoff::FIRST_MS);
    }

    #[test]
    fn only_states_the_worker_will_change_are_followed() {
        assert!(is_pending(&OpportunityState::Creating));
        assert!(is_pending(&OpportunityState::AwaitingDesign { project_id: "p".into(), aurora_url: "u".into() }));
        assert!(!is_pending(&OpportunityState::NoProject));
        assert!(!is_pending(&OpportunityState::NotLinked));
        assert!(!is_pending(&OpportunityState::CreateFailed {
            code: "c".into(),
            message: "m".into(),
            retryable: true
        }));
    }
}
