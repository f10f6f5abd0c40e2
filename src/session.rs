//! A rep's session with the widget: taken over from the page the worker rendered, it
//! creates the project when asked and follows the opportunity's state while the page is
//! open, so that what changes elsewhere (a project created automatically, a design
//! arriving, a click in another tab) shows without a reload.
//!
//! Everything the widget shows is one [`Screen`] (`widget_view::screen`); the components
//! ask for work through [`Actions`]. Each change of screen mounts the screen's components
//! afresh (see [`crate::mount`] for why that, rather than signals and effects). Tests
//! mount screens of their own, with no session.

pub mod transitions;

use crate::{
    api::{ApiError, Polled, WorkerClient},
    browser,
    mount::{MountedScreen, mount_screen},
    renew::Host,
    screen::{Actions, Panel, Problem, Retry, Screen},
};
use leptos::prelude::*;
// The browser's own task queue: no executor to start before the first mount.
use wasm_bindgen_futures::spawn_local;
use widget_api::{OpportunityState, SessionResponse};

/// When the token of `session`, just received, ends by the browser's clock (ms).
fn expiry(session: &SessionResponse) -> f64 {
    browser::now_ms() + session.expires_in as f64 * 1000.0
}

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
    /// The shortest wait while nothing is pending: what changes then changes elsewhere (an
    /// automatic project, a click in another tab), and is seen within seconds.
    pub const SETTLED_MS: u32 = 5_000;

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

/// How long before its token ends a session is renewed: a poll comes at least every 30 s
/// while the page is visible, so the renewal comes before the end.
const RENEW_BEFORE_MS: f64 = 120_000.0;

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
    /// `None` while the root still holds the screen the worker rendered, adopted as it
    /// is: its buttons act through [`Session::adopt`]'s listener until the first change.
    root: web_sys::HtmlElement,
    mounted: Option<MountedScreen>,
    /// This session's actions, made once.
    actions: Option<Actions>,
    /// The worker client of the current widget token: in memory only.
    client: Option<WorkerClient>,
    /// When that token ends, by the browser's clock (ms).
    expires_at_ms: f64,
    /// The page around the frame, which renews the session.
    host: Host,
    /// A loop following the state is running.
    following: bool,
}

impl Session {
    /// Takes over `root`, which holds the screen the worker rendered from `session`, and
    /// follows the opportunity from there. The rendered screen stays as it is (the same
    /// components made it, so mounting them again would change nothing the rep sees, but
    /// would lose their focus and selection): its buttons are given their actions, and the
    /// next change of screen replaces it. A page without a session that reads says so.
    pub fn start(root: web_sys::HtmlElement, session: Option<SessionResponse>, host: Host) -> Self {
        let client = session.as_ref().map(WorkerClient::new);
        let behind = SessionState {
            screen: Screen::Loading,
            root: root.clone(),
            mounted: None,
            actions: None,
            client,
            expires_at_ms: session.as_ref().map_or(0.0, expiry),
            host,
            following: false,
        };
        let this = Session { behind: StoredValue::new_local(behind) };
        let actions = this.make_actions();
        this.behind.update_value(|b| b.actions = Some(actions));
        match transitions::opened(session.map(|s| (s.opportunity, s.state))) {
            screen @ Screen::Opportunity(_) => {
                this.behind.update_value(|b| b.screen = screen);
                this.adopt(&root, actions);
            }
            unavailable => this.show(unavailable),
        }
        this.follow();
        this
    }

    /// Gives the rendered screen's buttons their actions: one listener on the root, which
    /// acts only while the root holds that screen (mounted screens have their own).
    fn adopt(self, root: &web_sys::HtmlElement, actions: Actions) {
        use wasm_bindgen::{JsCast, closure::Closure};
        let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            if self.behind.try_with_value(|b| b.mounted.is_some()).unwrap_or(true) {
                return;
            }
            let Some(target) = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            let inside = |css: &str| target.closest(css).ok().flatten().is_some();
            if inside("[data-testid=create-project]") {
                actions.create_project.run(());
            } else if inside("[data-testid=retry]") {
                // A rendered screen's only "Try again" is that of a failed create.
                actions.retry.run(Retry::CreateProject);
            }
        });
        let _ = root.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        // The root lives as long as the page, and so does its listener.
        on_click.forget();
    }

    /// What the widget shows now.
    pub fn screen(&self) -> Screen {
        self.behind.with_value(|b| b.screen.clone())
    }

    fn make_actions(self) -> Actions {
        Actions {
            create_project: Callback::new(move |()| self.create_project()),
            retry: Callback::new(move |retry| match retry {
                Retry::OpenSession => self.recover(),
                Retry::CreateProject => self.create_project(),
                Retry::FollowDesign => {
                    self.update_panel(|panel| panel.problem = None);
                    self.follow();
                }
            }),
        }
    }

    /// Shows `screen`: the old one is unmounted, the new one mounted.
    fn show(self, screen: Screen) {
        let announcement = screen.announcement();
        let old = self.behind.try_update_value(|b| {
            let said_before = b.screen.announcement();
            b.screen = screen.clone();
            (b.mounted.take(), said_before)
        });
        let (old, said_before) = old.unzip();
        let Some((root, Some(actions))) = self.behind.try_with_value(|b| (b.root.clone(), b.actions)) else { return };
        // The rep was in the widget (the button they pressed is about to go): their focus
        // moves to the new screen's first thing to read or press, not to the page's body.
        let document = web_sys::window().and_then(|w| w.document());
        let active = document.as_ref().and_then(web_sys::Document::active_element);
        let had_focus = active.is_some_and(|element| root.contains(Some(&element)));
        // Unmounted outside the borrow: dropping components must not find the session
        // busy. Nothing mounted: the root holds the worker's render, cleared by hand.
        match old.flatten() {
            Some(old) => drop(old),
            None => root.set_inner_html(""),
        }
        let mounted = mount_screen(root.clone(), screen, actions);
        self.behind.update_value(|b| b.mounted = Some(mounted));
        if had_focus && let Ok(Some(target)) = root.query_selector("[data-focus]") {
            let _ = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(target).map(|target| target.focus());
        }
        // The page's one status region says where things stand now, when that changed.
        if announcement != said_before.flatten()
            && let Some(region) = document.and_then(|d| d.get_element_by_id("aurora-status"))
        {
            region.set_text_content(announcement);
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

    /// Whether the opportunity is showing and may be followed: no problem stopped it.
    fn watching(self) -> bool {
        self.behind.with_value(|b| matches!(&b.screen, Screen::Opportunity(panel) if panel.problem.is_none()))
    }

    fn create_project(self) {
        let already = self.behind.with_value(|b| matches!(&b.screen, Screen::Opportunity(p) if p.creating));
        if already || self.behind.with_value(|b| b.client.is_none()) {
            return;
        }
        self.update_panel(transitions::create_asked);
        spawn_local(async move {
            let mut result = match self.usable_client(false).await {
                Ok(client) => client.create_project().await,
                Err(problem) => return self.create_stopped(problem),
            };
            // The worker refused the token after all: renewed once, asked again.
            if result.as_ref().is_err_and(ApiError::needs_new_session) {
                result = match self.usable_client(true).await {
                    Ok(client) => client.create_project().await,
                    Err(problem) => return self.create_stopped(problem),
                };
            }
            self.update_panel(|panel| transitions::created(panel, result));
            self.follow();
        });
    }

    /// A create that could not be asked: no session to ask it with.
    fn create_stopped(self, problem: Problem) {
        self.update_panel(|panel| {
            panel.creating = false;
            panel.problem = Some(problem);
        });
    }

    /// The worker client, its session renewed through the CRM first when its token is
    /// about to end, or when the worker refused it (`refused`). A token that still works
    /// is used while a renewal fails (the next call tries again); where the CRM cannot
    /// renew (HubSpot's modal), the token is used until the worker refuses it. The problem
    /// is what the rep reads when there is no token left to use.
    async fn usable_client(self, refused: bool) -> Result<WorkerClient, Problem> {
        let (client, expires_at, host) =
            self.behind.with_value(|b| (b.client.clone(), b.expires_at_ms, b.host.clone()));
        let still_valid = |client: Option<WorkerClient>| client.filter(|_| !refused && browser::now_ms() < expires_at);
        if !refused
            && browser::now_ms() + RENEW_BEFORE_MS < expires_at
            && let Some(client) = client.clone()
        {
            return Ok(client);
        }
        // Where the CRM cannot renew (HubSpot's modal), this answers at once.
        match host.renew().await {
            Ok(session) => Ok(self.take_session(session)),
            Err(error) => still_valid(client).ok_or_else(|| host.problem(&error)),
        }
    }

    /// Takes a renewed session: its token from now on, and the state it brought.
    fn take_session(self, session: SessionResponse) -> WorkerClient {
        let client = WorkerClient::new(&session);
        self.behind.update_value(|b| {
            b.client = Some(client.clone());
            b.expires_at_ms = expiry(&session);
        });
        if matches!(self.screen(), Screen::Opportunity(_)) {
            self.update_panel(|panel| transitions::polled(panel, session.state));
        } else {
            self.show(transitions::opened(Some((session.opportunity, session.state))));
        }
        client
    }

    /// "Try again" when the session could not be renewed, or the page held none: the
    /// CRM vouches for the rep again (Salesforce by POSTing the canvas anew).
    fn recover(self) {
        if self.behind.with_value(|b| b.host.recover_by_reloading()) {
            return;
        }
        spawn_local(async move {
            match self.usable_client(true).await {
                Ok(_) => {
                    self.update_panel(|panel| panel.problem = None);
                    self.follow();
                }
                Err(problem) if matches!(self.screen(), Screen::Opportunity(_)) => self.show_problem(problem),
                Err(problem) => self.show(Screen::Unavailable(problem)),
            }
        });
    }

    /// Polls the state while the opportunity shows and the page is visible, one loop at a
    /// time: quick while the worker is changing it (a project being created, a design
    /// awaited), backing off to a ceiling otherwise, and quick again after any change or
    /// when the rep comes back to the page. Each poll is a 304 while nothing changed.
    fn follow(self) {
        if !self.watching() || self.behind.with_value(|b| b.following) {
            return;
        }
        self.behind.update_value(|b| b.following = true);
        spawn_local(async move {
            self.follow_while_watching().await;
            self.behind.update_value(|b| b.following = false);
        });
    }

    async fn follow_while_watching(self) {
        let mut backoff = PollBackoff::new();
        let mut etag: Option<String> = None;
        while self.watching() {
            browser::sleep(if self.pending() {
                backoff.next_wait()
            } else {
                backoff.next_wait().max(PollBackoff::SETTLED_MS)
            })
            .await;
            if !browser::page_is_visible() {
                // Nobody is looking: no polls until someone is, then one at once.
                browser::page_visible().await;
                backoff.reset();
            }
            let mut polled = match self.usable_client(false).await {
                Ok(client) => client.poll_state(etag.as_deref()).await,
                Err(problem) => return self.show_problem(problem),
            };
            if polled.as_ref().is_err_and(ApiError::needs_new_session) {
                polled = match self.usable_client(true).await {
                    Ok(client) => client.poll_state(etag.as_deref()).await,
                    Err(problem) => return self.show_problem(problem),
                };
            }
            match polled {
                Ok(Polled::Changed { state, etag: new_etag }) => {
                    etag = new_etag;
                    backoff.reset();
                    self.update_panel(|panel| transitions::polled(panel, state));
                }
                Ok(Polled::Unchanged) => {}
                Err(error) => {
                    if let Some(problem) = transitions::follow_failed(&error) {
                        self.show_problem(problem);
                        return;
                    }
                }
            }
        }
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
